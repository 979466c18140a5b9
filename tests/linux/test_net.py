"""interfaces() on Linux: sysfs class/net, /proc/net/dev, getifaddrs decoding, live cross-checks."""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.fs import Roots, is_live
from darwin_metrics.linux.net import (
    classify_kind,
    read_interfaces,
    running_from,
    sysfs_counters,
)
from darwin_metrics.linux.parsers.ifaddrs import (
    RawIfAddr,
    decode_sockaddr,
    group_by_interface,
    prefix_length,
)
from darwin_metrics.linux.parsers.netclass import (
    parse_carrier,
    parse_duplex,
    parse_flags,
    parse_speed,
    parse_uevent,
)
from darwin_metrics.linux.parsers.netdev import parse_net_dev
from darwin_metrics.records.net import Address, Interface, InterfaceCounters
from tests.conftest import HANDMADE, Tree

DATA = HANDMADE / "net"


def by_name(ifaces: tuple[Interface, ...]) -> dict[str, Interface]:
    return {i.name: i for i in ifaces}


# --- captured trees ---------------------------------------------------------------------------


def test_ne_class_net(ne_tree: Tree) -> None:
    ifaces = read_interfaces(ne_tree.roots)
    # bonding_masters is a file, not an interface; every interface has ifindex 2 in this tree
    assert [i.name for i in ifaces] == ["bond0", "dmz", "eth0", "int"]
    d = by_name(ifaces)
    assert d["eth0"] == Interface(
        name="eth0",
        index=2,
        kind="ethernet",  # resolves under devices/pci0000:00
        is_up=True,
        is_running=True,  # flags 0x1303 lack IFF_RUNNING; operstate "up" supplies it
        has_carrier=True,
        operstate="up",
        mtu=1500,
        speed_bits_per_second=1_000_000_000,
        duplex="full",
        mac="01:01:01:01:01:01",
        addresses=(),
        counters=None,  # no statistics/ and no /proc/net/dev in this tree
        flags=0x1303,
    )
    assert d["bond0"].kind == "bond" and d["bond0"].speed_bits_per_second is None  # speed -1
    assert d["dmz"].kind == "bond" and d["dmz"].speed_bits_per_second == 1_000_000_000
    assert d["int"].kind == "bond"
    for i in ifaces:
        assert (i.mtu, i.operstate, i.has_carrier, i.duplex) == (1500, "up", True, "full")


def test_pf_class_net_and_proc_net_dev(pf_tree: Tree) -> None:
    ifaces = read_interfaces(pf_tree.roots)
    assert [i.name for i in ifaces] == ["eth0", "docker0", "lo", "vethf345468"]
    eth0 = ifaces[0]
    assert (eth0.index, eth0.kind, eth0.is_up, eth0.is_running, eth0.flags) == (
        2,
        "ethernet",  # has a `device` link
        True,
        True,
        0x1303,
    )
    assert (eth0.speed_bits_per_second, eth0.duplex, eth0.mac, eth0.mtu, eth0.has_carrier) == (
        1_000_000_000,
        "full",
        "01:01:01:01:01:01",
        1500,
        True,
    )
    # "  eth0: 874354587 1036395 0 0 0 0 0 0 563352563  732147 0 0 0 0 0 0"
    assert eth0.counters == InterfaceCounters(
        rx_bytes=874354587,
        rx_packets=1036395,
        rx_errors=0,
        rx_drops=0,
        rx_fifo=0,
        rx_frame=0,
        rx_compressed=0,
        rx_multicast=0,
        tx_bytes=563352563,
        tx_packets=732147,
        tx_errors=0,
        tx_drops=0,
        tx_fifo=0,
        tx_collisions=0,
        tx_carrier=0,
        tx_compressed=0,
    )
    d = by_name(ifaces)
    # only in /proc/net/dev: no sysfs facts, no flags (None, not a guess)
    lo = d["lo"]
    assert (lo.kind, lo.index, lo.is_up, lo.is_running, lo.mtu, lo.mac) == (
        "loopback",
        None,
        None,
        None,
        None,
        None,
    )
    assert lo.counters is not None and lo.counters.rx_bytes == 1664039048
    assert lo.counters.tx_packets == 1566805
    assert d["docker0"].kind == "other"
    assert d["docker0"].counters is not None and d["docker0"].counters.rx_packets == 38
    veth = d["vethf345468"].counters
    assert veth is not None and (
        veth.rx_bytes,
        veth.rx_packets,
        veth.tx_bytes,
        veth.tx_packets,
    ) == (
        648,
        8,
        438,
        5,
    )


