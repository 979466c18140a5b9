"""Run every ``benchmarks/bench_*.py`` in turn with this interpreter and print what each reports.

    python benchmarks/run_all.py [--only processes,snapshot]

Each script runs in its own process (so one cannot warm caches for the next) and prints its own
medians, ratios and target verdicts. The exit status is non-zero when a script fails to run; a
missed target is reported in the output, not as a failure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmarks/bench_*.py.")
    parser.add_argument("--only", default="", help="comma-separated names, e.g. processes,import")
    args = parser.parse_args(argv)
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    scripts = sorted(HERE.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    failed: list[str] = []
    for script in scripts:
        print(f"=== {script.name}", flush=True)
        start = time.monotonic()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.name}: exit {code}, {time.monotonic() - start:.0f} s\n", flush=True)
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    print(f"ran {len(scripts)} benchmark(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
