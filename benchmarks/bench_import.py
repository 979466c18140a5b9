"""How long ``import darwin_metrics`` takes in a fresh interpreter. Target: under 50 ms.

Two measures, each the median of ``--runs`` fresh interpreters: the cumulative time Python's own
``-X importtime`` reports for the ``darwin_metrics`` package, and the wall time of
``python -c "import darwin_metrics"`` minus that of ``python -c pass``. Also shown, for
information: the first call of ``processes()`` and ``snapshot(processes=False)`` including the
lazy imports they trigger.

    python benchmarks/bench_import.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from _support import table

TARGET_MS = 50.0


def _importtime_us() -> int:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import darwin_metrics"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    for line in out.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "darwin_metrics":
            return int(parts[1])
    raise RuntimeError("darwin_metrics not in -X importtime output")


def _wall(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def _first_call(code: str) -> float:
    script = (
        "import time; t = time.perf_counter(); import darwin_metrics as dm; "
        f"{code}; print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    runs = max(args.runs, 5)
    _importtime_us()  # warm the file system cache and bytecode
    cumulative = statistics.median(_importtime_us() for _ in range(runs)) / 1000
    wall = statistics.median(_wall("import darwin_metrics") for _ in range(runs))
    bare = statistics.median(_wall("pass") for _ in range(runs))
    processes = statistics.median(_first_call("dm.processes()") for _ in range(runs))
    snap = statistics.median(_first_call("dm.snapshot(processes=False)") for _ in range(runs))
    print(f"import darwin_metrics: median of {runs} fresh interpreters")
    print(
        table(
            ["measure", "ms"],
            [
                ["-X importtime, cumulative", f"{cumulative:.1f}"],
                ["wall time minus bare interpreter", f"{(wall - bare) * 1e3:.1f}"],
                ["import + first processes()", f"{processes * 1e3:.1f}"],
                ["import + first snapshot(processes=False)", f"{snap * 1e3:.1f}"],
            ],
        )
    )
    verdict = "met" if cumulative < TARGET_MS else "NOT met"
    print(f"target: import under {TARGET_MS:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
