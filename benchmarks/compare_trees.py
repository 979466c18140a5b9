"""Two source trees of darwin-metrics side by side: CPU time per call of the Linux families.

For a change that must keep the speed (a refactor of the collectors' caches, say): one long-lived
process per tree (``PYTHONPATH=<tree>``), each holding one live ``LinuxBackend``, both warmed up;
then, family by family, the two processes run a batch of calls in turn (the order flips every
round), and each reports the CPU time of its batch (``time.process_time``). Alternating batches
spreads the drift of a shared machine over both trees; CPU time moves least with other load.

    python benchmarks/compare_trees.py --base /tmp/main/src --new src [--rounds 21]
        [--captured node_exporter]

``--base`` and ``--new`` are the directories that hold the ``darwin_metrics`` package (the
``src`` of a checkout, or of ``git archive``). Prints, per family, each tree's median
microseconds per call and the median and quartiles of the per-round ratio new/base. ``scrape``
is one read of the exporter's default collectors (``SnapshotCollector.collect()``), where
prometheus-client is installed. ``--captured NAME`` reads a captured tree of
``../shared/fixtures/linux`` (``node_exporter`` or ``procfs``, laid out as the golden test lays
them out) instead of this machine: for collectors this machine has nothing for (hwmon chips).
Run from the repository root. Not part of ``make bench`` (it needs two trees).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

#: Family → calls per batch (so that one batch takes some milliseconds).
FAMILIES = {
    "cpu": 100,
    "memory": 100,
    "disks": 300,
    "volumes": 300,
    "interfaces": 100,
    "temperatures": 100,
    "fans": 100,
    "power": 100,
    "snapshot": 5,
    "scrape": 5,
}


def child(procfs: str, sysfs: str) -> None:
    """Serve ``<family> <calls>`` lines from stdin: answer the CPU µs per call of a batch."""
    from darwin_metrics.collect import take_snapshot
    from darwin_metrics.linux.backend import LinuxBackend

    backend = LinuxBackend(procfs=procfs, sysfs=sysfs)
    calls: dict[str, Any] = {
        "cpu": backend.cpu,
        "memory": backend.memory,
        "disks": backend.disks,
        "volumes": backend.volumes,
        "interfaces": backend.interfaces,
        "temperatures": backend.temperatures,
        "fans": backend.fans,
        "power": backend.power,
        "snapshot": lambda: take_snapshot(backend, include_processes=False),
    }
    try:
        from darwin_metrics.export.collector import SnapshotCollector
    except ImportError:  # no prometheus extra: no scrape figures
        pass
    else:
        collector = SnapshotCollector(backend)
        calls["scrape"] = lambda: list(collector.collect())
    print(" ".join(calls), flush=True)
    for call in calls.values():
        for _ in range(5):
            call()
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
    parser.add_argument("--captured", choices=("node_exporter", "procfs"), help="a captured tree")
    args = parser.parse_args(argv)
    trees = {"base": os.path.abspath(args.base), "new": os.path.abspath(args.new)}
    with tempfile.TemporaryDirectory() as tmp:
        roots = ("/proc", "/sys") if args.captured is None else _lay_out(args.captured, tmp)
        return _compare(trees, roots, args.rounds)


def _lay_out(name: str, tmp: str) -> tuple[str, str]:
    sys.path.insert(0, os.getcwd())
    from tests.conftest import LINUX_FIXTURES
    from tests.golden import TREES, lay_out

    if not (LINUX_FIXTURES / TREES[name]).exists():
        raise SystemExit(f"captured tree not found under {LINUX_FIXTURES}")
    proc, sys_root = lay_out(name, LINUX_FIXTURES, Path(tmp))
    return str(proc), str(sys_root)


def _compare(trees: dict[str, str], roots: tuple[str, str], rounds: int) -> int:
    """Start one child per tree on ``roots`` and print the families' figures."""
    procs: dict[str, subprocess.Popen[str]] = {}
    families: set[str] = set(FAMILIES)
    try:
        for name, path in trees.items():
            env = dict(os.environ, PYTHONPATH=path)
            proc = subprocess.Popen(
                [sys.executable, __file__, "--child", *roots],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            procs[name] = proc
            assert proc.stdout is not None
            ready = proc.stdout.readline().split()
            if not ready:
                print(f"the {name} tree ({path}) did not start", file=sys.stderr)
                return 1
            families &= set(ready)
        print(f"roots {roots[0]} {roots[1]}")
        print(f"load average {os.getloadavg()[0]:.2f}; {rounds} rounds per family")
        print(f"{'family':12s} {'base us':>9s} {'new us':>9s}  new/base median (quartiles)")
        for family, count in FAMILIES.items():
            if family not in families:
                continue
            times: dict[str, list[float]] = {"base": [], "new": []}
            ratios = []
            for r in range(rounds):
                order = ("base", "new") if r % 2 == 0 else ("new", "base")
                got = {name: _ask(procs[name], f"{family} {count}") for name in order}
                for name, value in got.items():
                    times[name].append(value)
                ratios.append(got["new"] / got["base"])
            low, _, high = statistics.quantiles(ratios, n=4)
            print(
                f"{family:12s} {statistics.median(times['base']):9.1f} "
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
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:4])
    else:
        sys.exit(main())
