"""network_stats(): /proc/net/snmp, netstat and snmp6 from the captured trees, fuzzing, live.

Expected values are read by hand from procfs's ``proc/26231/net/{snmp,netstat,snmp6}`` and
node_exporter's ``proc/net/{snmp,netstat,snmp6}``.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import darwin_metrics as dm
from darwin_metrics.errors import NoSuchProcess, NotSupported, ParseError
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.netstats import read_network_stats
from darwin_metrics.linux.parsers.snmp import parse_snmp, parse_snmp6
from darwin_metrics.records.netstats import ICMPStats, IPStats, TCPStats, UDPStats
from tests.conftest import Tree


def test_procfs_tree_pid_namespace(pf_tree: Tree) -> None:
    stats = read_network_stats(pf_tree.roots, 26231)
    assert stats.tcp == TCPStats(
        active_opens=1103,
        passive_opens=9,
        attempt_fails=8,
        established_resets=51,
        current_established=15,
        in_segments=653161,
        out_segments=594855,
        retransmitted_segments=348,
        in_errors=98,
        out_resets=1038,
        in_checksum_errors=0,
        listen_overflows=0,
        listen_drops=0,
        timeouts=0,
        syn_retransmits=16,
        fast_retransmits=0,
        lost_retransmits=0,
        aborts_on_timeout=0,
        backlog_drops=6,
        syncookies_sent=0,
    )
    assert stats.udp == UDPStats(
        in_datagrams=10179,
        out_datagrams=9846,
        no_ports=50,
        in_errors=0,
        receive_buffer_errors=0,
        send_buffer_errors=0,
        in_checksum_errors=0,
        ignored_multicast=58,
    )
    assert stats.ip == IPStats(
        in_receives=594223,
        in_header_errors=0,
        in_address_errors=1,
        in_unknown_protocols=0,
        in_discards=0,
        in_delivers=593186,
        out_requests=547253,
        out_discards=20,
        out_no_routes=231,
        forwarded=0,
        reassembly_fails=0,
        fragment_fails=0,
        in_octets=190585481,
        out_octets=7512674,
    )
    assert stats.icmp is not None
    assert (stats.icmp.in_messages, stats.icmp.in_errors, stats.icmp.out_messages) == (45, 1, 50)
    assert stats.icmp.in_destination_unreachable == 45
    assert stats.udp6 is not None
    assert (stats.udp6.in_datagrams, stats.udp6.out_datagrams) == (2016, 1546)
    assert stats.udp6.ignored_multicast == 12
    assert stats.ip6 is not None
    assert (stats.ip6.in_receives, stats.ip6.in_delivers, stats.ip6.out_requests) == (
        92166,
        92053,
        57502,
    )
    assert (stats.ip6.out_no_routes, stats.ip6.in_octets) == (169, 113479132)
    assert stats.icmp6 is not None
    assert (stats.icmp6.in_messages, stats.icmp6.out_messages) == (142, 58)
    assert stats.icmp6.in_destination_unreachable == 2


def test_node_exporter_tree(ne_tree: Tree) -> None:
    stats = read_network_stats(ne_tree.roots)
    assert stats.tcp is not None
    assert (stats.tcp.active_opens, stats.tcp.passive_opens) == (3556, 230)
    assert (stats.tcp.retransmitted_segments, stats.tcp.in_errors) == (227, 5)
    assert (stats.tcp.established_resets, stats.tcp.out_resets) == (161, 1003)
    assert stats.tcp.timeouts == 115
    assert stats.tcp.syn_retransmits is None  # this older kernel has no TCPSynRetrans
    assert stats.udp == UDPStats(
        in_datagrams=88542,
        out_datagrams=53028,
        no_ports=120,
        in_errors=0,
        receive_buffer_errors=9,
        send_buffer_errors=8,
        in_checksum_errors=0,
        ignored_multicast=None,  # no IgnoredMulti column before Linux 3.19
    )
    assert stats.ip is not None and stats.ip.forwarded == 397750
    assert stats.udp6 is not None
    assert (stats.udp6.receive_buffer_errors, stats.udp6.send_buffer_errors) == (9, 8)


def test_missing_files(tmp_path: Path) -> None:
    roots = Roots(procfs=str(tmp_path), sysfs=str(tmp_path))
    with pytest.raises(NotSupported):
        read_network_stats(roots)
    with pytest.raises(NoSuchProcess):
        read_network_stats(roots, 4242)
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "snmp").write_bytes(b"Tcp: ActiveOpens\nTcp: 7\n")
    only = read_network_stats(roots)
    assert only.tcp is not None and only.tcp.active_opens == 7
    assert only.tcp.listen_drops is None and only.udp is None and only.ip6 is None


def test_parse_snmp_errors() -> None:
    with pytest.raises(ParseError, match="no value line"):
        parse_snmp(b"Tcp: A B\n", "snmp")
    with pytest.raises(ParseError, match="after header"):
        parse_snmp(b"Tcp: A\nUdp: 1\n", "snmp")
    with pytest.raises(ParseError, match="names but"):
        parse_snmp(b"Tcp: A B\nTcp: 1\n", "snmp")
    with pytest.raises(ParseError, match="not an integer"):
        parse_snmp(b"Tcp: A\nTcp: x\n", "snmp")
    assert parse_snmp(b"", "snmp") == {}
    assert parse_snmp(b"Tcp: MaxConn\nTcp: -1\n", "snmp") == {"Tcp": {"MaxConn": -1}}
    with pytest.raises(ParseError):
        parse_snmp6(b"Ip6InReceives 1 2\n", "snmp6")
    with pytest.raises(ParseError):
        parse_snmp6(b"Ip6InReceives many\n", "snmp6")


@settings(max_examples=300)
@given(st.binary(max_size=500))
def test_fuzz_snmp(data: bytes) -> None:
    for parse in (parse_snmp, parse_snmp6):
        try:
            parse(data, "fuzz")  # type: ignore[operator]
        except ParseError:
            pass


@settings(max_examples=200)
@given(st.lists(st.sampled_from(["Tcp", "Udp", "Ip", "TcpExt"]), max_size=4), st.data())
def test_fuzz_snmp_structured(sections: list[str], data: st.DataObject) -> None:
    lines = []
    for name in sections:
        keys = data.draw(st.lists(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True), max_size=5))
        values = data.draw(
            st.lists(st.integers(-(2**64), 2**64), min_size=len(keys), max_size=len(keys))
        )
        lines.append(f"{name}: {' '.join(keys)}")
        lines.append(f"{name}: {' '.join(map(str, values))}")
    blob = "\n".join(lines).encode()
    try:
        parsed = parse_snmp(blob, "fuzz")
    except ParseError:
        return
    assert set(parsed) <= set(sections)


@pytest.mark.live
def test_live_counts_own_connections() -> None:
    """Opening loopback TCP connections moves the counters by at least as much."""
    before = dm.network_stats()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    clients = [socket.create_connection(server.getsockname()) for _ in range(3)]
    accepted = [server.accept()[0] for _ in clients]
    for c in clients:
        c.sendall(b"x")
    after = dm.network_stats()
    for s in [*clients, *accepted, server]:
        s.close()
    assert before.tcp is not None and after.tcp is not None
    assert (after.tcp.active_opens or 0) - (before.tcp.active_opens or 0) >= 3
    assert (after.tcp.passive_opens or 0) - (before.tcp.passive_opens or 0) >= 3
    assert (after.tcp.out_segments or 0) - (before.tcp.out_segments or 0) >= 9


@pytest.mark.live
def test_live_matches_proc_text() -> None:
    """The record equals an independent reading of the text (fields that do not move at idle)."""
    text = Path("/proc/net/snmp").read_text().splitlines()
    heads = dict(zip(text[0::2], text[1::2], strict=True))
    icmp_head = next(h for h in heads if h.startswith("Icmp:"))
    icmp = dict(zip(icmp_head.split()[1:], map(int, heads[icmp_head].split()[1:]), strict=True))
    stats = dm.network_stats()
    assert stats.icmp is not None
    assert stats.icmp.in_errors == icmp["InErrors"]
    assert stats.icmp.out_errors == icmp["OutErrors"]
    assert isinstance(stats.icmp, ICMPStats)