def test_pf_net_dev_parse_exact(pf_tree: Tree) -> None:
    counters = parse_net_dev((pf_tree.proc / "net" / "dev").read_bytes())
    assert list(counters) == ["vethf345468", "lo", "docker0", "eth0"]
    per_pid = parse_net_dev((pf_tree.proc / "26231" / "net" / "dev").read_bytes())
    assert list(per_pid) == ["lo", "eth0"]
    assert (per_pid["eth0"].rx_bytes, per_pid["eth0"].rx_packets) == (438, 5)
    assert (per_pid["eth0"].tx_bytes, per_pid["eth0"].tx_packets) == (648, 8)
    assert per_pid["lo"].rx_bytes == 0


def test_backend_interfaces(pf_tree: Tree) -> None:
    backend = LinuxBackend(procfs=pf_tree.roots.procfs, sysfs=pf_tree.roots.sysfs)
    assert backend.interfaces() == read_interfaces(pf_tree.roots)


# --- the synthetic class/net tree -------------------------------------------------------------


def synthetic(proc: str = "proc") -> dict[str, Interface]:
    return by_name(read_interfaces(Roots(procfs=str(DATA / proc), sysfs=str(DATA / "sys"))))


def test_synthetic_kinds() -> None:
    d = synthetic()
    assert {n: i.kind for n, i in d.items()} == {
        "lo": "loopback",
        "enp3s0": "ethernet",
        "wlp2s0": "wifi",
        "br0": "bridge",
        "tun0": "tunnel",
        "veth1a2b3c4": "virtual",
        "enp3s0.100": "vlan",
        "wwan0": "cellular",
        "wg0": "tunnel",
        "ib0": "other",
        "bond1": "bond",
        "dummy0": "virtual",
        "ppp0": "other",  # only in /proc/net/dev
    }
    assert [i.index for i in read_interfaces(Roots(str(DATA / "proc"), str(DATA / "sys")))] == [
        *range(1, 13),
        None,
    ]


def test_synthetic_state() -> None:
    d = synthetic()
    enp = d["enp3s0"]
    assert (enp.is_up, enp.is_running, enp.has_carrier, enp.operstate) == (True, True, True, "up")
    assert (enp.mtu, enp.speed_bits_per_second, enp.duplex, enp.mac) == (
        9000,
        10_000_000_000,
        "full",
        "3c:ec:ef:12:34:56",
    )
    br0 = d["br0"]  # down: no carrier attribute, speed -1
    assert (br0.is_up, br0.is_running, br0.has_carrier, br0.speed_bits_per_second, br0.flags) == (
        False,
        False,
        None,
        None,
        0x1002,
    )
    wifi = d["wlp2s0"]  # dormant: up but not running; duplex "unknown"
    assert (wifi.is_up, wifi.is_running, wifi.duplex, wifi.speed_bits_per_second) == (
        True,
        False,
        None,
        None,
    )
    tun = d["tun0"]  # flags 0x10d1 hold IFF_RUNNING; no hardware address
    assert (tun.is_up, tun.is_running, tun.mac, tun.operstate) == (True, True, None, "unknown")
    lo = d["lo"]
    assert (lo.is_up, lo.is_running, lo.mtu, lo.mac) == (True, True, 65536, "00:00:00:00:00:00")
    assert d["ib0"].mac == "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:1f:00:01"
    assert d["bond1"].operstate == "lowerlayerdown" and d["bond1"].is_running is False
    assert d["dummy0"].counters is None  # no statistics/ and not in /proc/net/dev


def test_synthetic_counters_prefer_proc_net_dev() -> None:
    d = synthetic()
    # "enp3s0: 18446744073709551615 4294967296 1 2 3 4 5 6 7 8 9 10 11 12 13 14"
    assert d["enp3s0"].counters == InterfaceCounters(
        rx_bytes=18446744073709551615,
        rx_packets=4294967296,
        rx_errors=1,
        rx_drops=2,
        rx_fifo=3,
        rx_frame=4,
        rx_compressed=5,
        rx_multicast=6,
        tx_bytes=7,
        tx_packets=8,
        tx_errors=9,
        tx_drops=10,
        tx_fifo=11,
        tx_collisions=12,
        tx_carrier=13,
        tx_compressed=14,
    )
    assert d["lo"].counters is not None and d["lo"].counters.rx_bytes == 123456
    ppp = d["ppp0"].counters
    assert ppp is not None and (ppp.rx_bytes, ppp.tx_packets) == (5000, 60)
    # not in /proc/net/dev: from sysfs statistics (interface 3)
    assert d["wlp2s0"].counters is not None and d["wlp2s0"].counters.rx_bytes == 3000001


