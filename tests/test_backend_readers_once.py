"""A backend makes each of its stateful readers once, even when several threads ask at once.

Before, two threads' first calls could each make a reader and keep their own (the Linux process
reader's parent links then came from the other one: `known_parents()` answered ``{}``).
"""

from __future__ import annotations

import threading
import time

from darwin_metrics.darwin.backend import DarwinBackend
from darwin_metrics.linux.backend import LinuxBackend

THREADS = 8


def _all_at_once(call: object) -> list[object]:
    """``call()`` from :data:`THREADS` threads released together; what each got."""
    assert callable(call)
    start = threading.Barrier(THREADS)
    got: list[object] = []

    def run() -> None:
        start.wait()
        got.append(call())

    workers = [threading.Thread(target=run) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return got


def test_linux_process_reader_made_once() -> None:
    backend = LinuxBackend()
    readers = _all_at_once(backend._process_reader)
    assert len(readers) == THREADS
    assert all(reader is readers[0] for reader in readers)


def test_darwin_readers_made_once() -> None:
    backend = DarwinBackend()
    made: list[object] = []

    def slow_reader() -> object:
        time.sleep(0.01)  # long enough for every thread to find nothing made yet
        made.append(object())
        return made[-1]

    readers = _all_at_once(lambda: backend._made("_frequencies", slow_reader))
    assert len(made) == 1
    assert all(reader is made[0] for reader in readers)
