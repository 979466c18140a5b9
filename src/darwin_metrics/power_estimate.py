"""Estimated per-process share of CPU package power (pure, platform-independent).

The hardware measures power per package, not per process. Over one sampling interval, a process's
*estimated* share is its CPU time divided by all CPU time used in the interval (user, system, irq,
steal... across every logical CPU), and its *estimated* watts are that share of the measured package
power. Frequency, core type and idle states make real costs differ, hence the names.
"""

from __future__ import annotations

from collections.abc import Iterable

from darwin_metrics.records.power import ProcessPowerEstimate


def estimate_process_power(
    processes: Iterable[tuple[int, str, float]],
    *,
    system_busy_percent: float,
    logical_count: int,
    package_watts: float | None,
) -> tuple[ProcessPowerEstimate, ...]:
    """Estimates for ``processes`` given as ``(pid, name, cpu_percent)``.

    ``cpu_percent`` is percent of one CPU (top-style, can exceed 100); ``system_busy_percent`` is
    the busy share of all CPUs together (0-100). Results are sorted by share, largest first;
    processes that used no CPU are left out.
    """
    busy_cpus = system_busy_percent / 100.0 * logical_count
    if busy_cpus <= 0:
        return ()
    estimates = []
    for pid, name, cpu_percent in processes:
        if cpu_percent <= 0:
            continue
        share = min(cpu_percent / 100.0 / busy_cpus, 1.0)
        estimates.append(
            ProcessPowerEstimate(
                pid=pid,
                name=name,
                estimated_share_percent=100.0 * share,
                estimated_watts=None if package_watts is None else share * package_watts,
            )
        )
    estimates.sort(key=lambda e: e.estimated_share_percent, reverse=True)
    return tuple(estimates)
