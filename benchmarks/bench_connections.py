"""connections("all") with owning pids against psutil.net_connections("all"), side by side.

Spawns 0, 200 and 1000 extra idle processes (``sleep`` with /dev/null as stdin, stdout and
stderr, so each holds three descriptors), warms both up, then alternates the two calls and prints
the medians of ``--runs`` timings and their ratio (and the ratio of median CPU times, which other
load on the machine hardly moves). Target: at most 0.5 at 1000 extra processes.
The idle processes are killed and reaped on exit (see ``_support.idle_processes``).

    python benchmarks/bench_connections.py [--runs 15] [--levels 0,200,1000]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from _support import alternate_with_cpu, idle_processes, table

TARGET = 0.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="connections('all') against psutil")
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

    print(
        f"connections('all', pids=True) vs psutil.net_connections('all'), "
        f"median of {args.runs} alternated runs"
    )
    rows = []
    at_1000: float | None = None
    for level in (int(x) for x in args.levels.split(",")):
        with idle_processes(level):
            (a, b), (cpu_a, cpu_b) = alternate_with_cpu([ours, theirs], args.runs)
            sockets = len(ours())
        ratio = a / b if b else float("nan")
        if level == 1000:
            at_1000 = ratio
        rows.append(
            (
                level,
                sockets,
                f"{a * 1000:.2f}",
                f"{b * 1000:.2f}",
                f"{ratio:.2f}",
                f"{cpu_a / cpu_b:.2f}" if cpu_b else "nan",
            )
        )
    print(table(["extra procs", "sockets", "ours ms", "psutil ms", "ratio", "cpu ratio"], rows))
    if at_1000 is not None:
        verdict = "meets" if at_1000 <= TARGET else "MISSES"
        print(f"target: ratio <= {TARGET:.2f} at 1000 extra processes -> {verdict} ({at_1000:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
