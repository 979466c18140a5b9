"""Two source trees of darwin-metrics side by side: CPU time per call of the Linux families.

For a change that must keep the speed (a refactor of the collectors' caches, say): one long-lived
process per tree (``PYTHONPATH=<tree>``), each holding one live ``LinuxBackend``, both warmed up;
then, family by family, the two processes run a batch of calls in turn (the order flips every
round), and each reports the CPU time of its batch (``time.process_time``). Alternating batches
spreads the drift of a shared machine over both trees; CPU time moves least with other load.

    python benchmarks/compare_trees.py --base /tmp/main/src --new src [--rounds 21]

``--base`` and ``--new`` are the directories that hold the ``darwin_metrics`` package (the
``src`` of a checkout, or of ``git archive``). Prints, per family, each tree's median
microseconds per call and the median and quartiles of the per-round ratio new/base. Not part of
``make bench`` (it needs two trees).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import IO, Any

#: Family → calls per batch (so that one batch takes some milliseconds).
FAMILIES = {
    "cpu": 100,
    "memory": 100,
    "disks": 300,
    "volumes": 300,
    "interfaces": 100,
    "snapshot": 5,
}


def child() -> None:
    """Serve ``<family> <calls>`` lines from stdin: answer the CPU µs per call of a batch."""
    from darwin_metrics.collect import take_snapshot
    from darwin_metrics.linux.backend import LinuxBackend

    backend = LinuxBackend(procfs="/proc", sysfs="/sys")
    calls: dict[str, Any] = {
        "cpu": backend.cpu,
        "memory": backend.memory,
        "disks": backend.disks,
        "volumes": backend.volumes,
        "interfaces": backend.interfaces,
        "snapshot": lambda: take_snapshot(backend, include_processes=False),
    }
    for call in calls.values():
        for _ in range(5):
            call()
    print("ready", flush=True)
    for line in sys.stdin:
        name, count = line.split()
        call, n = calls[name], int(count)
        start = time.process_time()
        for _ in range(n):
            call()
        print((time.process_time() - start) / n * 1e6, flush=True)


def _ask(proc: subprocess.Popen[str], request: str) -> float:
    stdin: IO[str] | None = proc.stdin
    stdout: IO[str] | None = proc.stdout
    assert stdin is not None and stdout is not None
    stdin.write(request + "\n")
    stdin.flush()
    return float(stdout.readline())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="directory holding the base darwin_metrics")
    parser.add_argument("--new", required=True, help="directory holding the new darwin_metrics")
    parser.add_argument("--rounds", type=int, default=21, help="batches per family and tree")
    args = parser.parse_args(argv)
    trees = {"base": os.path.abspath(args.base), "new": os.path.abspath(args.new)}
    procs: dict[str, subprocess.Popen[str]] = {}
    try:
        for name, path in trees.items():
            env = dict(os.environ, PYTHONPATH=path)
            proc = subprocess.Popen(
                [sys.executable, __file__, "--child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            procs[name] = proc
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                print(f"the {name} tree ({path}) did not start", file=sys.stderr)
                return 1
        print(f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds per family")
        print(f"{'family':11s} {'base us':>9s} {'new us':>9s}  new/base median (quartiles)")
        for family, count in FAMILIES.items():
            times: dict[str, list[float]] = {"base": [], "new": []}
            ratios = []
            for r in range(args.rounds):
                order = ("base", "new") if r % 2 == 0 else ("new", "base")
                got = {name: _ask(procs[name], f"{family} {count}") for name in order}
                for name, value in got.items():
                    times[name].append(value)
                ratios.append(got["new"] / got["base"])
            low, _, high = statistics.quantiles(ratios, n=4)
            print(
                f"{family:11s} {statistics.median(times['base']):9.1f} "
                f"{statistics.median(times['new']):9.1f}  "
                f"{statistics.median(ratios):.3f} ({low:.3f}-{high:.3f})"
            )
        print(f"load average {os.getloadavg()[0]:.2f}")
    finally:
        for proc in procs.values():
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        child()
    else:
        sys.exit(main())
