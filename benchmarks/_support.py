"""Helpers shared by the benchmark scripts: idle child processes and alternating timings."""

from __future__ import annotations

import signal
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def idle_processes(count: int, seconds: int = 600) -> Iterator[list[int]]:
    """``count`` idle ``sleep`` children for the duration of the block; yields their pids.

    They are killed and reaped on the way out, also on Ctrl-C or SIGTERM (turned into
    KeyboardInterrupt for the block's duration). ``sleep`` ends by itself after ``seconds``, so
    even a SIGKILLed benchmark leaves nothing behind for long.
    """
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    children: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            children.append(
                subprocess.Popen(
                    ["sleep", str(seconds)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield [c.pid for c in children]
    finally:
        for child in children:
            child.kill()
        for child in children:
            child.wait()
        signal.signal(signal.SIGTERM, previous)


def alternate(calls: Sequence[Callable[[], Any]], runs: int, warmup: int = 3) -> list[float]:
    """Median seconds of each call, timed in turn ``runs`` times after ``warmup`` rounds.

    Alternating the calls spreads any drift of the machine (other load, caches) over all of them.
    """
    for _ in range(warmup):
        for call in calls:
            call()
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for i, call in enumerate(calls):
            start = time.perf_counter()
            call()
            samples[i].append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


def alternate_with_cpu(
    calls: Sequence[Callable[[], Any]], runs: int, warmup: int = 3
) -> tuple[list[float], list[float]]:
    """Like :func:`alternate`, also giving the median CPU seconds of each call (this process, all
    its threads: ``time.process_time``). CPU time is what the call itself costs; unlike the wall
    time, it hardly changes when other programs compete for the CPUs, so its ratios reproduce on
    a shared machine."""
    for _ in range(warmup):
        for call in calls:
            call()
    wall: list[list[float]] = [[] for _ in calls]
    cpu: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for i, call in enumerate(calls):
            start_cpu = time.process_time()
            start = time.perf_counter()
            call()
            wall[i].append(time.perf_counter() - start)
            cpu[i].append(time.process_time() - start_cpu)
    return [statistics.median(s) for s in wall], [statistics.median(s) for s in cpu]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table with right-aligned columns."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
