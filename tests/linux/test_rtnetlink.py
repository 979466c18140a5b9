"""Route-netlink link and address messages, and interfaces() read through them on the live system.

Messages are built by hand after ``include/uapi/linux/{rtnetlink,if_link,if_addr}.h``; the address
cases follow glibc's ``getifaddrs`` (``sysdeps/unix/sysv/linux/ifaddrs.c``). On this machine the
entries made of the two dumps must be exactly those ``getifaddrs`` returns, and interfaces() must
give what the getifaddrs + ``/proc/net/dev`` + sysfs path gives.
"""

from __future__ import annotations

import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import net
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers.ifaddrs import group_by_interface
from darwin_metrics.linux.parsers.netclass import IFF_LOWER_UP, IFF_RUNNING, IFF_UP
from darwin_metrics.linux.parsers.rtnetlink import (
    IFA_ADDRESS,
    IFA_BROADCAST,
    IFA_LABEL,
    IFA_LOCAL,
    IFLA_ADDRESS,
    IFLA_BROADCAST,
    IFLA_CARRIER,
    IFLA_IFNAME,
    IFLA_MTU,
    IFLA_OPERSTATE,
    IFLA_STATS64,
    address_entry,
    link_counters,
    link_entry,
    parse_link,
)
from darwin_metrics.records.net import Address, InterfaceCounters

IFF_BROADCAST = 0x2
IFF_POINTOPOINT = 0x10
IFF_MULTICAST = 0x1000
ETH_FLAGS = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP
MAC = bytes.fromhex("02fc00000001")


def attr(kind: int, value: bytes) -> bytes:
    data = struct.pack("=HH", 4 + len(value), kind) + value
    return data + bytes(-len(data) % 4)


def link_msg(
    index: int = 2, name: bytes = b"eth0", flags: int = ETH_FLAGS, arphrd: int = 1, *extra: bytes
) -> bytes:
    stats = struct.pack("=25Q", *range(1, 26))  # a newer kernel's 25 counters
    return (
        struct.pack("=BxHiII", 17, arphrd, index, flags, 0)
        + attr(IFLA_IFNAME, name + b"\0")
        + attr(IFLA_OPERSTATE, b"\x06")
        + attr(IFLA_MTU, struct.pack("=I", 1500))
        + attr(IFLA_CARRIER, b"\x01")
        + attr(IFLA_ADDRESS, MAC)
        + attr(IFLA_BROADCAST, b"\xff" * 6)
        + attr(IFLA_STATS64, stats)
        + b"".join(extra)
    )


def addr_msg(family: int, prefix: int, index: int, *attrs: bytes) -> bytes:
    return struct.pack("=BBBBI", family, prefix, 0, 0, index) + b"".join(attrs)


def v4(text: str) -> bytes:
    return socket.inet_aton(text)


def v6(text: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6, text)


def test_parse_link() -> None:
    link = parse_link(link_msg())
    assert (link.ifindex, link.name, link.flags, link.arphrd, link.mtu) == (
        2,
        "eth0",
        ETH_FLAGS,
        1,
        1500,
    )
    assert (link.operstate, link.carrier, link.address, link.broadcast) == (
        "up",
        True,
        MAC,
        b"\xff" * 6,
    )
    assert link.stats == tuple(range(1, 24))


def test_link_counters_folded_like_proc_net_dev() -> None:
    # rtnl_link_stats64 order: rx_packets=1 tx_packets=2 rx_bytes=3 tx_bytes=4 rx_errors=5
    # tx_errors=6 rx_dropped=7 tx_dropped=8 multicast=9 collisions=10 rx_length=11 rx_over=12
    # rx_crc=13 rx_frame=14 rx_fifo=15 rx_missed=16 tx_aborted=17 tx_carrier=18 tx_fifo=19
    # tx_heartbeat=20 tx_window=21 rx_compressed=22 tx_compressed=23
    assert link_counters(tuple(range(1, 24))) == InterfaceCounters(
        rx_bytes=3,
        rx_packets=1,
        rx_errors=5,
        rx_drops=7 + 16,
        rx_fifo=15,
        rx_frame=11 + 12 + 13 + 14,
        rx_compressed=22,
        rx_multicast=9,
        tx_bytes=4,
        tx_packets=2,
        tx_errors=6,
        tx_drops=8,
        tx_fifo=19,
        tx_collisions=10,
        tx_carrier=18 + 17 + 21 + 20,
        tx_compressed=23,
    )


