"""Processes on macOS.

psutil supplies the process table and the basics it has long read correctly (name, exe, cmdline,
status, user, ids, create time, nice, open files). Our own calls add:

- CPU times from ``proc_pidinfo(PROC_PIDTASKINFO)`` divided by ``hw.tbfrequency`` (correct under
  Rosetta), with RSS, virtual size and the thread count from the same record;
- ``proc_pid_rusage`` with the newest ``rusage_info`` version: physical footprint, disk bytes read
  and written, children's CPU times and (v6) energy in joules;
- ``kinfo_proc``: the Rosetta flag (``P_TRANSLATED``) and the controlling terminal;
- threads from PROC_PIDLISTTHREADIDS and PROC_PIDTHREADID64INFO.

macOS gives task records only for the caller's own processes (or to root): for another user's
process (and for zombies, which have no task) CPU times, memory and the thread count are ``None``
while the psutil basics (name, user, ppid, command line where allowed) are still reported.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from darwin_metrics.darwin.decode import process as decode
from darwin_metrics.darwin.decode.common import integer
from darwin_metrics.darwin.ffi import libc, libproc
from darwin_metrics.errors import AccessDenied, DarwinMetricsError, NoSuchProcess, ParseError
from darwin_metrics.records.process import Process, Thread

if TYPE_CHECKING:
    import psutil

log = logging.getLogger(__name__)


class ProcessReader:
    """Reads processes; remembers the timebase (``hw.tbfrequency``) after the first read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timebase: int | None = None

    def timebase(self) -> int:
        """``hw.tbfrequency``: Mach absolute-time ticks per second."""
        if self._timebase is None:
            value = integer(libc.sysctlbyname("hw.tbfrequency"))
            if not value or value <= 0:
                raise ParseError("hw.tbfrequency", f"{value!r} is not a frequency")
            with self._lock:
                self._timebase = value
        return self._timebase

    def _basic(self, proc: psutil.Process) -> dict[str, Any]:
        import psutil

        def attempt(read: Any) -> Any:
            try:
                return read()
            except (psutil.AccessDenied, OSError):
                return None

        with proc.oneshot():
            uids = attempt(proc.uids)
            gids = attempt(proc.gids)
            return {
                "pid": proc.pid,
                "ppid": attempt(proc.ppid),
                "name": attempt(proc.name),
                "exe": attempt(proc.exe),
                "cmdline": attempt(proc.cmdline),
                "status": attempt(proc.status),
                "username": attempt(proc.username),
                "uid": uids.real if uids is not None else None,
                "gid": gids.real if gids is not None else None,
                "create_time": attempt(proc.create_time),
                "nice": attempt(proc.nice),
                "num_fds": attempt(proc.num_fds),
            }

    def _build(self, proc: psutil.Process) -> Process:
        import psutil

        pid = proc.pid
        tb = self.timebase()
        try:
            task: decode.TaskInfo | None = decode.task_info(libproc.task_info(pid), tb)
        except AccessDenied as exc:
            log.debug("proc_pidinfo(%d, PROC_PIDTASKINFO): %s", pid, exc)
            task = None
        try:
            info: decode.Kinfo | None = decode.kinfo(libproc.kinfo_proc(pid))
        except ParseError as exc:
            log.debug("kinfo_proc(%d): %s", pid, exc)
            info = None
        try:
            version, raw = libproc.pid_rusage(pid)
            usage: decode.Usage | None = decode.rusage(version, raw, tb)
        except (AccessDenied, ParseError) as exc:
            log.debug("proc_pid_rusage(%d): %s", pid, exc)
            usage = None
        try:
            basic = self._basic(proc)
        except psutil.NoSuchProcess as exc:
            raise NoSuchProcess(pid) from exc
        return decode.process(basic, info, task, usage)

    def process(self, pid: int) -> Process:
        """One process; NoSuchProcess if it is gone. Fields the caller may not read are ``None``."""
        import psutil

        try:
            proc = psutil.Process(pid)
        except psutil.NoSuchProcess as exc:
            raise NoSuchProcess(pid) from exc
        except psutil.AccessDenied as exc:
            raise AccessDenied(f"process {pid}: {exc}") from exc
        return self._build(proc)

    def processes(self) -> tuple[Process, ...]:
        """Every process, sorted by pid (another user's with ``None`` where macOS refuses)."""
        import psutil

        result = []
        for pid in sorted(psutil.pids()):
            try:
                result.append(self.process(pid))
            except (NoSuchProcess, AccessDenied):
                continue
            except (ParseError, OSError, DarwinMetricsError) as exc:
                log.debug("skipping process %d: %s", pid, exc)
        return tuple(result)

    def threads(self, pid: int) -> tuple[Thread, ...]:
        """The threads of ``pid`` (ids from PROC_PIDLISTTHREADIDS; handles on older kernels)."""
        task = decode.task_info(libproc.task_info(pid), self.timebase())
        by_id, ids = libproc.thread_ids(pid, task.threads)
        threads = []
        for tid in ids:
            raw = libproc.thread_info(pid, tid, by_id=by_id)
            if raw is not None:
                threads.append(decode.thread(tid, raw))
        return tuple(threads)
