"""socket_stats(): /proc/net/sockstat and sockstat6 from the captured trees, bad input, fuzzing,
and this machine against ``ss -s``.

Expected values are read by hand from node_exporter's ``proc/net/sockstat{,6}`` and procfs's
``fixtures/proc/net/sockstat{,6}``.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import darwin_metrics as dm
from darwin_metrics.errors import NoSuchProcess, NotSupported, ParseError
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.memory import page_size
from darwin_metrics.linux.parsers.sockstat import parse_sockstat
from darwin_metrics.linux.sockstat import PROTOCOLS, read_socket_stats, stats_from_tables
from darwin_metrics.records.sockstat import ProtocolSockets, SocketStats
from tests.conftest import Tree

PAGE = page_size()


def _only_in_use(n: int) -> ProtocolSockets:
    return ProtocolSockets(in_use=n)


def test_node_exporter_tree(ne_tree: Tree) -> None:
    stats = read_socket_stats(ne_tree.roots)
    assert stats == SocketStats(
        sockets_used=229,
        tcp=ProtocolSockets(
            in_use=4, orphaned=0, time_wait=4, allocated=17, memory=1 * PAGE, memory_pages=1
        ),
        udp=ProtocolSockets(in_use=0, memory=0, memory_pages=0),
        udplite=_only_in_use(0),
        raw=_only_in_use(0),
        frag=ProtocolSockets(in_use=0, memory=0),
        tcp6=_only_in_use(17),
        udp6=_only_in_use(9),
        udplite6=_only_in_use(0),
        raw6=_only_in_use(1),
        frag6=ProtocolSockets(in_use=0, memory=0),
    )


def test_procfs_tree(pf_tree: Tree) -> None:
    stats = LinuxBackend(procfs=pf_tree.roots.procfs, sysfs=pf_tree.roots.sysfs).socket_stats()
    assert stats.sockets_used == 1602
    assert stats.tcp == ProtocolSockets(
        in_use=35, orphaned=0, time_wait=4, allocated=59, memory=22 * PAGE, memory_pages=22
    )
    assert stats.udp == ProtocolSockets(in_use=12, memory=62 * PAGE, memory_pages=62)
    assert stats.tcp6 == _only_in_use(17) and stats.raw6 == _only_in_use(1)
    assert stats.frag6 == ProtocolSockets(in_use=0, memory=0)


def test_parser_on_the_captured_file(ne_tree: Tree) -> None:
    data = (ne_tree.base / "proc" / "net" / "sockstat").read_bytes()
    assert parse_sockstat(data, "sockstat") == {
        "sockets": {"used": 229},
        "TCP": {"inuse": 4, "orphan": 0, "tw": 4, "alloc": 17, "mem": 1},
        "UDP": {"inuse": 0, "mem": 0},
        "UDPLITE": {"inuse": 0},
        "RAW": {"inuse": 0},
        "FRAG": {"inuse": 0, "memory": 0},
    }


def _tree(tmp_path: Path, sockstat: bytes | None, sockstat6: bytes | None = None) -> Roots:
    net = tmp_path / "net"
    net.mkdir(exist_ok=True)
    if sockstat is not None:
        (net / "sockstat").write_bytes(sockstat)
    if sockstat6 is not None:
        (net / "sockstat6").write_bytes(sockstat6)
    return Roots(procfs=str(tmp_path), sysfs=str(tmp_path))


def test_missing_files(tmp_path: Path) -> None:
    roots = Roots(procfs=str(tmp_path), sysfs=str(tmp_path))
    with pytest.raises(NotSupported):
        read_socket_stats(roots)
    with pytest.raises(NoSuchProcess):
        read_socket_stats(roots, 4242)
    # no sockstat6 (a kernel without IPv6): the IPv6 protocols are None, the rest is read
    stats = read_socket_stats(_tree(tmp_path, b"sockets: used 3\nTCP: inuse 2\n"))
    assert stats == SocketStats(sockets_used=3, tcp=_only_in_use(2))


def test_bad_sockstat_is_a_parse_error_bad_sockstat6_is_left_out(tmp_path: Path) -> None:
    with pytest.raises(ParseError):
        read_socket_stats(_tree(tmp_path, b"TCP: inuse many\n"))
    stats = read_socket_stats(_tree(tmp_path, b"TCP: inuse 1\n", b"TCP6: inuse \xff\n"))
    assert stats.tcp == _only_in_use(1) and stats.tcp6 is None


def test_process_namespace(tmp_path: Path) -> None:
    net = tmp_path / "77" / "net"
    net.mkdir(parents=True)
    (net / "sockstat").write_bytes(b"sockets: used 5\nUDP: inuse 4 mem 2\n")
    roots = Roots(procfs=str(tmp_path), sysfs=str(tmp_path))
    stats = read_socket_stats(roots, 77)
    assert stats.sockets_used == 5
    assert stats.udp == ProtocolSockets(in_use=4, memory=2 * PAGE, memory_pages=2)


def test_unknown_lines_and_keys_are_left_out_negative_counts_are_none(tmp_path: Path) -> None:
    data = b"sockets: used 1\nTCP: inuse -1 orphan 2 future 9\nMPTCP: inuse 3\n"
    stats = read_socket_stats(_tree(tmp_path, data))
    assert stats == SocketStats(sockets_used=1, tcp=ProtocolSockets(in_use=None, orphaned=2))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no lines"),
        (b"\n\n", "no lines"),
        (b"TCP inuse 1\n", "expected"),
        (b": inuse 1\n", "expected"),
        (b"TC P: inuse 1\n", "expected"),
        (b"TCP:\n", "pair up"),
        (b"TCP: inuse\n", "pair up"),
        (b"TCP: inuse 1 orphan\n", "pair up"),
        (b"TCP: inuse 1\nTCP: inuse 2\n", "repeated"),
        (b"TCP: inuse 1 inuse 2\n", "repeated"),
        (b"TCP: inuse 1.5\n", "not an integer"),
        (b"TCP: inuse +1\n", "not an integer"),
        (b"TCP: inuse 99999999999999999999999\n", "not an integer|64 bits"),
        ("TCP: inuse \u0661\n".encode(), "not ASCII"),
    ],
)
def test_parse_errors(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_sockstat(data, "sockstat")


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_fuzz_bytes(data: bytes) -> None:
    try:
        parsed = parse_sockstat(data, "fuzz")
    except ParseError:
        return
    assert parsed and all(isinstance(v, int) for line in parsed.values() for v in line.values())


KEYS = ("used", "inuse", "orphan", "tw", "alloc", "mem", "memory", "x")


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["sockets", *PROTOCOLS, "NEW"]),
            st.lists(st.tuples(st.sampled_from(KEYS), st.integers(-(2**65), 2**65)), max_size=6),
        ),
        max_size=12,
    ),
    st.sampled_from(["\n", "\r\n", "\n\n"]),
)
def test_fuzz_structured(lines: list[tuple[str, list[tuple[str, int]]]], newline: str) -> None:
    """Well-formed and nearly well-formed files: a record or ParseError, never anything else; a
    file the parser takes gives the values written, in bytes where the key is ``mem``."""
    text = newline.join(
        f"{prefix}: {' '.join(f'{k} {v}' for k, v in pairs)}" for prefix, pairs in lines
    )
    try:
        parsed = parse_sockstat(text.encode(), "fuzz")
    except ParseError:
        return
    for prefix, pairs in lines:
        assert parsed[prefix] == dict(pairs)
    stats = stats_from_tables(parsed, None, PAGE)
    for prefix, field in PROTOCOLS.items():
        line = getattr(stats, field)
        if prefix not in parsed:
            assert line is None
            continue
        mem = parsed[prefix].get("mem")
        if mem is not None and mem >= 0:
            assert (line.memory_pages, line.memory) == (mem, mem * PAGE)
        assert all(v is None or v >= 0 for v in _values(line))


def _values(record: ProtocolSockets) -> list[int | None]:
    return [getattr(record, name) for name in record.__struct_fields__]


# --------------------------------------------------------------------- live, against ss -s

_SS_ROWS = re.compile(r"^(RAW|UDP|TCP|FRAG)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", re.MULTILINE)


def _ss_summary() -> dict[str, int]:
    """``ss -s``'s figures that come from /proc/net/sockstat{,6}, by our field names."""
    text = subprocess.run(
        ["ss", "-s"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    total = re.search(r"^Total:\s+(\d+)", text, re.MULTILINE)
    tcp = re.search(r"orphaned (\d+), timewait (\d+)", text)
    assert total is not None and tcp is not None, text
    figures = {
        "sockets_used": int(total.group(1)),
        "tcp.orphaned": int(tcp.group(1)),
        "tcp.time_wait": int(tcp.group(2)),
    }
    for proto, _, ipv4, ipv6 in _SS_ROWS.findall(text):
        figures[f"{proto.lower()}.in_use"] = int(ipv4)
        figures[f"{proto.lower()}6.in_use"] = int(ipv6)
    assert len(figures) == 11, text
    return figures


def _ours(stats: SocketStats) -> dict[str, int]:
    figures: dict[str, int] = {"sockets_used": stats.sockets_used or 0}
    assert stats.tcp is not None
    figures["tcp.orphaned"] = stats.tcp.orphaned or 0
    figures["tcp.time_wait"] = stats.tcp.time_wait or 0
    for proto in ("raw", "udp", "tcp", "frag"):
        for field in (proto, proto + "6"):
            line = getattr(stats, field)
            figures[f"{field}.in_use"] = (line.in_use or 0) if line is not None else 0
    return figures


@pytest.fixture
def own_sockets() -> Iterator[None]:
    """Three TCP listeners and two UDP sockets on loopback (IPv4, and IPv6 where it works)."""
    opened: list[socket.socket] = []
    try:
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                for kind, count in ((socket.SOCK_STREAM, 3), (socket.SOCK_DGRAM, 2)):
                    for _ in range(count):
                        s = socket.socket(family, kind)
                        opened.append(s)
                        s.bind((host, 0))
                        if kind == socket.SOCK_STREAM:
                            s.listen()
            except OSError:
                if family == socket.AF_INET:
                    raise
        yield
    finally:
        for s in opened:
            s.close()


@pytest.mark.live
@pytest.mark.integration
@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed")
@pytest.mark.usefixtures("own_sockets")
def test_live_matches_ss() -> None:
    """Tolerance: sockets come and go (other programs share this network namespace), so our
    reading is taken between two ``ss -s`` runs. When the two agree (up to 20 tries), ours must
    equal them exactly; otherwise every figure must lie within their range widened by 5."""
    for _ in range(20):
        before = _ss_summary()
        ours = _ours(dm.socket_stats())
        after = _ss_summary()
        if before == after:
            assert ours == before
            break
    else:
        for key, value in ours.items():
            low, high = sorted((before[key], after[key]))
            assert low - 5 <= value <= high + 5, (key, value, before[key], after[key])
    assert ours["tcp.in_use"] >= 3 and ours["udp.in_use"] >= 2
    assert ours["sockets_used"] >= ours["tcp.in_use"] + ours["udp.in_use"]
