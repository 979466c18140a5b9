"""Thermal throttling on Linux: CPU throttle counters, GPU clock-event reasons and a summary.

CPU: ``devices/system/cpu/cpuN/thermal_throttle/{core,package}_throttle_count`` and
``{core,package}_throttle_{total,max}_time_ms`` (x86 ``therm_throt``, Intel), de-duplicated by
``topology/physical_package_id`` and ``core_id``. GPU: the decoded NVIDIA clock-event reasons of
the GPU records. One reading, no state: whether the counters rose between two readings is a rate
(``Sample.rates.thermal``, :mod:`darwin_metrics.hwrates`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.hwmon import natural_key, read_value
from darwin_metrics.linux.parsers.numbers import numbered
from darwin_metrics.linux.parsers.sensors import parse_int
from darwin_metrics.linux.parsers.thermal import CPUThrottleReading, deduplicate
from darwin_metrics.records.gpu import THROTTLING_REASONS
from darwin_metrics.records.thermal import CoreThrottle, GPUThrottle, PackageThrottle, Thermal

if TYPE_CHECKING:
    from darwin_metrics.records.gpu import GPU


#: Supplies the GPU records whose clock-event reasons join the summary.
GPUSource = Callable[[], Iterable["GPU"]]


def _count(path: str) -> int | None:
    value = read_value(path, parse_int)
    return value if value is not None and value >= 0 else None


def read_cpu_throttle(
    roots: Roots,
) -> tuple[tuple[PackageThrottle, ...] | None, tuple[CoreThrottle, ...] | None]:
    """Per-package and per-core throttle counters; ``(None, None)`` where no CPU has them.

    A CPU without ``topology/physical_package_id`` or ``core_id`` is skipped (it cannot be
    de-duplicated).
    """
    base = roots.sys("devices", "system", "cpu")
    readings = []
    for entry in sorted(fs.listdir(base), key=natural_key):
        if numbered(entry, "cpu") is None:
            continue
        cpu_dir = os.path.join(base, entry)
        throttle = os.path.join(cpu_dir, "thermal_throttle")
        if not os.path.isdir(throttle):
            continue
        package = _count(os.path.join(cpu_dir, "topology", "physical_package_id"))
        core = _count(os.path.join(cpu_dir, "topology", "core_id"))
        if package is None or core is None:
            continue
        readings.append(
            CPUThrottleReading(
                cpu=int(entry[3:]),
                package=package,
                core=core,
                core_count=_count(os.path.join(throttle, "core_throttle_count")),
                core_total_ms=_count(os.path.join(throttle, "core_throttle_total_time_ms")),
                core_max_ms=_count(os.path.join(throttle, "core_throttle_max_time_ms")),
                package_count=_count(os.path.join(throttle, "package_throttle_count")),
                package_total_ms=_count(os.path.join(throttle, "package_throttle_total_time_ms")),
                package_max_ms=_count(os.path.join(throttle, "package_throttle_max_time_ms")),
            )
        )
    if not readings:
        return None, None
    return deduplicate(readings)


def gpu_throttles(gpus: Iterable[GPU]) -> tuple[GPUThrottle, ...]:
    """The GPUs that report clock-event reasons (NVIDIA), each with its active reasons."""
    found = []
    for gpu in gpus:
        if gpu.throttle_reasons is None:
            continue
        found.append(
            GPUThrottle(
                index=gpu.index,
                name=gpu.name,
                reasons=gpu.throttle_reasons,
                throttling=bool(gpu.throttling_reasons),
            )
        )
    return tuple(found)


def read_thermal(roots: Roots, gpu_source: GPUSource | None = None) -> Thermal:
    """CPU throttle counters and GPU clock-event reasons, read once.

    ``throttling`` is True when a GPU reports an active slowdown reason now, False when CPU
    counters or GPU reasons exist but none throttles now, ``None`` with no source at all; whether
    the CPU counters rose is ``Sample.rates.thermal``.
    """
    packages, cores = read_cpu_throttle(roots)
    gpus = gpu_throttles(gpu_source()) if gpu_source is not None else ()
    sources = [
        f"gpu{gpu.index}:{reason}"
        for gpu in gpus
        if gpu.throttling
        for reason in gpu.reasons
        if reason in THROTTLING_REASONS
    ]
    has_source = packages is not None or cores is not None or bool(gpus)
    return Thermal(
        throttling=bool(sources) if has_source else None,
        sources=tuple(sources),
        packages=packages,
        cores=cores,
        gpus=gpus,
    )
