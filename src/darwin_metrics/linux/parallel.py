"""Reading a long list of per-process files with several threads.

Reading ``/proc/PID/*`` is mostly system calls, which release the GIL: with one thread per CPU
(at most :data:`MAX_THREADS`), the kernel's work for one process overlaps the Python work for
another. Items are split into contiguous runs, one per thread, and the results come back in the
order of the runs, so a caller that concatenates them gets what a single reader would have.
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


def _helpers() -> tuple[ThreadPoolExecutor | None, int]:
    """The shared pool of helper threads and its size; none where this process has one CPU."""
    global _pool
    helpers = min(MAX_THREADS, len(os.sched_getaffinity(0))) - 1
    if helpers < 1:
        return None, 0
    with _pool_lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(helpers, thread_name_prefix="darwin-metrics-proc")
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
