"""connections(): the /proc/net socket tables, sock_diag decoding, owners, kinds and fuzzing.

Expected values are read by hand from prometheus/procfs's captured ``proc/net/{tcp,tcp6,udp,udp6,
unix}`` (the ``pf_tree`` fixture). The sock_diag messages are built here from the kernel's struct
layouts (``include/uapi/linux/inet_diag.h``, ``unix_diag.h``).
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import connections as conn_mod
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.connections import (
    KINDS,
    read_connection_counts,
    read_connections,
    read_process_connections,
    socket_owners,
    tables_for,
)
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers import sockdiag
from darwin_metrics.linux.parsers.connections import (
    InetRow,
    UnixRow,
    decode_inet_address,
    parse_inet_table,
    parse_unix_table,
)
from darwin_metrics.linux.parsers.netlink import pack_attr, pack_message
from darwin_metrics.records.connections import Connection
from tests.conftest import Tree

LITTLE = "<"


def _net(tree: Tree, name: str) -> bytes:
    return (tree.proc / "net" / name).read_bytes()


# --- /proc/net text tables -------------------------------------------------------------------


def test_tcp_table(pf_tree: Tree) -> None:
    rows = parse_inet_table(_net(pf_tree, "tcp"), "tcp", ipv6=False, byteorder=LITTLE)
    assert rows == [
        InetRow("10.0.0.5", 22, "0.0.0.0", 0, 10, 0, 1, 0, 2740),
        InetRow("0.0.0.0", 22, "0.0.0.0", 0, 10, 1, 0, 0, 2740),
        InetRow("0.0.0.0", 22, "0.0.0.0", 0, 10, 1, 1, 0, 2740),
    ]


def test_tcp6_table(pf_tree: Tree) -> None:
    rows = parse_inet_table(_net(pf_tree, "tcp6"), "tcp6", ipv6=True, byteorder=LITTLE)
    assert rows == [
        InetRow("::", 0x14EB, "::", 0, 7, 0, 0, 981, 21040),
        InetRow("fe80::56e1:adff:fe7c:6609", 0xC781, "::", 0, 7, 0, 0, 1000, 11337031),
    ]
    assert rows[1].local_port == 51073


def test_udp_tables(pf_tree: Tree) -> None:
    udp = parse_inet_table(_net(pf_tree, "udp"), "udp", ipv6=False, byteorder=LITTLE)
    assert [(r.local_address, r.local_port, r.inode) for r in udp] == [
        ("10.0.0.5", 22, 2740),
        ("0.0.0.0", 22, 2740),
        ("0.0.0.0", 22, 2740),
    ]
    udp6 = parse_inet_table(_net(pf_tree, "udp6"), "udp6", ipv6=True, byteorder=LITTLE)
    assert [(r.local_address, r.uid) for r in udp6] == [
        ("::", 981),
        ("fe80::56e1:adff:fe7c:6609", 1000),
    ]


def test_udp_broken(pf_tree: Tree) -> None:
    with pytest.raises(ParseError, match="udp_broken"):
        parse_inet_table(_net(pf_tree, "udp_broken"), "udp_broken", ipv6=False)


def test_unix_table(pf_tree: Tree) -> None:
    rows = parse_unix_table(_net(pf_tree, "unix"), "unix")
    pg = "/var/run/postgresql/.s.PGSQL.5432"
    assert rows == [
        UnixRow(type=1, state=1, listening=True, inode=3442596, path=pg),
        UnixRow(type=5, state=1, listening=True, inode=10061, path="/run/udev/control"),
        UnixRow(type=2, state=1, listening=False, inode=12392, path="/dev/log"),
        UnixRow(type=1, state=3, listening=False, inode=4787297, path=pg),
        UnixRow(type=1, state=3, listening=False, inode=5091797, path=None),
    ]


def test_unix_table_without_inode(pf_tree: Tree) -> None:
    rows = parse_unix_table(_net(pf_tree, "unix_without_inode"), "unix_without_inode")
    assert [r.inode for r in rows] == [None] * 5
    assert [r.path for r in rows] == [
        "/var/run/postgresql/.s.PGSQL.5432",
        "/run/udev/control",
        "/dev/log",
        "/var/run/postgresql/.s.PGSQL.5432",
        None,
    ]
    assert [r.type for r in rows] == [1, 5, 2, 1, 1]


def test_unix_path_with_spaces_and_abstract() -> None:
    data = (
        b"Num       RefCount Protocol Flags    Type St Inode Path\n"
        b"0000000000000000: 00000002 00000000 00010000 0001 01 77 /tmp/a b c\n"
        b"0000000000000000: 00000002 00000000 00000000 0002 01 78 @abstract\n"
    )
    rows = parse_unix_table(data, "unix")
    assert [(r.inode, r.path) for r in rows] == [(77, "/tmp/a b c"), (78, "@abstract")]


def test_address_decoding_both_endians() -> None:
    assert decode_inet_address("0100007F", False, "<") == "127.0.0.1"
    assert decode_inet_address("7F000001", False, ">") == "127.0.0.1"
    assert decode_inet_address("0000000000000000FFFF00000100007F", True, "<") == (
        "::ffff:127.0.0.1"
    )
    assert decode_inet_address("00000000000000000000000001000000", True, "<") == "::1"
    with pytest.raises(ValueError):
        decode_inet_address("0100", False, "<")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"  sl  local_address rem_address   st\n",
    ],
)
def test_empty_tables(data: bytes) -> None:
    assert parse_inet_table(data, "tcp", ipv6=False) == []


@pytest.mark.parametrize(
    "data",
    [
        b"garbage\n",
        b"  sl  local_address\n   0: 0500000A 00000000:0000 0A 0:0 0:0 0 0 0 1\n",
        b"  sl  local_address\n   0: 0500000A:0016 00000000:0000 ZZ 0:0 0:0 0 0 0 1\n",
        b"  sl  local_address\n   0: 0500:0016 00000000:0000 0A 0:0 0:0 0 0 0 1\n",
        b"  sl  local_address\n   0: 0500000A:0016 00000000:0000 0A 00 0:0 0 0 0 1\n",
        b"  sl  local_address\n \xff\xfe",
    ],
)
def test_malformed_inet_tables(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_inet_table(data, "tcp", ipv6=False)


def test_malformed_unix_tables() -> None:
    with pytest.raises(ParseError):
        parse_unix_table(b"Inode Path\n", "unix")
    with pytest.raises(ParseError):
        parse_unix_table(b"Num RefCount Protocol Flags Type St Inode Path\n0: 1 2\n", "unix")
    with pytest.raises(ParseError):
        parse_unix_table(
            b"Num RefCount Protocol Flags Type St Inode Path\n0: 1 0 XX 1 1 5 /p\n", "unix"
        )


# --- read_connections on the captured tree (text-table path) -----------------------------------


@pytest.mark.skipif(sys.byteorder != "little", reason="the captured tables come from little-endian")
def test_read_connections_pf(pf_tree: Tree) -> None:
    conns = read_connections(pf_tree.roots, "all", pids=True)
    assert len(conns) == 3 + 2 + 3 + 2 + 5
    first = conns[0]
    assert first == Connection(
        family="ipv4",
        type="stream",
        protocol="tcp",
        local_address="10.0.0.5",
        local_port=22,
        remote_address=None,
        remote_port=None,
        state="LISTEN",
        listening=True,
        inode=2740,
        uid=0,
        pids=(),  # no process of the tree holds socket 2740
        recv_queue=1,
        send_queue=None,  # a listener has no send queue
    )
    tcp6 = [c for c in conns if c.protocol == "tcp" and c.family == "ipv6"]
    assert [(c.local_address, c.local_port, c.state, c.uid) for c in tcp6] == [
        ("::", 5355, "CLOSE", 981),
        ("fe80::56e1:adff:fe7c:6609", 51073, "CLOSE", 1000),
    ]
    udp = [c for c in conns if c.protocol == "udp"]
    assert {c.state for c in udp} == {"NONE"}
    assert {c.type for c in udp} == {"dgram"}
    unix = [c for c in conns if c.family == "unix"]
    assert [(c.type, c.listening, c.inode, c.uid) for c in unix] == [
        ("stream", True, 3442596, None),
        ("seqpacket", True, 10061, None),
        ("dgram", False, 12392, None),
        ("stream", False, 4787297, None),
        ("stream", False, 5091797, None),
    ]
    assert {c.state for c in unix} == {"NONE"}
    assert read_connections(pf_tree.roots, "inet", pids=False)[0].pids is None


@pytest.mark.skipif(sys.byteorder != "little", reason="the captured tables come from little-endian")
@pytest.mark.parametrize(
    ("kind", "count"),
    [
        ("inet", 10),
        ("inet4", 6),
        ("inet6", 4),
        ("tcp", 5),
        ("tcp4", 3),
        ("tcp6", 2),
        ("udp", 5),
        ("udp4", 3),
        ("udp6", 2),
        ("unix", 5),
        ("all", 15),
    ],
)
def test_kinds(pf_tree: Tree, kind: str, count: int) -> None:
    assert len(read_connections(pf_tree.roots, kind, pids=False)) == count


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown connection kind 'tcp7'"):
        tables_for("tcp7")
    with pytest.raises(ValueError):
        LinuxBackend().connections("sctp")  # type: ignore[arg-type]
    assert set(KINDS) == {
        "inet",
        "inet4",
        "inet6",
        "tcp",
        "tcp4",
        "tcp6",
        "udp",
        "udp4",
        "udp6",
        "unix",
        "all",
    }


def _socket_tree(pf_tree: Tree, tmp_path: Path) -> Roots:
    """A tree with the captured tables and two processes holding sockets (synthetic fd links)."""
    proc = tmp_path / "proc"
    shutil.copytree(pf_tree.proc / "net", proc / "net")
    links = {
        "100": {"0": "/dev/null", "3": "socket:[2740]", "7": "socket:[12392]"},
        "200": {"4": "socket:[2740]", "5": "pipe:[99]", "6": "socket:[2740]"},
        "300": {"0": "socket:[notanumber]"},
    }
    for pid, fds in links.items():
        fd_dir = proc / pid / "fd"
        fd_dir.mkdir(parents=True)
        for fd, target in fds.items():
            os.symlink(target, fd_dir / fd)
        (proc / pid / "comm").write_text(f"proc{pid}\n")
    (proc / "400").mkdir()  # no fd directory (a kernel thread, or gone)
    os.symlink("../net", proc / "100" / "net")  # the process's own namespace tables
    return Roots(procfs=str(proc), sysfs=str(tmp_path / "sys"))


def test_socket_owners_synthetic(pf_tree: Tree, tmp_path: Path) -> None:
    roots = _socket_tree(pf_tree, tmp_path)
    owners = socket_owners(roots)
    assert {k: sorted(v) for k, v in owners.items()} == {2740: [100, 200, 200], 12392: [100]}


@pytest.mark.skipif(sys.byteorder != "little", reason="the captured tables come from little-endian")
def test_owners_and_counts_synthetic(pf_tree: Tree, tmp_path: Path) -> None:
    roots = _socket_tree(pf_tree, tmp_path)
    conns = read_connections(roots, "all")
    assert conns[0].pids == (100, 200)  # sorted, without repeats
    assert conns[0].pid == 100
    dev_log = next(c for c in conns if c.local_address == "/dev/log")
    assert dev_log.pids == (100,)
    assert next(c for c in conns if c.inode == 21040).pids == ()

    counts = read_connection_counts(roots)
    assert counts.total == 15
    assert counts.count("tcp", "LISTEN") == 3
    assert counts.count("tcp", "CLOSE") == 2
    assert counts.count("udp") == 5
    assert counts.count("unix") == 5
    assert counts.count(family="ipv6") == 4
    ssh = [p for p in counts.listening if p.protocol == "tcp" and p.family == "ipv4"]
    assert [(p.address, p.port, p.pids, p.names) for p in ssh] == [
        ("0.0.0.0", 22, (100, 200), ("proc100", "proc200")),
        ("0.0.0.0", 22, (100, 200), ("proc100", "proc200")),
        ("10.0.0.5", 22, (100, 200), ("proc100", "proc200")),
    ]
    no_pids = read_connection_counts(roots, pids=False)
    assert {p.pids for p in no_pids.listening} == {None}

    mine = read_process_connections(roots, 100, "all")
    assert sorted(c.inode or 0 for c in mine) == [2740, 2740, 2740, 2740, 2740, 2740, 12392]
    assert {c.pids for c in mine} == {(100,)}
    assert read_process_connections(roots, 200, "unix") == ()


def test_process_connections_errors(pf_tree: Tree, tmp_path: Path) -> None:
    from darwin_metrics.errors import NoSuchProcess

    roots = _socket_tree(pf_tree, tmp_path)
    with pytest.raises(NoSuchProcess):
        read_process_connections(roots, 99999)


# --- sock_diag messages ------------------------------------------------------------------------


def inet_diag_msg(
    family: int,
    state: int,
    src: str,
    sport: int,
    dst: str,
    dport: int,
    uid: int,
    inode: int,
    rqueue: int = 0,
    wqueue: int = 0,
) -> bytes:
    """One ``inet_diag_msg`` as the kernel lays it out (addresses and ports in network order)."""
    src_raw = socket.inet_pton(family, src).ljust(16, b"\0")
    dst_raw = socket.inet_pton(family, dst).ljust(16, b"\0")
    body = struct.pack(
        "=BBBB2s2s16s16sIQIIIII",
        family,
        state,
        0,
        0,
        sport.to_bytes(2, "big"),
        dport.to_bytes(2, "big"),
        src_raw,
        dst_raw,
        0,
        0,
        0,
        rqueue,
        wqueue,
        uid,
        inode,
    )
    return pack_message(sockdiag.SOCK_DIAG_BY_FAMILY, 2, 7, body)


def unix_diag_msg(
    sock_type: int,
    state: int,
    inode: int,
    name: bytes | None = None,
    peer: int | None = None,
    uid: int | None = None,
    rq: tuple[int, int] | None = None,
) -> bytes:
    body = struct.pack("=BBBBIQ", socket.AF_UNIX, sock_type, state, 0, inode, 0)
    if name is not None:
        body += pack_attr(sockdiag.UNIX_DIAG_NAME, name)
    if peer is not None:
        body += pack_attr(sockdiag.UNIX_DIAG_PEER, struct.pack("=I", peer))
    if rq is not None:
        body += pack_attr(sockdiag.UNIX_DIAG_RQLEN, struct.pack("=II", *rq))
    if uid is not None:
        body += pack_attr(sockdiag.UNIX_DIAG_UID, struct.pack("=I", uid))
    return pack_message(sockdiag.SOCK_DIAG_BY_FAMILY, 2, 7, body)


DONE = pack_message(3, 2, 7, struct.pack("=i", 0))


def test_inet_dump_decoding() -> None:
    data = (
        inet_diag_msg(socket.AF_INET, 10, "127.0.0.1", 8080, "0.0.0.0", 0, 1000, 4242, 0, 128)
        + inet_diag_msg(socket.AF_INET6, 1, "::1", 40000, "::1", 8080, 0, 4243, 5, 6)
        + DONE
    )
    result = sockdiag.DumpResult()
    rows = sockdiag.parse_inet_dump(data, "t", result)
    assert result.done and result.errno == 0
    assert rows == [
        sockdiag.InetDiagRow(2, 10, "127.0.0.1", 8080, "0.0.0.0", 0, 0, 128, 1000, 4242),
        sockdiag.InetDiagRow(10, 1, "::1", 40000, "::1", 8080, 5, 6, 0, 4243),
    ]


def test_unix_dump_decoding() -> None:
    data = (
        unix_diag_msg(1, 10, 501, name=b"/run/x.sock", uid=33, rq=(0, 128))
        + unix_diag_msg(2, 7, 502, name=b"\0abstract", peer=501)
        + unix_diag_msg(5, 1, 503)
        + DONE
    )
    result = sockdiag.DumpResult()
    rows = sockdiag.parse_unix_dump(data, "t", result)
    assert result.done
    assert rows == [
        sockdiag.UnixDiagRow(1, 10, 501, "/run/x.sock", None, 0, 128, 33),
        sockdiag.UnixDiagRow(2, 7, 502, "@abstract", 501, None, None, None),
        sockdiag.UnixDiagRow(5, 1, 503, None, None, None, None, None),
    ]


def test_no_owner_scan_without_a_holdable_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sockets without an inode (TIME_WAIT) cannot be held: no /proc/*/fd scan for them."""
    time_wait = conn_mod._inet(
        conn_mod._TABLES["tcp4"],
        InetRow("127.0.0.1", 5, "127.0.0.1", 6, 6, 0, 0, 0, 0),
    )

    def no_scan(roots: Roots) -> dict[int, list[int]]:
        raise AssertionError("scanned /proc/*/fd")

    monkeypatch.setattr(conn_mod, "read_tables", lambda roots, tables: [time_wait])
    monkeypatch.setattr(conn_mod, "socket_owners", no_scan)
    (found,) = read_connections(Roots(), "tcp4", pids=True)
    assert found.pids == () and found.state == "TIME_WAIT"
    counts = read_connection_counts(Roots(), pids=True)
    assert counts.total == 1 and counts.listening == ()


