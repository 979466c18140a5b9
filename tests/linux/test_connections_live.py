"""connections() on this machine: sockets the test opens on loopback, found with the right state,
addresses and owner, and the table cross-checked against ``ss -tanu -p`` and psutil.

Other processes (and other tests) open and close sockets while these run, so whole-table checks
compare only sockets present in both readings and in a settled state (LISTEN, ESTABLISHED, bound
UDP); the sockets this test owns must match exactly.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

import darwin_metrics as dm
from darwin_metrics.linux import connections as conn_mod
from darwin_metrics.linux.fs import Roots
from darwin_metrics.records.connections import Connection

pytestmark = pytest.mark.live

ME = os.getpid()


def _has_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@dataclass
class Opened:
    """The sockets of one scenario, by role."""

    sockets: dict[str, socket.socket]
    unix_path: str
    dgram_path: str
    time_wait_port: int | None

    def inode(self, role: str) -> int:
        return os.fstat(self.sockets[role].fileno()).st_ino

    def port(self, role: str) -> int:
        port: int = self.sockets[role].getsockname()[1]
        return port


def _time_wait_port() -> int | None:
    """Make one connection end in TIME_WAIT on the client side; return the client's port."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname())
    accepted, _ = server.accept()
    port = client.getsockname()[1]
    client.close()  # active close: the client side goes FIN_WAIT -> TIME_WAIT
    time.sleep(0.05)
    accepted.close()
    server.close()
    time.sleep(0.05)
    return int(port)


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Opened]:
    socks: dict[str, socket.socket] = {}
    try:
        s = socks["tcp4_listen"] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen()
        socks["tcp4_client"] = socket.create_connection(s.getsockname())
        socks["tcp4_server"], _ = s.accept()
        u = socks["udp4"] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        uc = socks["udp4_connected"] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        uc.connect(u.getsockname())
        if _has_ipv6():
            s6 = socks["tcp6_listen"] = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s6.bind(("::1", 0))
            s6.listen()
            u6 = socks["udp6"] = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            u6.bind(("::1", 0))
        unix_path = str(tmp_path / "stream.sock")
        ul = socks["unix_listen"] = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ul.bind(unix_path)
        ul.listen()
        socks["unix_client"] = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        socks["unix_client"].connect(unix_path)
        socks["unix_server"], _ = ul.accept()
        dgram_path = str(tmp_path / "dgram.sock")
        ud = socks["unix_dgram"] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ud.bind(dgram_path)
        yield Opened(socks, unix_path, dgram_path, _time_wait_port())
    finally:
        for sock in socks.values():
            sock.close()


def _by_inode(conns: tuple[Connection, ...]) -> dict[int, Connection]:
    return {c.inode: c for c in conns if c.inode}


