"""Reading a long list of per-process files with several threads.

Reading ``/proc/PID/*`` is mostly system calls, which release the GIL: with one thread per CPU
(at most :data:`MAX_THREADS`), the kernel's work for one process overlaps the Python work for
another. Items are split into contiguous runs, one per thread, and the results come back in the
order of the runs, so a caller that concatenates them gets what a single reader would have.

Threads only pay while there are idle CPUs to run them: when the machine's CPUs are all busy, the
extra threads just take turns with the GIL and the caller's work costs more CPU time. Measured on
the project's 2-vCPU VM with a load average of 15 and 1000 extra processes: ``processes()`` with
every record rebuilt took 98-110 ms with two threads against 77-80 ms with one, and
``connections("all")`` with owners 31-32 ms against 21 ms. So no helper thread is used unless
that many CPUs are idle at the moment of the call, going by the number of runnable tasks in
``/proc/loadavg`` (``running/total``: every CPU of the machine, the caller included).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    # Imported when a pool is first made: concurrent.futures brings logging with it.
    from concurrent.futures import ThreadPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

#: Lists shorter than this are read by the calling thread alone (threads cost more than they save).
PARALLEL_MIN = 256
#: At most this many threads read together, the caller's included.
MAX_THREADS = 4

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def idle_cpus() -> int:
    """CPUs of the machine with nothing to run now: all of them less the runnable tasks other
    than the caller, from ``/proc/loadavg``; every CPU where that file cannot be read."""
    cpus = os.cpu_count() or 1
    try:
        fd = os.open("/proc/loadavg", os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = os.read(fd, 256)
        finally:
            os.close(fd)
        running = int(data.split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return cpus
    return max(0, cpus - max(running - 1, 0))


def _helpers() -> tuple[ThreadPoolExecutor | None, int]:
    """The shared pool of helper threads and how many to use now: one per CPU of this process
    beyond the caller's (at most :data:`MAX_THREADS` in all), and no more than CPUs are idle."""
    global _pool
    most = min(MAX_THREADS, len(os.sched_getaffinity(0))) - 1
    if most < 1:
        return None, 0
    helpers = min(most, idle_cpus())
    if helpers < 1:
        return None, 0
    with _pool_lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(most, thread_name_prefix="darwin-metrics-proc")
    return _pool, helpers


def map_runs(items: Sequence[T], read: Callable[[Sequence[T]], R]) -> list[R]:
    """``read`` of contiguous runs of ``items``, in order: one run per thread from
    :data:`PARALLEL_MIN` items on, else ``[read(items)]``. ``read`` must be safe to run in
    several threads at once. An exception from any run is raised here."""
    pool, helpers = _helpers() if len(items) >= PARALLEL_MIN else (None, 0)
    if pool is None:
        return [read(items)]
    size = -(-len(items) // (helpers + 1))
    runs = [items[i : i + size] for i in range(0, len(items), size)]
    futures = [pool.submit(read, run) for run in runs[1:]]
    first = read(runs[0])
    return [first, *(future.result() for future in futures)]
