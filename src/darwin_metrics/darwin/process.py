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
process CPU times, memory and the thread count are ``None`` while the psutil basics (name, user,
ppid, command line where allowed) are still reported.

Zombies have no task either: ``proc_pidinfo(PROC_PIDTASKINFO)`` answers ESRCH for a pid that
still exists, and psutil raises ``ZombieProcess``. They are listed from ``kinfo_proc``
(``p_stat == SZOMB``) with status ``zombie`` and the task fields ``None``.

Energy: ``ri_energy_nj`` is accumulated on Apple Silicon only; on Intel Macs the kernel leaves it
at 0, so ``energy_joules`` is ``None`` there rather than a made-up 0 J.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from darwin_metrics.darwin.cpu import read_architecture
from darwin_metrics.darwin.decode import process as decode
from darwin_metrics.darwin.decode.common import integer
from darwin_metrics.darwin.ffi import libc, libproc
from darwin_metrics.darwin.ffi.constants import SZOMB
from darwin_metrics.errors import AccessDenied, DarwinMetricsError, NoSuchProcess, ParseError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.process import Process, Thread

if TYPE_CHECKING:
    import psutil

log = get_logger(__name__)


class ProcessReader:
    """Reads processes; remembers the timebase (``hw.tbfrequency``) after the first read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timebase: int | None = None
        self._energy_counted: bool | None = None

    def energy_counted(self) -> bool:
        """Whether the kernel accumulates per-process energy: Apple Silicon (also seen from a
        process under Rosetta), not Intel."""
        if self._energy_counted is None:
            arm64 = read_architecture() == "arm64"
            with self._lock:
                self._energy_counted = arm64
        return self._energy_counted

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
            except (psutil.AccessDenied, psutil.ZombieProcess, OSError):
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

    def _native(
        self, pid: int
    ) -> tuple[decode.Kinfo | None, decode.TaskInfo | None, decode.Usage | None]:
        """``kinfo_proc``, the task record and the resource usage of ``pid``.

        NoSuchProcess only when the pid is gone; a zombie (no task, ``p_stat == SZOMB``) gives
        ``(info, None, None)``.
        """
        tb = self.timebase()
        try:
            info: decode.Kinfo | None = decode.kinfo(libproc.kinfo_proc(pid))
        except ParseError as exc:
            log.debug("kinfo_proc(%d): %s", pid, exc)
            info = None
        if info is not None and info.stat == SZOMB:
            return info, None, None
        try:
            task: decode.TaskInfo | None = decode.task_info(libproc.task_info(pid), tb)
        except NoSuchProcess:
            # ESRCH for a zombie as for a pid that is gone: kinfo_proc tells them apart (and
            # raises NoSuchProcess itself when the pid is gone).
            info = decode.kinfo(libproc.kinfo_proc(pid))
            if info.stat != SZOMB:
                raise
            return info, None, None
        except (AccessDenied, OSError) as exc:
            log.debug("proc_pidinfo(%d, PROC_PIDTASKINFO): %s", pid, exc)
            task = None
        try:
            version, raw = libproc.pid_rusage(pid)
            usage: decode.Usage | None = decode.rusage(
                version, raw, tb, energy_counted=self.energy_counted()
            )
        except (AccessDenied, ParseError, NoSuchProcess, OSError) as exc:
            log.debug("proc_pid_rusage(%d): %s", pid, exc)
            usage = None
        return info, task, usage

    def _build(self, proc: psutil.Process | None, pid: int) -> Process:
        import psutil

        info, task, usage = self._native(pid)
        zombie = info is not None and info.stat == SZOMB
        basic: dict[str, Any] = {"pid": pid}
        if proc is not None:
            try:
                basic = self._basic(proc)
            except psutil.ZombieProcess:
                zombie = True
            except psutil.NoSuchProcess as exc:
                raise NoSuchProcess(pid) from exc
        if zombie:
            basic["status"] = "zombie"
        return decode.process(basic, info, task, usage)

    def process(self, pid: int) -> Process:
        """One process; NoSuchProcess if it is gone. Fields the caller may not read are ``None``."""
        import psutil

        try:
            proc: psutil.Process | None = psutil.Process(pid)
        except psutil.ZombieProcess:
            proc = None
        except psutil.NoSuchProcess as exc:
            raise NoSuchProcess(pid) from exc
        except psutil.AccessDenied as exc:
            raise AccessDenied(f"process {pid}: {exc}") from exc
        return self._build(proc, pid)

    def processes(self, fields: frozenset[str] | None = None) -> tuple[Process, ...]:
        """Every process, sorted by pid (another user's with ``None`` where macOS refuses).

        ``fields`` (see :mod:`darwin_metrics.procfields`): every record is read whole here (the
        calls that give the fields overlap), then the fields not asked for are set to ``None``,
        so the records have the same shape as on Linux.
        """
        import psutil

        from darwin_metrics.procfields import only_fields

        result = []
        for pid in sorted(psutil.pids()):
            try:
                result.append(self.process(pid))
            except (NoSuchProcess, AccessDenied):
                continue
            except (ParseError, OSError, DarwinMetricsError) as exc:
                log.debug("skipping process %d: %s", pid, exc)
        return only_fields(result, fields)

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