def test_own_sockets_found(opened: Opened) -> None:
    conns = dm.connections("all")
    found = _by_inode(conns)
    lport = opened.port("tcp4_listen")

    listen = found[opened.inode("tcp4_listen")]
    assert (listen.family, listen.type, listen.protocol) == ("ipv4", "stream", "tcp")
    assert (listen.local_address, listen.local_port) == ("127.0.0.1", lport)
    assert (listen.remote_address, listen.remote_port) == (None, None)
    assert listen.state == "LISTEN" and listen.listening
    assert listen.uid == os.geteuid()
    assert listen.pids is not None and ME in listen.pids

    client = found[opened.inode("tcp4_client")]
    server = found[opened.inode("tcp4_server")]
    assert client.state == server.state == "ESTABLISHED"
    assert (client.remote_address, client.remote_port) == ("127.0.0.1", lport)
    assert server.local_port == lport and server.remote_port == client.local_port
    assert ME in (client.pids or ()) and ME in (server.pids or ())

    udp = found[opened.inode("udp4")]
    assert (udp.type, udp.state, udp.listening) == ("dgram", "NONE", True)
    assert udp.local_port == opened.port("udp4") and udp.remote_address is None
    connected = found[opened.inode("udp4_connected")]
    assert not connected.listening and connected.remote_port == opened.port("udp4")

    if "tcp6_listen" in opened.sockets:
        l6 = found[opened.inode("tcp6_listen")]
        assert (l6.family, l6.local_address, l6.state) == ("ipv6", "::1", "LISTEN")
        u6 = found[opened.inode("udp6")]
        assert (u6.family, u6.protocol, u6.state) == ("ipv6", "udp", "NONE")

    ul = found[opened.inode("unix_listen")]
    assert (ul.family, ul.type, ul.local_address, ul.listening) == (
        "unix",
        "stream",
        opened.unix_path,
        True,
    )
    assert ul.state == "NONE" and ME in (ul.pids or ())
    uc = found[opened.inode("unix_client")]
    us = found[opened.inode("unix_server")]
    assert not uc.listening
    if uc.peer_inode is not None:  # sock_diag reports the peer; /proc/net/unix does not
        assert uc.peer_inode == opened.inode("unix_server")
        assert us.peer_inode == opened.inode("unix_client")
    ud = found[opened.inode("unix_dgram")]
    assert (ud.type, ud.local_address) == ("dgram", opened.dgram_path)

    tw: list[Connection] = []
    for _ in range(40):  # the closing handshake runs in softirq context; give a loaded VM time
        tw = [
            c
            for c in conns
            if c.protocol == "tcp"
            and c.state == "TIME_WAIT"
            and c.local_port == opened.time_wait_port
        ]
        if tw:
            break
        time.sleep(0.05)
        conns = dm.connections("tcp4")
    assert tw, "the TIME_WAIT left by the test's own active close is missing"
    assert tw[0].inode == 0 and tw[0].pids == () and tw[0].uid is None


def test_kinds_live(opened: Opened) -> None:
    inodes4 = {c.inode for c in dm.connections("inet4", pids=False)}
    assert opened.inode("tcp4_listen") in inodes4 and opened.inode("udp4") in inodes4
    assert opened.inode("unix_listen") not in inodes4
    tcp = dm.connections("tcp", pids=False)
    assert {c.protocol for c in tcp} == {"tcp"}
    assert all(c.pids is None for c in tcp)
    assert {c.family for c in dm.connections("unix", pids=False)} == {"unix"}
    if "tcp6_listen" in opened.sockets:
        assert opened.inode("tcp6_listen") in {c.inode for c in dm.connections("tcp6")}
        assert opened.inode("tcp6_listen") not in {c.inode for c in dm.connections("tcp4")}


def test_netlink_and_text_tables_agree(opened: Opened) -> None:
    """sock_diag and /proc/net/* describe the test's sockets identically (bar unix extras)."""
    mine = {os.fstat(s.fileno()).st_ino for s in opened.sockets.values()}
    via_netlink = _by_inode(tuple(conn_mod._from_netlink(conn_mod.KINDS["all"])))
    via_files = _by_inode(tuple(conn_mod._from_files("/proc/net", conn_mod.KINDS["all"])))
    for inode in mine:
        a, b = via_netlink[inode], via_files[inode]
        if a.family == "unix":
            # the text table has no uid, peer or queues; the rest must agree
            assert (a.type, a.local_address, a.listening, a.state) == (
                b.type,
                b.local_address,
                b.listening,
                b.state,
            )
        else:
            assert a == b


