"""libproc and the process sysctls: per-process records as raw bytes.

``proc_pidinfo`` returns the number of bytes it wrote; ``<= 0`` is an error with ``errno`` set, and
fewer bytes than the structure is a short read (:class:`ParseError`), never silently zero-filled.
Errors map to :class:`NoSuchProcess` (ESRCH, or a failure with no errno for a pid that is gone) and
:class:`AccessDenied` (EPERM/EACCES: other users' processes without root). ``errno`` is set to 0
before every call: ctypes keeps the last value across successful calls, so a call that fails
without setting it would otherwise report a stale error.
"""

from __future__ import annotations

import ctypes
import errno
import threading
from typing import Any

from darwin_metrics.darwin.ffi import libc, loader
from darwin_metrics.darwin.ffi.constants import (
    CTL_KERN,
    KERN_PROC,
    KERN_PROC_PID,
    PROC_PIDLISTTHREADIDS,
    PROC_PIDLISTTHREADS,
    PROC_PIDTASKINFO,
    PROC_PIDTHREADID64INFO,
    PROC_PIDTHREADINFO,
    RUSAGE_INFO_V4,
    RUSAGE_INFO_V5,
    RUSAGE_INFO_V6,
)
from darwin_metrics.darwin.ffi.structs import (
    RUSAGE_INFO_V4_SIZE,
    RUSAGE_INFO_V5_SIZE,
    RUSAGE_INFO_V6_SIZE,
    KinfoProc,
    ProcTaskInfo,
    ProcThreadInfo,
)
from darwin_metrics.errors import NoSuchProcess, ParseError

#: Newest first: (flavor, size of its struct in bytes).
RUSAGE_VERSIONS = (
    (RUSAGE_INFO_V6, RUSAGE_INFO_V6_SIZE),
    (RUSAGE_INFO_V5, RUSAGE_INFO_V5_SIZE),
    (RUSAGE_INFO_V4, RUSAGE_INFO_V4_SIZE),
)

_rusage_lock = threading.Lock()
_rusage_version: int | None = None


def _fn(name: str) -> Any:
    return loader.function(loader.LIBSYSTEM, name)


def pid_exists(pid: int) -> bool:
    """Whether the kernel has a process ``pid`` (zombies included): ``kinfo_proc`` answers."""
    try:
        return bool(libc.sysctl((CTL_KERN, KERN_PROC, KERN_PROC_PID, pid)))
    except OSError:
        return False


def _raise(call: str, pid: int) -> None:
    """Raise for a failed libproc call. errno was cleared before the call, so 0 here means the call
    failed without saying why: the pid is then looked up rather than assumed gone."""
    err = ctypes.get_errno()
    if err == 0:
        if not pid_exists(pid):
            raise NoSuchProcess(pid)
        raise OSError(errno.EIO, f"{call}: failed for existing process {pid} without an errno")
    libc.raise_errno(call, err, pid=pid)


def pidinfo(pid: int, flavor: int, arg: int, size: int) -> bytes:
    """``proc_pidinfo(pid, flavor, arg, buf, size)``; the bytes written, exactly ``size`` of them."""
    buf = ctypes.create_string_buffer(size)
    ctypes.set_errno(0)  # ctypes keeps errno across successful calls: never read a stale one
    got = int(_fn("proc_pidinfo")(pid, flavor, arg, buf, size))
    if got <= 0:
        _raise(f"proc_pidinfo(flavor {flavor})", pid)
    if got < size:
        raise ParseError(f"proc_pidinfo(flavor {flavor})", f"short read: {got} of {size} bytes")
    return buf.raw[:size]


def task_info(pid: int) -> bytes:
    """PROC_PIDTASKINFO: a ``proc_taskinfo`` (same user or root)."""
    return pidinfo(pid, PROC_PIDTASKINFO, 0, ctypes.sizeof(ProcTaskInfo))


def kinfo_proc(pid: int) -> bytes:
    """``sysctl {CTL_KERN, KERN_PROC, KERN_PROC_PID, pid}``: one ``kinfo_proc`` (any process).

    An empty answer means the process is gone.
    """
    raw = libc.sysctl((CTL_KERN, KERN_PROC, KERN_PROC_PID, pid))
    if not raw:
        raise NoSuchProcess(pid)
    if len(raw) < ctypes.sizeof(KinfoProc):
        raise ParseError("sysctl(kern.proc.pid)", f"short read: {len(raw)} bytes")
    return raw[: ctypes.sizeof(KinfoProc)]


def pid_rusage(pid: int) -> tuple[int, bytes]:
    """``proc_pid_rusage`` with the newest ``rusage_info`` version this kernel accepts.

    Returns ``(version, bytes)``. The version found is remembered; a kernel rejects an unknown
    flavor with EINVAL.
    """
    global _rusage_version
    fn = _fn("proc_pid_rusage")
    versions: tuple[tuple[int, int], ...] = RUSAGE_VERSIONS
    if _rusage_version is not None:
        versions = tuple(v for v in RUSAGE_VERSIONS if v[0] == _rusage_version)
    for flavor, size in versions:
        buf = ctypes.create_string_buffer(size)
        ctypes.set_errno(0)
        if int(fn(pid, flavor, buf)) == 0:
            with _rusage_lock:
                _rusage_version = flavor
            return flavor, buf.raw
        err = ctypes.get_errno()
        if err == errno.EINVAL and _rusage_version is None:
            continue
        if err == 0:
            _raise(f"proc_pid_rusage(v{flavor})", pid)
        libc.raise_errno(f"proc_pid_rusage(v{flavor})", err, pid=pid)
    raise OSError(errno.EINVAL, "proc_pid_rusage: no supported rusage_info version")


def thread_ids(pid: int, expected: int) -> tuple[bool, list[int]]:
    """Thread identifiers of ``pid``: ``(True, ids)`` from PROC_PIDLISTTHREADIDS (thread ids), or
    ``(False, handles)`` from PROC_PIDLISTTHREADS on kernels without it.

    ``expected`` (the task's thread count) sizes the buffer; it grows while the answer fills it.
    """
    fn = _fn("proc_pidinfo")
    for flavor, by_id in ((PROC_PIDLISTTHREADIDS, True), (PROC_PIDLISTTHREADS, False)):
        capacity = max(expected, 0) + 32
        for _ in range(libc.MAX_RETRIES):
            buf = (ctypes.c_uint64 * capacity)()
            ctypes.set_errno(0)
            got = int(fn(pid, flavor, 0, buf, ctypes.sizeof(buf)))
            if got <= 0:
                err = ctypes.get_errno()
                if err == errno.EINVAL and by_id:
                    break  # this kernel lacks PROC_PIDLISTTHREADIDS
                _raise(f"proc_pidinfo(flavor {flavor})", pid)
            n = got // 8
            if n < capacity:
                return by_id, [int(t) for t in buf[:n] if t]
            capacity *= 2
        else:
            raise OSError(errno.ENOMEM, "proc_pidinfo: thread list kept growing")
    raise OSError(errno.EINVAL, "proc_pidinfo: no thread listing flavor")


def thread_info(pid: int, thread: int, *, by_id: bool) -> bytes | None:
    """A ``proc_threadinfo`` for one thread; ``None`` if the thread ended meanwhile."""
    flavor = PROC_PIDTHREADID64INFO if by_id else PROC_PIDTHREADINFO
    try:
        return pidinfo(pid, flavor, thread, ctypes.sizeof(ProcThreadInfo))
    except NoSuchProcess:
        return None