def test_tcp_any_family_request_layout() -> None:
    """The older ``inet_diag_req`` (60 bytes): family AF_UNSPEC, the table states 0-12 (not
    13, bound-inactive, which costs a walk of the bind hash table), type 18."""
    data = sockdiag.tcp_any_family_request(9)
    length, msg_type, flags, seq, _port = struct.unpack_from("=IHHII", data)
    assert (length, msg_type, seq) == (16 + 60, sockdiag.TCPDIAG_GETSOCK, 9)
    assert flags == 0x301  # NLM_F_REQUEST | NLM_F_DUMP
    body = data[16:]
    assert body[0] == socket.AF_UNSPEC and body[1:52] == b"\0" * 51
    assert struct.unpack_from("=II", body, 52) == (0x1FFF, 0)


def test_inet_dump_decoding_of_the_older_reply_type() -> None:
    """Replies to ``TCPDIAG_GETSOCK`` carry that type; both families decode from one buffer."""
    old = [
        pack_message(sockdiag.TCPDIAG_GETSOCK, 2, 7, msg[16:])
        for msg in (
            inet_diag_msg(socket.AF_INET, 10, "127.0.0.1", 80, "0.0.0.0", 0, 0, 11),
            inet_diag_msg(socket.AF_INET6, 10, "::1", 81, "::", 0, 0, 12),
        )
    ]
    result = sockdiag.DumpResult()
    rows = sockdiag.parse_inet_dump(b"".join(old) + DONE, "t", result)
    assert result.done
    assert [(r.family, r.local_port, r.inode) for r in rows] == [(2, 80, 11), (10, 81, 12)]