def test_bound_only_tcp_socket_is_in_neither_source() -> None:
    """A TCP socket bound but neither listening nor connected is not in ``/proc/net/tcp``, and
    sock_diag is not asked for it (state 13, bound-inactive): both sources leave it out."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as bound:
        bound.bind(("127.0.0.1", 0))
        inode = os.fstat(bound.fileno()).st_ino
        assert inode not in _by_inode(tuple(conn_mod._from_files("/proc/net", ("tcp4",))))
        assert inode not in _by_inode(tuple(conn_mod._from_netlink(("tcp4", "tcp6"))))
        assert inode not in _by_inode(tuple(conn_mod._from_netlink(("tcp4",))))
        bound.listen()
        assert inode in _by_inode(tuple(conn_mod._from_netlink(("tcp4", "tcp6"))))


def test_one_tcp_dump_equals_one_per_family(opened: Opened) -> None:
    """The single TCPDIAG_GETSOCK dump finds the test's TCP sockets exactly as the per-family
    SOCK_DIAG_BY_FAMILY dumps do, each in its own table."""
    mine = {os.fstat(s.fileno()).st_ino for s in opened.sockets.values()}
    together = conn_mod._from_netlink(("tcp4", "tcp6"))
    apart = conn_mod._from_netlink(("tcp4",)) + conn_mod._from_netlink(("tcp6",))
    a = {c.inode: c for c in together if c.inode in mine}
    b = {c.inode: c for c in apart if c.inode in mine}
    assert a == b
    assert opened.inode("tcp4_listen") in a
    if "tcp6_listen" in opened.sockets:
        assert a[opened.inode("tcp6_listen")].family == "ipv6"
    families = [c.family for c in together]
    assert families == sorted(families)  # the IPv4 table first, as when dumped apart


def test_process_connections_and_process(opened: Opened) -> None:
    mine = {os.fstat(s.fileno()).st_ino for s in opened.sockets.values()}
    got = dm.process_connections(ME, "all")
    assert mine <= {c.inode for c in got}
    assert {c.pids for c in got} == {(ME,)}
    inet_only = dm.process_connections(ME)
    assert {c.protocol for c in inet_only} <= {"tcp", "udp"}
    # process(pid) and processes() give the same record: sockets come from process_connections
    assert "connections" not in dm.Process.__struct_fields__


def test_connection_counts_live(opened: Opened) -> None:
    counts = dm.connection_counts()
    assert counts.count("tcp", "LISTEN") >= 1
    assert counts.count("tcp", "ESTABLISHED") >= 2
    assert counts.total == sum(c.count for c in counts.counts)
    port = opened.port("tcp4_listen")
    entry = next(p for p in counts.listening if p.port == port and p.protocol == "tcp")
    comm = Path(f"/proc/{ME}/comm").read_text().strip()
    assert entry.pids is not None and ME in entry.pids
    assert entry.names is not None and entry.names[entry.pids.index(ME)] == comm
    udp = next(p for p in counts.listening if p.port == opened.port("udp4"))
    assert udp.protocol == "udp" and udp.address == "127.0.0.1"


# --- cross-checks against ss and psutil --------------------------------------------------------

_SS_STATES = {
    "ESTAB": "ESTABLISHED",
    "LISTEN": "LISTEN",
    "TIME-WAIT": "TIME_WAIT",
    "UNCONN": "NONE",
    "SYN-SENT": "SYN_SENT",
    "SYN-RECV": "SYN_RECV",
    "FIN-WAIT-1": "FIN_WAIT1",
    "FIN-WAIT-2": "FIN_WAIT2",
    "CLOSE-WAIT": "CLOSE_WAIT",
    "LAST-ACK": "LAST_ACK",
    "CLOSING": "CLOSING",
}
_SETTLED = {"LISTEN", "ESTABLISHED", "NONE"}
_ENDPOINT = re.compile(r"^\[?(?P<addr>[^\]]*?)\]?(?:%\S+)?:(?P<port>\d+|\*)$")


def _endpoint(text: str) -> tuple[str | None, int | None]:
    m = _ENDPOINT.match(text)
    assert m, text
    addr, port = m.group("addr"), m.group("port")
    if port == "*" or port == "0":
        return None, None
    if addr == "*":
        addr = "0.0.0.0"
    return addr, int(port)


Key = tuple[str, str, int, str | None, int | None]


def _ss_table() -> dict[Key, tuple[str, set[int]]]:
    out = subprocess.run(
        ["ss", "-tanu", "-p"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    table: dict[Key, tuple[str, set[int]]] = {}
    for line in out.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 6:
            continue
        proto, state, local, peer = fields[0], fields[1], fields[4], fields[5]
        laddr, lport = _endpoint(local)
        raddr, rport = _endpoint(peer)
        if laddr is None or lport is None:
            continue
        pids = {int(p) for p in re.findall(r"pid=(\d+)", " ".join(fields[6:]))}
        state_name = _SS_STATES.get(state, state)
        if proto == "udp":
            state_name = "NONE"
        table[(proto, laddr, lport, raddr, rport)] = (state_name, pids)
    return table


def _ours(conns: tuple[Connection, ...]) -> dict[Key, tuple[str, set[int]]]:
    return {
        (c.protocol, c.local_address or "", c.local_port or 0, c.remote_address, c.remote_port): (
            c.state,
            set(c.pids or ()),
        )
        for c in conns
        if c.protocol in ("tcp", "udp")
    }


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed")
def test_cross_check_ss(opened: Opened) -> None:
    ours = _ours(dm.connections("inet"))
    ss = _ss_table()
    lport = opened.port("tcp4_listen")
    assert ss[("tcp", "127.0.0.1", lport, None, None)] == ("LISTEN", {ME})
    assert ours[("tcp", "127.0.0.1", lport, None, None)] == ("LISTEN", {ME})
    compared = 0
    for key, (state, pids) in ss.items():
        if key not in ours or state not in _SETTLED or ours[key][0] not in _SETTLED:
            continue
        assert ours[key][0] == state, key
        if pids and os.geteuid() == 0:
            # ss and we both see owners through /proc/*/fd; processes may exit in between
            assert ours[key][1] & pids or not any(psutil.pid_exists(p) for p in pids), key
        compared += 1
    assert compared >= 4


def test_cross_check_psutil(opened: Opened) -> None:
    ours = dm.connections("all")
    theirs = psutil.net_connections("all")
    ours_inet = {
        (c.family, c.type, c.local_address, c.local_port, c.remote_address, c.remote_port): c
        for c in ours
        if c.family != "unix"
    }
    fam = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}
    typ = {socket.SOCK_STREAM: "stream", socket.SOCK_DGRAM: "dgram"}
    compared = 0
    for t in theirs:
        if t.family == socket.AF_UNIX:
            continue
        raddr = tuple(t.raddr) if t.raddr else (None, None)
        key = (fam[t.family], typ[t.type], t.laddr[0], t.laddr[1], raddr[0], raddr[1])
        c = ours_inet.get(key)
        if c is None or t.status not in _SETTLED or c.state not in _SETTLED:
            continue  # opened or closed between the two reads
        assert c.state == t.status, key
        if t.pid is not None:
            assert c.pids is not None and t.pid in c.pids, key
        compared += 1
    assert compared >= 4
    # unix sockets: psutil shows the bound path; ours must include the test's own
    their_paths = {t.laddr for t in theirs if t.family == socket.AF_UNIX}
    our_paths = {c.local_address for c in ours if c.family == "unix"}
    assert opened.unix_path in their_paths and opened.unix_path in our_paths
    assert opened.dgram_path in their_paths and opened.dgram_path in our_paths


def test_fallback_without_netlink(opened: Opened, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where sock_diag is refused, the text tables give the same sockets."""

    def refuse(tables: object) -> list[Connection]:
        raise OSError(93, "Protocol not supported")

    monkeypatch.setattr(conn_mod, "_from_netlink", refuse)
    found = _by_inode(conn_mod.read_connections(Roots(), "all"))
    assert found[opened.inode("tcp4_listen")].state == "LISTEN"
    assert ME in (found[opened.inode("unix_listen")].pids or ())


def test_owner_scan_matches_listing(opened: Opened) -> None:
    """The count-based fd scan finds exactly what a plain listing of /proc/*/fd finds."""
    fast = conn_mod.socket_owners(Roots())
    plain: dict[int, list[int]] = {}
    proc_fd = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in os.listdir(proc_fd):
            if name.isdigit():
                conn_mod._scan_listed("/proc", proc_fd, name, 0, plain)
    finally:
        os.close(proc_fd)
    mine = {os.fstat(s.fileno()).st_ino for s in opened.sockets.values()}
    for inode in mine:
        assert sorted(set(fast[inode])) == sorted(set(plain[inode])) == [ME]
