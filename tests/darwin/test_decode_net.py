"""Network decoders on synthetic records built from the darwin_structs.json layouts: NET_RT_IFLIST2
messages, ifmediareq words (subtype numbers from xnu ``bsd/net/if_media.h``), pcblist_n tables.
No ``sysctl``/``netstat`` binary captures from a Mac exist in the fixtures."""

from __future__ import annotations

import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.darwin.decode import net
from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.darwin.ffi.structs import (
    IfMediaReq,
)
from darwin_metrics.errors import ParseError
from tests.darwin import builders as b


def test_iflist2() -> None:
    en0 = b.ifinfo2(
        "en0", 4, k.IFT_ETHER, bytes.fromhex("a4831e0a0b0c"),
        flags=k.IFF_UP | k.IFF_RUNNING | 0x8800, mtu=1500, ibytes=5 * 2**32 + 7, obytes=12345,
        ipackets=100, opackets=90, ierrors=1, oerrors=2, iqdrops=3, collisions=4, imcasts=5,
        baudrate=1_000_000_000, snd_drops=6,
    )  # fmt: skip
    newaddr = struct.pack("<HBB", 20, 5, k.RTM_NEWADDR) + bytes(16)  # skipped by its type
    lo0 = b.ifinfo2("lo0", 1, k.IFT_LOOP, b"", flags=k.IFF_UP | k.IFF_LOOPBACK, mtu=16384)
    records = net.iflist2(en0 + newaddr + lo0)
    assert [r.name for r in records] == ["en0", "lo0"]
    en, lo = records
    assert (en.index, en.ift_type, en.mtu, en.mac) == (4, k.IFT_ETHER, 1500, "a4:83:1e:0a:0b:0c")
    assert en.flags & k.IFF_RUNNING
    c = en.counters
    # 64-bit counters: past 4 GiB without wrapping.
    assert (c.rx_bytes, c.tx_bytes) == (5 * 2**32 + 7, 12345)
    assert (c.rx_packets, c.tx_packets, c.rx_errors, c.tx_errors) == (100, 90, 1, 2)
    assert (c.rx_drops, c.tx_collisions, c.rx_multicast, c.tx_drops) == (3, 4, 5, 6)
    assert (lo.mac, lo.index) == (None, 1)
    with pytest.raises(ParseError):
        net.iflist2(en0[:-30])


def test_sockaddr_dl_bounds() -> None:
    raw = b.sdl("en10", k.IFT_ETHER, 12, bytes(6))
    assert net.sockaddr_dl(raw) == ("en10", 12, k.IFT_ETHER, None)  # all-zero address: none
    with pytest.raises(ParseError):
        net.sockaddr_dl(raw[:6])
    bad = bytes([8]) + raw[1:]  # sdl_len shorter than the name it claims
    with pytest.raises(ParseError):
        net.sockaddr_dl(bad)


def _media(status: int, active: int) -> bytes:
    return bytes(IfMediaReq(ifm_name=b"en0", ifm_status=status, ifm_active=active))


def test_media_words() -> None:
    ok = k.IFM_AVALID | k.IFM_ACTIVE
    # 1000baseT (subtype 16), full duplex.
    m = net.media(_media(ok, k.IFM_ETHER | 16 | k.IFM_FDX))
    assert (m.has_carrier, m.speed, m.duplex) == (True, 1_000_000_000, "full")
    # 10GbaseT (21), 2500baseT (22), 5000baseT (23) are in the compatible low bits.
    assert net.media(_media(ok, k.IFM_ETHER | 21)).speed == 10_000_000_000
    assert net.media(_media(ok, k.IFM_ETHER | 22 | k.IFM_HDX)).duplex == "half"
    # IFM_X(52) = 100BaseT: low bits 52 & 0x1f = 20, extended bits (52 & 0x1e0) << 11 = 0x10000.
    word = k.IFM_ETHER | (52 & 0x1F) | ((52 & 0x1E0) << 11)
    assert net.media_subtype(word) == 52
    assert net.media(_media(ok, word)).speed == 100_000_000
    # IFM_X(65) = 25GBase-T.
    assert (
        net.media(_media(ok, k.IFM_ETHER | (65 & 0x1F) | ((65 & 0x1E0) << 11))).speed == 25 * 10**9
    )
    # No link: carrier False, nothing about speed.
    down = net.media(_media(k.IFM_AVALID, k.IFM_ETHER | 16 | k.IFM_FDX))
    assert (down.has_carrier, down.speed, down.duplex) == (False, None, None)
    # Wi-Fi media words carry no Ethernet speed; a driver without status bits says nothing.
    assert net.media(_media(ok, k.IFM_IEEE80211)).speed is None
    assert net.media(_media(0, k.IFM_ETHER | 16)).has_carrier is None