class _Canned:
    """A netlink transport that answers each request with the next canned reply."""

    def __init__(self, replies: list[bytes]) -> None:
        self.replies = replies
        self.sent: list[int] = []

    def send(self, data: bytes) -> None:
        self.sent.append(struct.unpack_from("=H", data, 4)[0])

    def recv(self) -> bytes:
        return self.replies.pop(0)

    def close(self) -> None:
        pass


def test_tcp_both_families_split_and_refusal() -> None:
    both = (
        inet_diag_msg(socket.AF_INET6, 1, "::1", 9, "::1", 10, 0, 21)
        + inet_diag_msg(socket.AF_INET, 10, "127.0.0.1", 8, "0.0.0.0", 0, 0, 20)
        + DONE
    )
    canned = _Canned([both])
    split = conn_mod._tcp_both_families(canned)
    assert canned.sent == [sockdiag.TCPDIAG_GETSOCK]
    assert split is not None
    assert [r.inode for r in split["tcp4"]] == [20]
    assert [r.inode for r in split["tcp6"]] == [21]
    refused = pack_message(2, 0, 7, struct.pack("=i", -22) + b"\0" * 16)
    assert conn_mod._tcp_both_families(_Canned([refused])) is None


def test_dump_error_and_truncation() -> None:
    error = pack_message(2, 0, 7, struct.pack("=i", -2) + b"\0" * 16)
    result = sockdiag.DumpResult()
    assert sockdiag.parse_inet_dump(error, "t", result) == []
    assert result.done and result.errno == 2
    with pytest.raises(ParseError):
        sockdiag.parse_inet_dump(pack_message(20, 2, 7, b"\0" * 10), "t", sockdiag.DumpResult())
    with pytest.raises(ParseError):
        sockdiag.parse_inet_dump(b"\x30\0\0\0\x14\0", "t", sockdiag.DumpResult())


