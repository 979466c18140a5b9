"""Pure helpers for CPU thermal-throttle counters (``cpuN/thermal_throttle/*``).

The kernel copies a package's counters into every logical CPU of the package, and a core's into
each of its SMT siblings. :func:`deduplicate` keeps one value per package and per
``(package, core)``, the first CPU that has it winning (as node_exporter does).
"""

from __future__ import annotations

import msgspec

from darwin_metrics.records.thermal import CoreThrottle, PackageThrottle


class CPUThrottleReading(msgspec.Struct, frozen=True):
    """What one logical CPU reports. Counts are events; times are milliseconds as the kernel gives.

    ``None`` marks an attribute the CPU does not have (or could not be read).
    """

    cpu: int
    package: int
    core: int
    core_count: int | None = None
    core_total_ms: int | None = None
    core_max_ms: int | None = None
    package_count: int | None = None
    package_total_ms: int | None = None
    package_max_ms: int | None = None


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000.0


def deduplicate(
    readings: list[CPUThrottleReading],
) -> tuple[tuple[PackageThrottle, ...], tuple[CoreThrottle, ...]]:
    """One :class:`PackageThrottle` per package and one :class:`CoreThrottle` per physical core,
    each sorted by id, with the logical CPUs that share it."""
    packages: dict[int, CPUThrottleReading] = {}
    package_cpus: dict[int, list[int]] = {}
    cores: dict[tuple[int, int], CPUThrottleReading] = {}
    core_cpus: dict[tuple[int, int], list[int]] = {}
    for r in sorted(readings, key=lambda r: r.cpu):
        if r.package_count is not None:
            packages.setdefault(r.package, r)
            package_cpus.setdefault(r.package, []).append(r.cpu)
        if r.core_count is not None:
            key = (r.package, r.core)
            cores.setdefault(key, r)
            core_cpus.setdefault(key, []).append(r.cpu)
    package_records = tuple(
        PackageThrottle(
            package=pkg,
            count=r.package_count or 0,
            total_time=_seconds(r.package_total_ms),
            max_time=_seconds(r.package_max_ms),
            cpus=tuple(package_cpus[pkg]),
        )
        for pkg, r in sorted(packages.items())
    )
    core_records = tuple(
        CoreThrottle(
            package=key[0],
            core=key[1],
            count=r.core_count or 0,
            total_time=_seconds(r.core_total_ms),
            max_time=_seconds(r.core_max_ms),
            cpus=tuple(core_cpus[key]),
        )
        for key, r in sorted(cores.items())
    )
    return package_records, core_records