@pytest.mark.parametrize(
    ("name", "functional", "ift", "kind"),
    [
        ("lo0", k.IFRTYPE_FUNCTIONAL_LOOPBACK, k.IFT_LOOP, "loopback"),
        ("en0", k.IFRTYPE_FUNCTIONAL_WIFI_INFRA, k.IFT_ETHER, "wifi"),
        ("en1", k.IFRTYPE_FUNCTIONAL_WIRED, k.IFT_ETHER, "ethernet"),
        ("awdl0", k.IFRTYPE_FUNCTIONAL_WIFI_AWDL, k.IFT_ETHER, "virtual"),
        ("llw0", k.IFRTYPE_FUNCTIONAL_WIFI_AWDL, k.IFT_ETHER, "virtual"),
        ("pdp_ip0", k.IFRTYPE_FUNCTIONAL_CELLULAR, k.IFT_CELLULAR, "cellular"),
        ("bridge0", k.IFRTYPE_FUNCTIONAL_WIRED, k.IFT_BRIDGE, "bridge"),
        ("vlan0", None, k.IFT_L2VLAN, "vlan"),
        ("bond0", None, k.IFT_IEEE8023ADLAG, "bond"),
        ("gif0", None, k.IFT_GIF, "tunnel"),
        ("stf0", None, k.IFT_STF, "tunnel"),
        ("utun3", None, k.IFT_OTHER, "tunnel"),
        ("anpi0", None, k.IFT_ETHER, "ethernet"),
        ("ap1", k.IFRTYPE_FUNCTIONAL_WIFI_INFRA, k.IFT_ETHER, "wifi"),
        ("fw0", None, k.IFT_IEEE1394, "other"),
    ],
)
def test_interface_kind(name: str, functional: int | None, ift: int, kind: str) -> None:
    assert net.interface_kind(name, functional, ift) == kind


def test_address_prefix_lengths() -> None:
    assert net.address("ipv4", "192.168.1.20", "255.255.255.0", "192.168.1.255").prefix_length == 24
    assert net.address("ipv6", "fe80::1%lo0", "ffff:ffff:ffff:ffff::").prefix_length == 64
    assert net.address("ipv4", "10.0.0.1", "255.0.255.0").prefix_length is None  # not contiguous
    link = net.address("link", "a4:83:1e:0a:0b:0c")
    assert (link.prefix_length, link.netmask) == (None, None)


def test_pcblist_tcp() -> None:
    v4 = socket.inet_aton
    listen6 = b.inpcb(k.INP_IPV6, 22, 0, bytes(16), bytes(16))
    established = b.inpcb(k.INP_IPV4, 50123, 443, v4("192.168.1.20"), v4("17.253.144.10"))
    raw = b.table(
        listen6
        + b.socket_record(0, 1)
        + b.sockbuf(k.XSO_RCVBUF)
        + b.sockbuf(k.XSO_SNDBUF)
        + b.tcpcb(k.TCPS_LISTEN),
        established
        + b.socket_record(501, 4321)
        + b.sockbuf(k.XSO_STATS)
        + b.tcpcb(k.TCPS_ESTABLISHED),
    )
    first, second = net.pcblist(raw, "tcp")
    assert (first.family, first.local_address, first.local_port) == ("ipv6", "::", 22)
    assert (first.remote_address, first.remote_port, first.state, first.listening) == (
        None, None, "LISTEN", True,
    )  # fmt: skip
    assert (first.uid, first.pids, first.inode, first.type) == (0, (1,), None, "stream")
    assert (second.local_address, second.local_port) == ("192.168.1.20", 50123)
    assert (second.remote_address, second.remote_port) == ("17.253.144.10", 443)
    assert (second.state, second.listening, second.uid, second.pid) == (
        "ESTABLISHED",
        False,
        501,
        4321,
    )


def test_pcblist_udp_and_states() -> None:
    bound = b.inpcb(k.INP_IPV4, 5353, 0, bytes(4), bytes(4))
    (conn,) = net.pcblist(b.table(bound + b.socket_record(65, 0)), "udp")
    assert (conn.protocol, conn.type, conn.state, conn.listening) == ("udp", "dgram", "NONE", True)
    assert conn.pids == ()  # so_last_pid 0: no owner recorded
    assert net.TCP_STATES[k.TCPS_SYN_RECEIVED] == "SYN_RECV"
    assert net.TCP_STATES[k.TCPS_FIN_WAIT_2] == "FIN_WAIT2"
    assert net.TCP_STATES[k.TCPS_CLOSED] == "CLOSE"


def test_pcblist_malformed() -> None:
    good = b.table(b.inpcb(k.INP_IPV4, 1, 0, bytes(4), bytes(4)))
    with pytest.raises(ParseError):
        net.pcblist(good[:-1], "tcp")
    with pytest.raises(ParseError):
        net.pcblist(good[:24], "tcp")  # header without trailer
    broken = bytearray(good)
    broken[24:28] = struct.pack("<I", 4000)  # record longer than the table
    with pytest.raises(ParseError):
        net.pcblist(bytes(broken), "tcp")


@given(st.binary(max_size=600))
def test_fuzz_net(raw: bytes) -> None:
    for decode in (
        net.iflist2,
        net.media,
        net.sockaddr_dl,
        lambda data: net.pcblist(data, "tcp"),
        lambda data: net.pcblist(b.table(data), "udp"),
    ):
        try:
            decode(raw)
        except ParseError:
            pass