def test_netlink_and_file_paths_agree_on_records() -> None:
    """The two sources build identical records from the same socket (modulo what files lack)."""
    from darwin_metrics.linux.parsers.connections import InetRow

    def row(local: str, lport: int, remote: str, rport: int, state: int, *rest: int) -> InetRow:
        rq, wq, uid, inode = rest
        return InetRow(
            local_address=local,
            local_port=lport,
            remote_address=remote,
            remote_port=rport,
            state=state,
            send_queue=wq,
            recv_queue=rq,
            uid=uid,
            inode=inode,
        )

    table = conn_mod._TABLES["tcp4"]
    via_diag = conn_mod._inet(table, row("0.0.0.0", 22, "0.0.0.0", 0, 10, 0, 128, 0, 2740))
    assert via_diag.remote_address is None and via_diag.remote_port is None
    assert via_diag.listening and via_diag.state == "LISTEN"
    tw = conn_mod._inet(table, row("127.0.0.1", 5, "127.0.0.1", 6, 6, 0, 0, 0, 0))
    assert tw.state == "TIME_WAIT" and tw.uid is None and tw.inode == 0
    udp = conn_mod._inet(conn_mod._TABLES["udp6"], row("::1", 53, "::1", 9, 1, 0, 0, 0, 7))
    assert udp.state == "NONE" and not udp.listening and udp.remote_port == 9


# --- fuzzing -----------------------------------------------------------------------------------

HEADER = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"


@settings(max_examples=300)
@given(st.binary(max_size=600), st.booleans())
def test_fuzz_inet_table(data: bytes, ipv6: bool) -> None:
    for blob in (data, HEADER + data):
        try:
            rows = parse_inet_table(blob, "fuzz", ipv6=ipv6)
        except ParseError:
            continue
        assert all(isinstance(r, InetRow) for r in rows)


@settings(max_examples=300)
@given(st.binary(max_size=600))
def test_fuzz_unix_table(data: bytes) -> None:
    head = b"Num       RefCount Protocol Flags    Type St Inode Path\n"
    for blob in (data, head + data):
        try:
            rows = parse_unix_table(blob, "fuzz")
        except ParseError:
            continue
        assert all(isinstance(r, UnixRow) for r in rows)


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_fuzz_sockdiag(data: bytes) -> None:
    for parse in (sockdiag.parse_inet_dump, sockdiag.parse_unix_dump):
        for blob in (data, pack_message(20, 2, 1, data)):
            try:
                parse(blob, "fuzz", sockdiag.DumpResult())  # type: ignore[operator]
            except ParseError:
                pass
