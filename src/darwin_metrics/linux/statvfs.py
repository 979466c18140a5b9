"""``statvfs`` that never hangs the caller.

``statvfs`` on a dead NFS server or a wedged FUSE daemon blocks in the kernel, possibly for ever.
:class:`StatvfsGuard` runs the calls on a daemon worker thread and waits at most ``timeout`` seconds
for each. A mount point whose call did not finish in time is remembered as *stuck*: later calls for
it return ``None`` at once, without queueing behind the blocked thread, until the blocked call
finally returns (then the mount point is tried again). The blocked worker is abandoned and a fresh one
serves the other mount points. Worker threads are daemons, so a stuck call never delays interpreter
exit; and the process-wide guard makes each call in a helper process
(:mod:`darwin_metrics.linux.statvfs_helper`), because a thread stuck uninterruptibly in the kernel
would hold the process's exit and its standard output open.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable

import msgspec

#: Seconds to wait for one ``statvfs`` before calling its mount point stuck.
DEFAULT_TIMEOUT = 1.0

StatvfsFunc = Callable[[str], os.statvfs_result]


class _Job(msgspec.Struct, eq=False):
    path: str
    done: threading.Event = msgspec.field(default_factory=threading.Event)
    started: bool = False
    result: os.statvfs_result | None = None
    error: OSError | None = None


class _Worker:
    """One daemon thread serving jobs from its own queue until it is abandoned and idle."""

    def __init__(self, guard: StatvfsGuard) -> None:
        self.jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.abandoned = False
        self._guard = guard
        thread = threading.Thread(target=self._run, name="darwin-metrics-statvfs", daemon=True)
        thread.start()

    def _run(self) -> None:
        while True:
            try:
                job = self.jobs.get(timeout=None if not self.abandoned else 0)
            except queue.Empty:
                return
            job.started = True
            try:
                job.result = self._guard.func(job.path)
            except OSError as exc:
                job.error = exc
            finally:
                job.done.set()
                self._guard._finished(job)


class StatvfsGuard:
    """Calls ``func`` (``os.statvfs``) with a per-call timeout, skipping stuck mount points."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, func: StatvfsFunc = os.statvfs) -> None:
        self.timeout = timeout
        self.func = func
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._stuck: set[str] = set()

    @property
    def stuck(self) -> frozenset[str]:
        """Mount points whose last call has not returned."""
        with self._lock:
            return frozenset(self._stuck)

    def _finished(self, job: _Job) -> None:
        with self._lock:
            self._stuck.discard(job.path)

    def statvfs(self, path: str, timeout: float | None = None) -> os.statvfs_result | None:
        """``statvfs(path)``; ``None`` if it fails (OSError) or does not answer within the timeout."""
        job = _Job(path)
        with self._lock:
            if path in self._stuck:
                return None
            if self._worker is None:
                self._worker = _Worker(self)
            worker = self._worker
            worker.jobs.put(job)
        if not job.done.wait(self.timeout if timeout is None else timeout):
            with self._lock:
                if job.started and not job.done.is_set():
                    # The worker is blocked inside this call: remember the mount point and give
                    # the other callers a fresh worker.
                    self._stuck.add(path)
                    worker.abandoned = True
                    if self._worker is worker:
                        self._worker = None
            return None
        if job.error is not None:
            return None
        return job.result


#: Process-wide on purpose, unlike the backends' memos (docs/api-conventions.md): a call stuck in
#: the kernel is stuck for every backend of this process.
_default: StatvfsGuard | None = None
_default_lock = threading.Lock()


def _forget_after_fork() -> None:
    # A forked child has none of the parent's threads: a guard made before the fork would wait
    # for workers that do not exist. The child makes its own on first use.
    global _default, _default_lock
    _default = None
    _default_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def any_stuck() -> bool:
    """Whether a call of the process-wide guard is still blocked in the kernel (the CLI then
    ends with ``os._exit`` after its output, so that the blocked thread cannot hold the exit)."""
    guard = _default
    return guard is not None and bool(guard.stuck)


def default_guard() -> StatvfsGuard:
    """The process-wide guard used by :func:`darwin_metrics.volumes`."""
    global _default
    with _default_lock:
        if _default is None:
            from darwin_metrics.linux.statvfs_helper import statvfs_in_helper

            _default = StatvfsGuard(func=statvfs_in_helper)
        return _default
