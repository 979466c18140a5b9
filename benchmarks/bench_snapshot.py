"""darwin_metrics.snapshot(processes=False) against psutil's equivalent calls, side by side.

psutil's side: cpu_times(percpu=True), cpu_freq(percpu=True), cpu_count() twice, getloadavg(),
cpu_stats(), virtual_memory(), swap_memory(), disk_io_counters(perdisk=True), disk_partitions()
with disk_usage() for each, net_io_counters(pernic=True), net_if_addrs(), net_if_stats() and
boot_time(). Target: snapshot() at most psutil's time.

snapshot() holds every family the backend has, and later work adds families psutil has no
counterpart for (sensors, GPUs, connections, ...). So the script also times the five families
that the psutil calls cover (cpu, memory, disks, volumes, interfaces) and each family alone. A
family that is not there yet, or not supported here, shows as n/a.

    python benchmarks/bench_snapshot.py [--runs 30]
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable
from typing import Any

import psutil
from _support import alternate, table

from darwin_metrics.backend import default_backend
from darwin_metrics.collect import FAMILIES, take_snapshot
from darwin_metrics.errors import DarwinMetricsError

CORE = ("cpu", "memory", "disks", "volumes", "interfaces")


def _volumes() -> list[Any]:
    found: list[Any] = []
    for part in psutil.disk_partitions():
        with contextlib.suppress(OSError):
            found.append(psutil.disk_usage(part.mountpoint))
    return found


#: psutil's calls, grouped by the darwin-metrics family that answers the same questions.
PSUTIL_BY_FAMILY: dict[str, Callable[[], Any]] = {
    "cpu": lambda: (
        psutil.cpu_times(percpu=True),
        psutil.cpu_freq(percpu=True),
        psutil.cpu_count(),
        psutil.cpu_count(logical=False),
        psutil.getloadavg(),
        psutil.cpu_stats(),
        psutil.boot_time(),
    ),
    "memory": lambda: (psutil.virtual_memory(), psutil.swap_memory()),
    "disks": lambda: psutil.disk_io_counters(perdisk=True),
    "volumes": _volumes,
    "interfaces": lambda: (
        psutil.net_io_counters(pernic=True),
        psutil.net_if_addrs(),
        psutil.net_if_stats(),
    ),
}


def psutil_equivalent() -> list[Any]:
    return [call() for call in PSUTIL_BY_FAMILY.values()]


def _works(call: Callable[[], Any]) -> bool:
    try:
        call()
    except (DarwinMetricsError, OSError, AttributeError, ImportError):
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs (>= 10)")
    args = parser.parse_args(argv)
    runs = max(args.runs, 10)
    backend = default_backend()
    families = dict(FAMILIES)

    def family(name: str) -> Callable[[], Any]:
        read = families[name]
        return lambda: read(backend)

    core = [family(n) for n in CORE if n in families and _works(family(n))]
    missing = [n for n in CORE if n not in families or not _works(family(n))]

    def core_families() -> None:
        for read in core:
            read()

    def ours() -> object:
        # What darwin_metrics.snapshot(processes=False) runs, on the same backend as the rest.
        return take_snapshot(backend, include_processes=False)

    t_snap, t_core, t_ps = alternate([ours, core_families, psutil_equivalent], runs)
    print(f"snapshot(processes=False): median of {runs} runs after warm-up")
    rows = [
        ["snapshot(processes=False)", f"{t_snap * 1e3:.2f}", f"{t_snap / t_ps:.2f}"],
        [
            "the 5 families psutil covers"
            + (f" (missing: {', '.join(missing)})" if missing else ""),
            f"{t_core * 1e3:.2f}",
            f"{t_core / t_ps:.2f}",
        ],
        ["psutil equivalent calls", f"{t_ps * 1e3:.2f}", "1.00"],
    ]
    print(table(["what", "ms", "vs psutil"], rows))

    print("\nper family (median ms; psutil: its calls for the same data):")
    per = []
    for name, _ in FAMILIES:
        if name == "processes":
            continue
        call = family(name)
        if not _works(call):
            per.append([name, "n/a", "", ""])
            continue
        if name in PSUTIL_BY_FAMILY:
            t, t_other = alternate([call, PSUTIL_BY_FAMILY[name]], runs, warmup=2)
            per.append([name, f"{t * 1e3:.3f}", f"{t_other * 1e3:.3f}", f"{t / t_other:.2f}"])
        else:
            (t,) = alternate([call], runs, warmup=2)
            per.append([name, f"{t * 1e3:.3f}", "-", "-"])
    print(table(["family", "ours ms", "psutil ms", "ratio"], per))
    verdict = "met" if t_snap <= t_ps else "NOT met"
    core_verdict = "met" if t_core <= t_ps else "NOT met"
    print(f"target: snapshot <= psutil: {verdict} (the 5 comparable families: {core_verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
