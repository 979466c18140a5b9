"""Thermal throttling on Linux: CPU throttle counters, GPU clock-event reasons and a summary.

CPU: ``devices/system/cpu/cpuN/thermal_throttle/{core,package}_throttle_count`` and
``{core,package}_throttle_{total,max}_time_ms`` (x86 ``therm_throt``, Intel), de-duplicated by
``topology/physical_package_id`` and ``core_id``. GPU: the decoded NVIDIA clock-event reasons of
the GPU records. A :class:`ThrottleTracker` kept by the backend remembers the previous counters, so
repeated calls (a Sampler) can tell that throttling happens now and since when.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.hwmon import natural_key, read_value
from darwin_metrics.linux.parsers.sensors import parse_int
from darwin_metrics.linux.parsers.thermal import (
    CPUThrottleReading,
    counters,
    deduplicate,
    rose,
)
from darwin_metrics.records.gpu import THROTTLING_REASONS
from darwin_metrics.records.thermal import CoreThrottle, GPUThrottle, PackageThrottle, Thermal

if TYPE_CHECKING:
    from darwin_metrics.records.gpu import GPU

_CPU_DIR = re.compile(r"cpu[0-9]+")

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
        if not _CPU_DIR.fullmatch(entry):
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


class ThrottleTracker:
    """Remembers the previous throttle counters and when the current throttling episode began.

    Thread-safe; one per backend instance, so each Sampler built on it sees a continuous history.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._previous: dict[str, tuple[int, float | None]] | None = None
        self._since: float | None = None

    def update(
        self,
        packages: tuple[PackageThrottle, ...] | None,
        cores: tuple[CoreThrottle, ...] | None,
        gpus: tuple[GPUThrottle, ...] = (),
    ) -> Thermal:
        """Compare with the previous reading and build the :class:`Thermal` summary."""
        current = counters(packages or (), cores or ())
        with self._lock:
            now = self._clock()
            previous = self._previous
            sources = []
            if previous is not None:
                sources = [
                    name
                    for name, value in current.items()
                    if name in previous and rose(previous[name], value)
                ]
            for gpu in gpus:
                if gpu.throttling:
                    sources += [
                        f"gpu{gpu.index}:{r}" for r in gpu.reasons if r in THROTTLING_REASONS
                    ]
            throttling = bool(sources)
            if throttling and self._since is None:
                self._since = now
            elif not throttling:
                self._since = None
            self._previous = current
            since = self._since
        return Thermal(
            throttling=throttling,
            sources=tuple(sources),
            since=since,
            packages=packages,
            cores=cores,
            gpus=gpus,
        )


def read_thermal(
    roots: Roots, tracker: ThrottleTracker, gpu_source: GPUSource | None = None
) -> Thermal:
    """CPU counters and GPU reasons, summarised by ``tracker`` against its previous reading."""
    packages, cores = read_cpu_throttle(roots)
    gpus = gpu_throttles(gpu_source()) if gpu_source is not None else ()
    return tracker.update(packages, cores, gpus)