def test_link_without_optional_attributes() -> None:
    bare = struct.pack("=BxHiII", 17, 65534, 7, IFF_POINTOPOINT, 0) + attr(IFLA_IFNAME, b"tun0\0")
    link = parse_link(bare)
    assert (link.name, link.mtu, link.operstate, link.carrier, link.address, link.stats) == (
        "tun0",
        None,
        None,
        None,
        None,
        None,
    )
    (entry,) = [link_entry(link)]
    assert entry.addr is None and entry.broad_or_dst is None
    with pytest.raises(ParseError, match="without a name"):
        parse_link(struct.pack("=BxHiII", 17, 1, 3, 0, 0))
    with pytest.raises(ParseError):
        parse_link(b"\0" * 8)
    with pytest.raises(ParseError, match="attribute length"):
        parse_link(struct.pack("=BxHiII", 17, 1, 3, 0, 0) + struct.pack("=HH", 99, 3))


def _addresses(*messages: bytes, flags: int = ETH_FLAGS) -> tuple[Address, ...]:
    links = {2: ("eth0", flags)}
    entries = [e for m in messages if (e := address_entry(m, links)) is not None]
    return tuple(a for g in group_by_interface(entries).values() for a in g.addresses)


def test_ipv4_as_getifaddrs_reports_it() -> None:
    # The kernel sends IFA_ADDRESS, IFA_LOCAL (equal), IFA_BROADCAST and IFA_LABEL.
    msg = addr_msg(
        2,
        24,
        2,
        attr(IFA_ADDRESS, v4("192.0.2.2")),
        attr(IFA_LOCAL, v4("192.0.2.2")),
        attr(IFA_BROADCAST, v4("192.0.2.255")),
        attr(IFA_LABEL, b"eth0\0"),
    )
    assert _addresses(msg) == (
        Address(
            family="ipv4",
            address="192.0.2.2",
            netmask="255.255.255.0",
            prefix_length=24,
            broadcast="192.0.2.255",
        ),
    )
    # Without IFA_BROADCAST glibc leaves IFA_ADDRESS in the broadcast slot.
    bare = addr_msg(2, 8, 2, attr(IFA_ADDRESS, v4("10.1.2.3")), attr(IFA_LOCAL, v4("10.1.2.3")))
    assert _addresses(bare)[0].broadcast == "10.1.2.3"
    assert _addresses(bare)[0].netmask == "255.0.0.0"


def test_point_to_point_and_alias() -> None:
    ptp = addr_msg(2, 32, 2, attr(IFA_ADDRESS, v4("10.0.0.1")), attr(IFA_LOCAL, v4("10.64.64.64")))
    (address,) = _addresses(ptp, flags=IFF_UP | IFF_POINTOPOINT | IFF_RUNNING)
    assert (address.address, address.peer, address.broadcast) == ("10.64.64.64", "10.0.0.1", None)
    alias = addr_msg(2, 24, 2, attr(IFA_LOCAL, v4("192.0.2.9")), attr(IFA_LABEL, b"eth0:1\0"))
    entry = address_entry(alias, {2: ("eth0", ETH_FLAGS)})
    assert entry is not None and entry.name == "eth0:1"  # getifaddrs names aliases by label
    assert address_entry(alias, {3: ("other", 0)}) is None