@given(
    st.lists(
        st.tuples(
            st.integers(0, 300),
            st.sampled_from([k.XSO_SOCKET, k.XSO_RCVBUF, k.XSO_INPCB, k.XSO_TCPCB, 64]),
            st.binary(max_size=300),
        ),
        max_size=6,
    )
)
def test_fuzz_pcblist_records(items: list[tuple[int, int, bytes]]) -> None:
    # A valid header and trailer around arbitrary (len, kind) records.
    body = b"".join(struct.pack("<II", length, kind) + rest for length, kind, rest in items)
    for protocol in ("tcp", "udp"):
        try:
            net.pcblist(b.table(body), protocol)
        except ParseError:
            pass


@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.integers(0, 255), st.binary(max_size=300)), max_size=5
    )
)
def test_fuzz_iflist2_messages(items: list[tuple[int, int, bytes]]) -> None:
    raw = b"".join(struct.pack("<HBB", length, 5, kind) + rest for length, kind, rest in items)
    try:
        net.iflist2(raw)
    except ParseError:
        pass


def test_ifmibdata_counters_are_exact() -> None:
    # The route dump gives a non-Apple process byte counters rounded down to 1 KiB and cut to 32
    # bits (xnu rtsock.c ALIGN_BYTES); ifmibdata carries the kernel's own 64-bit values.
    exact = 5 * 2**32 + 1023
    raw = b.ifmibdata("en0", ibytes=exact, obytes=4097, ipackets=9, iqdrops=2, snd_drops=7)
    assert len(raw) == 180
    name, counters = net.ifmibdata(raw)
    assert name == "en0"
    assert (counters.rx_bytes, counters.tx_bytes) == (exact, 4097)
    assert (counters.rx_packets, counters.rx_drops, counters.tx_drops) == (9, 2, 7)
    rounded = (exact & ~1023) & 0xFFFFFFFF  # what NET_RT_IFLIST2 would have said
    assert rounded != counters.rx_bytes
    assert net.ifmibdata(bytes(180))[0] == ""  # an index with no attached interface
    with pytest.raises(ParseError):
        net.ifmibdata(raw[:179])  # the kernel answers ENOMEM; a short buffer is never decoded


def test_iflist2_skips_one_malformed_record() -> None:
    en0 = bytearray(b.ifinfo2("en0", 4, k.IFT_ETHER, bytes(6)))
    sdl_at = len(en0) - len(b.sdl("en0", k.IFT_ETHER, 4, bytes(6)))
    en0[sdl_at] = 6  # sdl_len shorter than the name the sockaddr_dl claims
    lo0 = b.ifinfo2("lo0", 1, k.IFT_LOOP, b"")
    assert [r.name for r in net.iflist2(bytes(en0) + lo0)] == ["lo0"]


def test_pcblist_empty_table_has_no_trailer() -> None:
    # xig_count == 0: the kernel returns the header alone.
    header = b.table()[: len(b.table()) // 2]
    assert net.pcblist(header, "tcp") == []
    assert net.pcblist(b.table(), "udp") == []  # header and trailer, no records


def test_pcblist_scoped_ipv6_addresses() -> None:
    local = bytes.fromhex("fe80" + "0006" + "0000" * 5 + "0001")  # fe80::1, scope 6 embedded
    remote = bytes.fromhex("fe80" + "0006" + "0000" * 4 + "aabb" + "ccdd")
    raw = b.table(
        b.inpcb(k.INP_IPV6, 22, 5000, local, remote) + b.tcpcb(k.TCPS_ESTABLISHED),
        b.inpcb(k.INP_IPV6, 5353, 0, bytes.fromhex("ff02" + "0001" + "00" * 11 + "fb"), bytes(16)),
    )
    tcp, mdns = net.pcblist(raw, "tcp", {6: "en0", 1: "lo0"}.get)
    assert (tcp.local_address, tcp.remote_address) == ("fe80::1%en0", "fe80::aabb:ccdd%en0")
    assert mdns.local_address == "ff02::fb%lo0"
    (unnamed,) = net.pcblist(b.table(b.inpcb(k.INP_IPV6, 22, 0, local, bytes(16))), "udp")
    assert unnamed.local_address == "fe80::1%6"
    assert (
        net.ipv6_text(bytes.fromhex("20010db8" + "00" * 11 + "01"), lambda i: "x") == "2001:db8::1"
    )
    assert net.ipv6_text(bytes.fromhex("fe80" + "00" * 13 + "01"), lambda i: "x") == "fe80::1"


def test_ifalldata() -> None:
    raw = b.ifmibdata("en0", ibytes=1) + bytes(180) + b.ifmibdata("lo0", obytes=2)
    found = net.ifalldata(raw)
    assert {n: (c.rx_bytes, c.tx_bytes) for n, c in found.items()} == {"en0": (1, 0), "lo0": (0, 2)}
    assert net.ifalldata(b"") == {}
    with pytest.raises(ParseError):
        net.ifalldata(raw[:-1])
