"""Owners found by the ``/proc/*/fd`` scan in the awkward cases, on this machine.

Each case hands a listening TCP socket to a child process over ``SCM_RIGHTS`` (fd passing), then
closes the test's own copy, so the child is the socket's only holder. The child arranges its
descriptors the way real programs do:

- ``stdin``: the socket on descriptor 0 (inetd-style services);
- ``closed0``: descriptor 0 closed and the socket on 3 (a daemon that closed stdin: the gap is
  at the first link read);
- ``gap``: the socket alone at descriptor 1500, after a gap and past the 1024 pre-built names;
- ``many``: 1101 contiguous descriptors with the socket on the last one (the count-based scan
  reads every link without listing the directory);
- ``drop``: the child drops root for uid/gid 65534 after receiving it (a privilege-dropping
  daemon: the socket's uid stays 0 and the process is no longer dumpable); root only.

Each must show exactly the child's pid, in ``connections()``, ``connection_counts()`` and
``ss -tlnp`` where it is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import darwin_metrics as dm
from darwin_metrics.linux import connections as conn_mod
from darwin_metrics.linux.fs import Roots
from tests.support.unprivileged import package_for_others

Owners = dict[int, list[int]]

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc only"),
]

_CHILD = r"""
import os, resource, socket, sys, time
mode, channel_fd = sys.argv[1], int(sys.argv[2])
channel = socket.socket(fileno=channel_fd)
_, fds, _, _ = socket.recv_fds(channel, 16, 1)
channel.close()
got = fds[0]
if mode in ("gap", "many"):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        print("rlimit", hard, flush=True)
        sys.exit(0)
    resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))
if mode == "stdin":
    os.dup2(got, 0)
    os.close(got)
elif mode == "closed0":
    os.close(0)
    os.dup2(got, 3)
    if got != 3:
        os.close(got)
elif mode == "gap":
    os.dup2(got, 1500)
    os.close(got)
elif mode == "many":
    while os.dup(1) < 1099:
        pass
    os.dup2(got, 1100)
    os.close(got)
    os.dup(1)  # refill the hole: descriptors 0..1100, the socket last
    assert len(os.listdir("/proc/self/fd")) == 1102  # 0..1100 and the listing's own
elif mode == "drop":
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
print("ready", flush=True)
time.sleep(120)
"""


@contextmanager
def _handed_over(mode: str) -> Iterator[tuple[int, int, int]]:
    """A child holding a listening socket passed to it; yields (child pid, inode, port)."""
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    inode = os.fstat(listener.fileno()).st_ino
    port = listener.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, mode, str(child_end.fileno())],
        pass_fds=[child_end.fileno()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child_end.close()
        socket.send_fds(parent_end, [b"x"], [listener.fileno()])
        listener.close()  # the child's descriptor is now the only one
        assert child.stdout is not None
        line = child.stdout.readline().split()
        if line and line[0] == "rlimit":
            pytest.skip(f"RLIMIT_NOFILE hard limit {line[1]} is below 2048")
        assert line == ["ready"], f"child ended early ({child.poll()})"
        yield child.pid, inode, port
    finally:
        listener.close()
        parent_end.close()
        child.kill()
        child.wait()


def _ss_pids(port: int) -> set[int]:
    out = subprocess.run(
        ["ss", "-tlnpH", f"sport = :{port}"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    return {int(p) for p in re.findall(r"pid=(\d+)", out)}


@pytest.mark.parametrize("mode", ["stdin", "closed0", "gap", "many", "drop"])
def test_passed_socket_owner(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if mode == "drop" and os.geteuid() != 0:
        pytest.skip("dropping privileges needs root")
    with _handed_over(mode) as (pid, inode, port):
        conns = {c.inode: c for c in dm.connections("tcp") if c.inode}
        assert conns[inode].pids == (pid,)
        assert conns[inode].local_port == port and conns[inode].state == "LISTEN"
        if mode == "drop":
            assert conns[inode].uid == 0  # the socket keeps its creator's uid
        owners = conn_mod.socket_owners(Roots())
        assert owners[inode] == [pid]
        counts = dm.connection_counts()
        entry = next(p for p in counts.listening if p.port == port and p.protocol == "tcp")
        assert entry.pids == (pid,)
        if shutil.which("ss") is not None:
            assert _ss_pids(port) == {pid}
        if conn_mod._fd_count_supported("/proc"):
            # the count-based scan lists a directory only after a gap, whichever way it reads
            # the links (by path for few descriptors, through the open directory for many)
            listed: list[str] = []
            real = conn_mod._scan_listed

            def spy(procfs: str, proc_fd: int, name: str, start: int, owners: Owners) -> None:
                listed.append(name)
                real(procfs, proc_fd, name, start, owners)

            monkeypatch.setattr(conn_mod, "_scan_listed", spy)
            assert conn_mod.socket_owners(Roots())[inode] == [pid]
            assert (str(pid) in listed) == (mode in ("closed0", "gap"))


_UNPRIVILEGED = r"""
import os, socket, sys
try:
    import darwin_metrics as dm
except ImportError:
    print("noimport", flush=True)
    sys.exit(0)
mine = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
mine.bind(("127.0.0.1", 0))
mine.listen()
os.dup2(mine.fileno(), 700)  # a second descriptor after a gap
inode = os.fstat(mine.fileno()).st_ino
found = {c.inode: c.pids for c in dm.connections("tcp") if c.inode}
print(found[inode] == (os.getpid(),), found[int(sys.argv[1])] == (), flush=True)
"""


def test_scan_without_privileges() -> None:
    """As an ordinary user the scan finds the caller's own sockets and leaves other users'
    processes out (``pids=()``) without failing."""
    if os.geteuid() != 0:
        pytest.skip("needs root to start a child as another user")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as roots_own:
        roots_own.bind(("127.0.0.1", 0))
        roots_own.listen()
        inode = os.fstat(roots_own.fileno()).st_ino

        def drop() -> None:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)

        with package_for_others() as (python, env):
            result = subprocess.run(
                [python, "-B", "-c", _UNPRIVILEGED, str(inode)],
                preexec_fn=drop,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                cwd="/",
            )
    if result.stdout.strip() == "noimport":
        pytest.skip(f"the package cannot be imported as uid 65534: {result.stderr[-200:]}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