def test_synthetic_counters_from_sysfs_folded_like_proc() -> None:
    """statistics/* of interface 2: rx_dropped 4 + rx_missed_errors 3; frame 1+2+3+4; carrier 1+2+3+4."""
    d = synthetic("proc-without-netdev")
    assert "ppp0" not in d
    assert d["enp3s0"].counters == InterfaceCounters(
        rx_bytes=2000001,
        rx_packets=2002,
        rx_errors=2,
        rx_drops=7,
        rx_fifo=4,
        rx_frame=10,
        rx_compressed=0,
        rx_multicast=20,
        tx_bytes=4000005,
        tx_packets=4006,
        tx_errors=7,
        tx_drops=8,
        tx_fifo=9,
        tx_collisions=11,
        tx_carrier=10,
        tx_compressed=0,
    )
    assert sysfs_counters(str(DATA / "sys" / "class" / "net" / "dummy0")) is None


def test_fixture_roots_have_no_addresses() -> None:
    roots = Roots(procfs=str(DATA / "proc"), sysfs=str(DATA / "sys"))
    assert not is_live(roots)
    assert all(i.addresses == () for i in read_interfaces(roots))
    assert is_live(Roots())


# --- rules and small parsers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "kind"),
    [
        ({"arphrd": 772}, "loopback"),
        ({"arphrd": 1, "flags": 0x9}, "loopback"),
        ({"arphrd": 1, "entries": {"wireless"}, "physical": True}, "wifi"),
        ({"arphrd": 1, "entries": {"phy80211"}, "physical": True}, "wifi"),
        ({"arphrd": 1, "devtype": "wlan", "physical": True}, "wifi"),
        ({"arphrd": 803}, "wifi"),
        ({"arphrd": 1, "entries": {"bridge"}}, "bridge"),
        ({"arphrd": 1, "devtype": "bridge"}, "bridge"),
        ({"arphrd": 1, "entries": {"bonding"}}, "bond"),
        ({"arphrd": 1, "devtype": "vlan"}, "vlan"),
        ({"arphrd": 519, "physical": True}, "cellular"),
        ({"arphrd": 65534, "devtype": "wwan"}, "cellular"),
        ({"arphrd": 65534, "entries": {"tun_flags"}}, "tunnel"),
        ({"arphrd": 1, "entries": {"tun_flags"}}, "tunnel"),  # tap
        ({"arphrd": 776}, "tunnel"),
        ({"arphrd": 778}, "tunnel"),
        ({"arphrd": 823}, "tunnel"),
        ({"arphrd": 512}, "tunnel"),
        ({"arphrd": 1, "devtype": "vxlan"}, "tunnel"),
        ({"arphrd": 1}, "virtual"),
        ({"arphrd": 1, "physical": True}, "ethernet"),
        ({"arphrd": 32, "physical": True}, "other"),
        ({"arphrd": None, "physical": True}, "other"),
    ],
)
def test_classify_kind(facts: dict[str, Any], kind: str) -> None:
    assert (
        classify_kind(
            arphrd=facts.get("arphrd"),
            flags=facts.get("flags"),
            entries=frozenset(facts.get("entries", ())),
            devtype=facts.get("devtype"),
            physical=facts.get("physical", False),
        )
        == kind
    )


def test_running_from() -> None:
    assert running_from(None, "up") is None
    assert running_from(0x41, "down") is True
    assert running_from(0x1003, "up") is True
    assert running_from(0x1003, "unknown") is True
    assert running_from(0x1003, "dormant") is False
    assert running_from(0x1002, "up") is False
    assert running_from(0x1003, None) is False


