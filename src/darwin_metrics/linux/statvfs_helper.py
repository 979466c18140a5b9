"""``statvfs`` in a helper process, so that a call stuck in the kernel cannot hold our exit.

A ``statvfs`` of a dead FUSE mount whose daemon has already read the request (a wedged sshfs) waits
*uninterruptibly* for an answer: a thread stuck there cannot be killed, and a process keeps its
file descriptors (its standard output: ``darwin-metrics | cat`` never sees end of file) and its
exit status until every one of its threads is gone. So the guarded calls of
:class:`~darwin_metrics.linux.statvfs.StatvfsGuard` run in a small helper process instead (one per
worker thread, started on first use: ``python -I -S``, all our descriptors closed but its two
pipes). The worker thread waits on a pipe, which any exit interrupts; a stuck helper is left
behind, holding nothing of ours, and ends when its call does or the mount is aborted.

Protocol: the worker writes a path as a 4-byte length and its bytes; the helper answers one line,
``ok`` and the ten ``statvfs`` fields, or ``err`` and an errno.
"""

from __future__ import annotations

import os
import struct
import sys
from _thread import _local as thread_local

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import subprocess

_LENGTH = struct.Struct("<I")

HELPER_CODE = """
import os, struct, sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    path = inp.read(struct.unpack("<I", head)[0])
    try:
        st = os.statvfs(path)
        line = "ok " + " ".join(str(v) for v in tuple(st)[:10])
    except OSError as exc:
        line = "err %d" % (exc.errno or 0)
    out.write(line.encode() + b"\\n")
    out.flush()
"""

_local = thread_local()


def _helper() -> subprocess.Popen[bytes]:
    helper: subprocess.Popen[bytes] | None = getattr(_local, "helper", None)
    if helper is None or helper.poll() is not None:
        import subprocess  # only when a guarded call is made: most machines never make one

        helper = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", HELPER_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C in the terminal is the caller's to handle
        )
        _local.helper = helper
    return helper


def statvfs_in_helper(path: str) -> os.statvfs_result:
    """``os.statvfs(path)`` run by this thread's helper process; ``OSError`` as it reports."""
    helper = _helper()
    assert helper.stdin is not None and helper.stdout is not None
    data = os.fsencode(path)
    try:
        helper.stdin.write(_LENGTH.pack(len(data)) + data)
        helper.stdin.flush()
        line = helper.stdout.readline().decode("ascii", "replace").split()
    except (OSError, ValueError) as exc:
        _local.helper = None
        raise OSError(f"statvfs helper failed: {exc}") from exc
    if len(line) == 11 and line[0] == "ok":
        return os.statvfs_result(tuple(int(v) for v in line[1:]))
    if len(line) == 2 and line[0] == "err":
        code = int(line[1])
        raise OSError(code, os.strerror(code), path)
    _local.helper = None  # the helper died or answered nonsense: start a fresh one next time
    raise OSError(f"statvfs helper gave no answer for {path!r}")
