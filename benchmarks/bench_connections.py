"""connections("all") with owning pids against psutil.net_connections("all"), side by side.

Spawns 0, 200 and 1000 extra idle processes (``sleep`` with /dev/null as stdin, stdout and
stderr, so each holds three descriptors), warms both up, then alternates the calls and prints
the medians of ``--runs`` timings and their ratio (and the ratio of median CPU times, which other
load on the machine hardly moves). Target: at most 0.5 at 1000 extra processes.

The "floor" columns are the system calls any reader of the same answer pays, with no Python work
beyond the loop that issues them: the four sock_diag dumps ``connections("all")`` sends (received,
not decoded) plus, for every process, its descriptor count and one ``readlink`` per descriptor.
Two shapes are timed and the cheaper one shown: an ``O_PATH`` open of ``/proc/PID/fd`` with
``fstat`` and ``close`` and links read relative to it, or (what the library does) one ``stat`` of
``PID/fd`` and links read as ``PID/fd/N`` relative to ``/proc``, through the opened directory for
a process with more than 16 descriptors. "floor ratio" is the floor's CPU
time over psutil's: the lowest ratio any ``readlink``-based reader can reach on this machine.
The idle processes are killed and reaped on exit (see ``_support.idle_processes``).

    python benchmarks/bench_connections.py [--runs 15] [--levels 0,200,1000]
"""

from __future__ import annotations

import argparse
import os
import socket
import struct
import sys
from collections.abc import Callable
from typing import Any

from _support import alternate_with_cpu, idle_processes, table

TARGET = 0.5
_NETLINK_SOCK_DIAG = 4
_DONE, _ERROR = 3, 2
_TYPE = struct.Struct("=IH")
_LINKS = tuple(str(i).encode() for i in range(4096))
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_PATH = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_CLOEXEC
_OPEN_FROM = 16


def _dump_requests() -> list[bytes]:
    from darwin_metrics.linux.parsers import sockdiag

    return [
        sockdiag.tcp_any_family_request(1),
        sockdiag.inet_request(socket.AF_INET, socket.IPPROTO_UDP, 2),
        sockdiag.inet_request(socket.AF_INET6, socket.IPPROTO_UDP, 3),
        sockdiag.unix_request(4),
    ]


def _dumps(requests: list[bytes]) -> None:
    """Send each dump request and receive its replies until the end, decoding nothing else."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG) as sock:
        sock.bind((0, 0))
        for request in requests:
            sock.send(request)
            for _ in range(100_000):
                data = sock.recv(65536)
                if not data or _TYPE.unpack_from(data)[1] in (_DONE, _ERROR):
                    break


def _pids() -> list[bytes]:
    return [name for name in os.listdir(b"/proc") if name.isdigit()]


def _floor_opath(requests: list[bytes]) -> None:
    _dumps(requests)
    proc = os.open("/proc", _DIR)
    try:
        for pid in _pids():
            try:
                fd_dir = os.open(pid + b"/fd", _PATH, dir_fd=proc)
            except OSError:
                continue
            try:
                for i in range(os.fstat(fd_dir).st_size):
                    os.readlink(_LINKS[i], dir_fd=fd_dir)
            except (OSError, IndexError):
                pass
            finally:
                os.close(fd_dir)
    finally:
        os.close(proc)


def _floor_stat(requests: list[bytes]) -> None:
    _dumps(requests)
    proc = os.open("/proc", _DIR)
    try:
        for pid in _pids():
            prefix = pid + b"/fd/"
            try:
                count = os.stat(prefix, dir_fd=proc).st_size
                if count > _OPEN_FROM:  # many links: a shorter walk each through the directory
                    fd_dir = os.open(prefix, _PATH, dir_fd=proc)
                    try:
                        for i in range(count):
                            os.readlink(_LINKS[i], dir_fd=fd_dir)
                    finally:
                        os.close(fd_dir)
                else:
                    for i in range(count):
                        os.readlink(prefix + _LINKS[i], dir_fd=proc)
            except (OSError, IndexError):
                pass
    finally:
        os.close(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="connections('all') against psutil")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--levels", default="0,200,1000")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("bench_connections: Linux only")
        return 0
    import psutil

    import darwin_metrics as dm

    requests = _dump_requests()

    def ours() -> Any:
        return dm.connections("all", pids=True)

    def theirs() -> Any:
        return psutil.net_connections("all")

    calls: list[Callable[[], Any]] = [
        ours,
        theirs,
        lambda: _floor_opath(requests),
        lambda: _floor_stat(requests),
    ]
    print(
        f"connections('all', pids=True) vs psutil.net_connections('all'), "
        f"median of {args.runs} alternated runs; load average {os.getloadavg()[0]:.1f}"
    )
    rows = []
    at_1000: float | None = None
    for level in (int(x) for x in args.levels.split(",")):
        with idle_processes(level):
            (a, b, f1, f2), (cpu_a, cpu_b, cf1, cf2) = alternate_with_cpu(calls, args.runs)
            sockets = len(ours())
            processes = sum(1 for name in os.listdir("/proc") if name.isdigit())
        ratio = a / b if b else float("nan")
        if level == 1000:
            at_1000 = ratio
        rows.append(
            (
                level,
                processes,
                sockets,
                f"{a * 1000:.2f}",
                f"{b * 1000:.2f}",
                f"{min(f1, f2) * 1000:.2f}",
                f"{ratio:.2f}",
                f"{cpu_a / cpu_b:.2f}" if cpu_b else "nan",
                f"{min(cf1, cf2) / cpu_b:.2f}" if cpu_b else "nan",
            )
        )
    headers = ["extra procs", "procs", "sockets", "ours ms", "psutil ms", "floor ms", "ratio"]
    print(table([*headers, "cpu ratio", "floor ratio"], rows))
    if at_1000 is not None:
        verdict = "meets" if at_1000 <= TARGET else "MISSES"
        print(f"target: ratio <= {TARGET:.2f} at 1000 extra processes -> {verdict} ({at_1000:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