def test_netclass_parsers() -> None:
    assert parse_flags("0x1303", "f") == 0x1303
    assert parse_flags("1003", "f") == 0x1003
    for bad in ["", "0x", "zz", "0x-1", "0x1 2"]:
        with pytest.raises(ParseError):
            parse_flags(bad, "f")
    assert parse_speed("1000", "s") == 1_000_000_000
    assert parse_speed("-1", "s") is None
    assert parse_speed("0", "s") is None
    assert parse_speed("4294967295", "s") is None
    assert parse_speed("65535", "s") is None
    assert parse_speed("400000", "s") == 400_000_000_000
    for bad in ["", "fast", "1.5", "--1"]:
        with pytest.raises(ParseError):
            parse_speed(bad, "s")
    assert [parse_duplex(x) for x in ("full", "half", "unknown", "")] == [
        "full",
        "half",
        None,
        None,
    ]
    assert parse_carrier("1", "c") is True and parse_carrier("0\n", "c") is False
    with pytest.raises(ParseError):
        parse_carrier("2", "c")
    assert parse_uevent("DEVTYPE=wlan\nINTERFACE=wlp2s0\nbogus\n=x\nIFINDEX=3") == {
        "DEVTYPE": "wlan",
        "INTERFACE": "wlp2s0",
        "IFINDEX": "3",
    }


# --- /proc/net/dev edge files -----------------------------------------------------------------


def test_netdev_edges() -> None:
    assert parse_net_dev((DATA / "netdev_empty").read_bytes()) == {}
    with pytest.raises(ParseError, match="5 counters"):
        parse_net_dev((DATA / "netdev_truncated").read_bytes())
    with pytest.raises(ParseError):
        parse_net_dev((DATA / "netdev_garbage").read_bytes())
    huge = parse_net_dev((DATA / "netdev_huge").read_bytes())["eth9"]
    assert huge.rx_bytes == 2**64 - 1 and huge.tx_bytes == 99999999999999999999999
    old = parse_net_dev((DATA / "netdev_old").read_bytes())
    assert old["lo"].rx_bytes == 1234567 and old["lo"].tx_packets == 100
    assert (old["eth0"].rx_bytes, old["eth0"].rx_frame, old["eth0"].tx_carrier) == (
        4294967295,
        4,
        11,
    )