def test_ipv6() -> None:
    global_ = addr_msg(10, 64, 2, attr(IFA_ADDRESS, v6("fd00::2")))
    local = addr_msg(10, 64, 2, attr(IFA_ADDRESS, v6("fe80::1")))
    assert _addresses(global_, local) == (
        Address(
            family="ipv6", address="fd00::2", netmask="ffff:ffff:ffff:ffff::", prefix_length=64
        ),
        Address(
            family="ipv6", address="fe80::1", netmask="ffff:ffff:ffff:ffff::", prefix_length=64
        ),
    )
    entry = address_entry(local, {2: ("eth0", ETH_FLAGS)})
    assert entry is not None and entry.addr is not None
    assert struct.unpack_from("=I", entry.addr, 24)[0] == 2  # scope id, as glibc sets it


def test_link_address_entry() -> None:
    grouped = group_by_interface([link_entry(parse_link(link_msg()))])
    assert grouped["eth0"].index == 2
    assert grouped["eth0"].addresses == (
        Address(family="link", address="02:fc:00:00:00:01", broadcast="ff:ff:ff:ff:ff:ff"),
    )


@given(st.binary(max_size=200))
def test_fuzz_link(data: bytes) -> None:
    try:
        link = parse_link(data)
    except ParseError:
        return
    link_entry(link)
    if link.stats is not None:
        link_counters(link.stats)


@given(st.binary(max_size=120), st.integers(min_value=0, max_value=2**32 - 1))
def test_fuzz_address(data: bytes, flags: int) -> None:
    try:
        entry = address_entry(data, dict.fromkeys(range(4), ("x", flags)))
    except ParseError:
        return
    if entry is not None:
        try:
            group_by_interface([entry])
        except ParseError:
            pass


# --- live ------------------------------------------------------------------------------------


@pytest.mark.live
def test_live_entries_are_those_of_getifaddrs() -> None:
    from darwin_metrics.linux.ifaddrs import raw_ifaddrs
    from darwin_metrics.linux.rtnl import dump_links_and_addresses

    for _ in range(3):  # a concurrent address change between the two reads: try again
        link_payloads, address_payloads = dump_links_and_addresses()
        theirs = raw_ifaddrs()
        links = [parse_link(p) for p in link_payloads]
        by_index = {link.ifindex: (link.name, link.flags) for link in links}
        ours = [link_entry(link) for link in links]
        ours += [e for p in address_payloads if (e := address_entry(p, by_index)) is not None]
        if ours == theirs:
            break
    assert ours == theirs


@pytest.mark.live
def test_live_netlink_path_equals_the_sysfs_path(monkeypatch: pytest.MonkeyPatch) -> None:
    roots = Roots()
    fast = net._netlink_interfaces(roots)
    assert fast is not None
    monkeypatch.setattr(net, "_netlink_interfaces", lambda roots: None)
    slow = {i.name: i for i in net.read_interfaces(roots)}
    for mine in fast:
        other = slow[mine.name]
        assert (mine.index, mine.kind, mine.mtu, mine.mac, mine.flags) == (
            other.index,
            other.kind,
            other.mtu,
            other.mac,
            other.flags,
        )
        assert (mine.is_up, mine.is_running, mine.has_carrier, mine.operstate) == (
            other.is_up,
            other.is_running,
            other.has_carrier,
            other.operstate,
        )
        assert (mine.speed_bits_per_second, mine.duplex, mine.addresses) == (
            other.speed_bits_per_second,
            other.duplex,
            other.addresses,
        )
        assert mine.counters is not None and other.counters is not None
        assert 0 <= other.counters.rx_bytes - mine.counters.rx_bytes <= 2**20
    assert {i.name for i in fast} == set(slow)


@pytest.mark.live
def test_without_netlink_the_other_path_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from darwin_metrics.linux import rtnl

    def refused() -> tuple[list[bytes], list[bytes]]:
        raise PermissionError(errno.EPERM, "netlink refused")

    monkeypatch.setattr(rtnl, "dump_links_and_addresses", refused)
    names = {i.name for i in net.read_interfaces(Roots())}
    assert {n for _, n in socket.if_nameindex()} <= names
