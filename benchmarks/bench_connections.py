"""connections("all") with owning pids against psutil.net_connections("all"), side by side.

Spawns 0, 200 and 1000 extra idle processes (``sleep`` with /dev/null as stdin/stdout/stderr,
so each holds three descriptors, like a typical idle daemon), warms both up, then alternates the
two calls and prints the medians of ``--runs`` timings and their ratio. Target: at most 0.5 at
1000 extra processes. The idle processes are killed and reaped on exit.

    python benchmarks/bench_connections.py [--runs 15] [--levels 0,200,1000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def idle_processes(count: int) -> Iterator[None]:
    """``count`` idle child processes for the duration of the block."""
    children: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            children.append(
                subprocess.Popen(
                    ["sleep", "3600"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield
    finally:
        for child in children:
            child.kill()
        for child in children:
            child.wait()


def _median_ms(fn: Callable[[], Any], runs: int, other: Callable[[], Any]) -> tuple[float, float]:
    """Median milliseconds of ``fn`` and ``other``, timed alternately so drift hits both."""
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        other()
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        theirs.append(t2 - t1)
    return statistics.median(ours) * 1000, statistics.median(theirs) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--levels", default="0,200,1000")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("bench_connections: Linux only")
        return 0
    import psutil

    import darwin_metrics as dm

    def ours() -> Any:
        return dm.connections("all", pids=True)

    def theirs() -> Any:
        return psutil.net_connections("all")

    print(f"connections('all', pids=True) vs psutil.net_connections('all'), median of {args.runs}")
    print(f"{'extra procs':>11} {'sockets':>8} {'ours ms':>9} {'psutil ms':>10} {'ratio':>6}")
    worst = 0.0
    for level in (int(x) for x in args.levels.split(",")):
        with idle_processes(level):
            for _ in range(3):  # warm-up: dentries, imports, page cache
                ours()
                theirs()
            a, b = _median_ms(ours, args.runs, theirs)
            sockets = len(ours())
        ratio = a / b if b else float("nan")
        if level == 1000:
            worst = ratio
        print(f"{level:>11} {sockets:>8} {a:>9.2f} {b:>10.2f} {ratio:>6.2f}")
    if worst:
        verdict = "meets" if worst <= 0.5 else "MISSES"
        print(f"target: ratio <= 0.50 at 1000 extra processes -> {verdict} ({worst:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