@pytest.mark.parametrize(
    "data",
    [
        b"eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -16\n",
        b": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
        b"eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
        b"eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
    ],
)
def test_netdev_malformed(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_net_dev(data)


# --- getifaddrs decoding ----------------------------------------------------------------------


def sin(address: str) -> bytes:
    return struct.pack("=HH4s8x", 2, 0, socket.inet_pton(socket.AF_INET, address))


def sin6(address: str, scope: int = 0) -> bytes:
    return struct.pack("=HHI16sI", 10, 0, 0, socket.inet_pton(socket.AF_INET6, address), scope)


def sll(ifindex: int, mac: bytes) -> bytes:
    return struct.pack("=HHiHBB", 17, 0, ifindex, 1, 0, len(mac)) + mac


def test_decode_sockaddr() -> None:
    a = decode_sockaddr(sin("192.0.2.7"))
    assert a is not None and (a.family, a.address) == ("ipv4", "192.0.2.7")
    b = decode_sockaddr(sin6("fe80::1", 4))
    assert b is not None and (b.family, b.address) == ("ipv6", "fe80::1")
    c = decode_sockaddr(sll(4, bytes.fromhex("02fc00000001")))
    assert c is not None and (c.family, c.address, c.ifindex) == ("link", "02:fc:00:00:00:01", 4)
    assert decode_sockaddr(struct.pack("=H14x", 1)) is None  # AF_UNIX: not reported
    for short in [b"", b"\x02", sin("1.2.3.4")[:7], sin6("::1")[:23], sll(1, b"\x01" * 6)[:15]]:
        with pytest.raises(ParseError):
            decode_sockaddr(short)


@pytest.mark.parametrize(
    ("mask", "bits"),
    [
        ("255.255.255.0", 24),
        ("255.255.255.255", 32),
        ("0.0.0.0", 0),
        ("255.255.240.0", 20),
        ("255.0.255.0", None),
    ],
)
def test_prefix_length(mask: str, bits: int | None) -> None:
    assert prefix_length(socket.inet_aton(mask)) == bits


def test_prefix_length_v6() -> None:
    assert prefix_length(socket.inet_pton(socket.AF_INET6, "ffff:ffff:ffff:ffff::")) == 64
    assert prefix_length(b"\xff" * 16) == 128


def test_group_by_interface() -> None:
    entries = [
        RawIfAddr(
            "eth0", 0x11043, sll(4, bytes.fromhex("02fc00000001")), None, sll(4, b"\xff" * 6)
        ),
        RawIfAddr("eth0", 0x11043, sin("192.0.2.2"), sin("255.255.255.0"), sin("192.0.2.255")),
        RawIfAddr("eth0", 0x11043, sin6("fd00::2"), sin6("ffff:ffff:ffff:ffff::"), None),
        RawIfAddr("ppp0", 0x10D1, sin("10.64.64.64"), sin("255.255.255.255"), sin("10.0.0.1")),
        RawIfAddr("tun0", 0x10D1, sll(9, b""), None, None),
        RawIfAddr("odd", 0x1, None, None, None),
    ]
    grouped = group_by_interface(entries)
    assert list(grouped) == ["eth0", "ppp0", "tun0", "odd"]
    eth0 = grouped["eth0"]
    assert (eth0.flags, eth0.index) == (0x11043, 4)
    assert eth0.addresses == (
        Address(family="link", address="02:fc:00:00:00:01", broadcast="ff:ff:ff:ff:ff:ff"),
        Address(
            family="ipv4",
            address="192.0.2.2",
            netmask="255.255.255.0",
            prefix_length=24,
            broadcast="192.0.2.255",
        ),
        Address(
            family="ipv6", address="fd00::2", netmask="ffff:ffff:ffff:ffff::", prefix_length=64
        ),
    )
    ppp = grouped["ppp0"].addresses[0]
    assert (ppp.peer, ppp.broadcast, ppp.prefix_length) == ("10.0.0.1", None, 32)
    assert grouped["tun0"].addresses == () and grouped["tun0"].index == 9
    assert grouped["odd"].addresses == () and grouped["odd"].index is None


# --- fuzzing --------------------------------------------------------------------------------


@given(st.binary(max_size=500))
def test_fuzz_net_dev(data: bytes) -> None:
    try:
        result = parse_net_dev(data)
    except ParseError:
        return
    for counters in result.values():
        assert counters.rx_bytes >= 0


@given(st.text(max_size=40))
def test_fuzz_netclass(text: str) -> None:
    for parse in (parse_flags, parse_speed, parse_carrier):
        try:
            parse(text, "x")
        except ParseError:
            pass
    parse_duplex(text)
    parse_uevent(text)


sockaddr_bytes = st.one_of(
    st.none(),
    st.binary(max_size=40),
    st.builds(lambda b: struct.pack("=H", 2) + b, st.binary(max_size=20)),
    st.builds(lambda b: struct.pack("=H", 10) + b, st.binary(max_size=30)),
    st.builds(lambda b: struct.pack("=H", 17) + b, st.binary(max_size=40)),
)


@given(
    st.lists(
        st.builds(
            RawIfAddr,
            st.sampled_from(["eth0", "lo", "wg0"]),
            st.integers(min_value=0, max_value=2**32 - 1),
            sockaddr_bytes,
            sockaddr_bytes,
            sockaddr_bytes,
        ),
        max_size=6,
    )
)
def test_fuzz_ifaddrs(entries: list[RawIfAddr]) -> None:
    try:
        grouped = group_by_interface(entries)
    except ParseError:
        return
    assert set(grouped) == {e.name for e in entries}


# --- live -----------------------------------------------------------------------------------


def _sysfs_stat(name: str, counter: str) -> int:
    return int(Path(f"/sys/class/net/{name}/statistics/{counter}").read_text())


@pytest.mark.live
def test_live_counters_between_two_sysfs_reads() -> None:
    """Counters only grow: sysfs before <= ours <= sysfs after (exact, no tolerance needed)."""
    names = [n for n in os.listdir("/sys/class/net") if os.path.isdir(f"/sys/class/net/{n}")]
    pairs = [
        ("rx_bytes", "rx_bytes"),
        ("rx_packets", "rx_packets"),
        ("tx_bytes", "tx_bytes"),
        ("tx_packets", "tx_packets"),
        ("rx_errors", "rx_errors"),
        ("tx_errors", "tx_errors"),
    ]
    before = {(n, s): _sysfs_stat(n, s) for n in names for _, s in pairs}
    ours = by_name(read_interfaces(Roots()))
    after = {(n, s): _sysfs_stat(n, s) for n in names for _, s in pairs}
    assert set(names) <= set(ours)
    for n in names:
        counters = ours[n].counters
        assert counters is not None
        for field, stat in pairs:
            assert before[n, stat] <= getattr(counters, field) <= after[n, stat], (n, field)
        assert ours[n].index == int(Path(f"/sys/class/net/{n}/ifindex").read_text())
        assert ours[n].mtu == int(Path(f"/sys/class/net/{n}/mtu").read_text())


@pytest.mark.live
def test_live_against_ip_link() -> None:
    """``ip -s -j link``: index, mtu, MAC, up flag; counters within 1 MiB / 1000 packets
    (ip runs in another process a few milliseconds away)."""
    if shutil.which("ip") is None:
        pytest.skip("no ip command")
    proc = subprocess.run(
        ["ip", "-s", "-j", "link"], capture_output=True, text=True, timeout=30, check=False
    )
    if proc.returncode != 0 or not proc.stdout.startswith("["):
        pytest.skip("ip has no JSON output here")
    ours = by_name(read_interfaces(Roots()))
    for link in json.loads(proc.stdout):
        mine = ours[link["ifname"]]
        assert mine.index == link["ifindex"]
        assert mine.mtu == link["mtu"]
        assert mine.is_up is ("UP" in link["flags"])
        if link.get("address") and link.get("link_type") not in ("none", None):
            assert mine.mac == link["address"]
        stats = link.get("stats64")
        if stats and mine.counters is not None:
            assert abs(mine.counters.rx_bytes - stats["rx"]["bytes"]) <= 2**20
            assert abs(mine.counters.tx_bytes - stats["tx"]["bytes"]) <= 2**20
            assert abs(mine.counters.rx_packets - stats["rx"]["packets"]) <= 1000
            assert abs(mine.counters.tx_packets - stats["tx"]["packets"]) <= 1000
            assert abs(mine.counters.rx_errors - stats["rx"]["errors"]) <= 10
            assert abs(mine.counters.tx_drops - stats["tx"]["dropped"]) <= 10


@pytest.mark.live
def test_live_against_psutil() -> None:
    """Addresses exactly as psutil.net_if_addrs (IPv6 scope suffix removed), mtu/flags as
    net_if_stats, counters as net_io_counters within 1 MiB / 1000 packets."""
    psutil = pytest.importorskip("psutil")
    ours = by_name(read_interfaces(Roots()))
    family = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6", psutil.AF_LINK: "link"}
    for name, addrs in psutil.net_if_addrs().items():
        theirs = {
            (family[a.family], a.address.split("%")[0], a.netmask, a.broadcast, a.ptp)
            for a in addrs
            if a.family in family
        }
        mine = {(a.family, a.address, a.netmask, a.broadcast, a.peer) for a in ours[name].addresses}
        assert mine == theirs, name
    for name, stats in psutil.net_if_stats().items():
        flags = set(stats.flags.split(","))
        assert ours[name].mtu == stats.mtu
        assert ours[name].is_up is ("up" in flags)
        assert ours[name].is_running is stats.isup  # psutil's isup means IFF_RUNNING
        if stats.speed:
            assert ours[name].speed_bits_per_second == stats.speed * 1_000_000
    for name, io in psutil.net_io_counters(pernic=True).items():
        c = ours[name].counters
        assert c is not None
        assert abs(c.rx_bytes - io.bytes_recv) <= 2**20 and abs(c.tx_bytes - io.bytes_sent) <= 2**20
        assert abs(c.rx_packets - io.packets_recv) <= 1000
        assert abs(c.rx_drops - io.dropin) <= 10 and abs(c.tx_drops - io.dropout) <= 10


@pytest.mark.live
def test_live_interfaces_match_netdev_names() -> None:
    names = {i.name for i in read_interfaces(Roots())}
    assert set(socket.if_nameindex()) and {n for _, n in socket.if_nameindex()} <= names
    for index, name in socket.if_nameindex():
        assert by_name(read_interfaces(Roots()))[name].index == index


def test_ifaddrs_struct_layout() -> None:
    """``struct ifaddrs`` on LP64 Linux: seven pointer-sized fields (flags padded), 56 bytes."""
    import ctypes

    from darwin_metrics.linux.ifaddrs import _Ifaddrs

    if ctypes.sizeof(ctypes.c_void_p) != 8:
        pytest.skip("layout checked for 64-bit only")
    offsets = {name: getattr(_Ifaddrs, name).offset for name, _ in _Ifaddrs._fields_}
    assert offsets == {
        "ifa_next": 0,
        "ifa_name": 8,
        "ifa_flags": 16,
        "ifa_addr": 24,
        "ifa_netmask": 32,
        "ifa_ifu": 40,
        "ifa_data": 48,
    }
    assert ctypes.sizeof(_Ifaddrs) == 56


@pytest.mark.live
def test_live_raw_ifaddrs_names() -> None:
    from darwin_metrics.linux.ifaddrs import interface_addresses

    grouped = interface_addresses()
    assert {n for _, n in socket.if_nameindex()} <= set(grouped)
    for index, name in socket.if_nameindex():
        assert grouped[name].index == index
