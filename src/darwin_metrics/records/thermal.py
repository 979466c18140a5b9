"""Thermal throttling records: CPU throttle counters, GPU clock-event reasons and a summary.

Counts are events since boot; times are seconds. Whether CPU throttle counters are moving is a
rate: ``Sample.rates.thermal`` (:class:`~darwin_metrics.records.rates.ThermalRates`).
"""

from __future__ import annotations

import msgspec


class CoreThrottle(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Thermal throttling of one physical core (Linux ``cpuN/thermal_throttle/core_*``).

    ``count`` is the number of times the core crossed its thermal limit since boot;
    ``total_time`` and ``max_time`` are the time spent throttled in all and in the longest episode,
    in seconds (``None`` on kernels without ``*_time_ms``). ``cpus`` are the logical CPUs (SMT
    siblings) that share the core and report the same counters.
    """

    package: int
    core: int
    count: int
    total_time: float | None = None
    max_time: float | None = None
    cpus: tuple[int, ...] = ()


class PackageThrottle(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Thermal throttling of one CPU package (socket), as :class:`CoreThrottle` for the package."""

    package: int
    count: int
    total_time: float | None = None
    max_time: float | None = None
    cpus: tuple[int, ...] = ()


class GPUThrottle(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Why one GPU runs below its maximum clocks (NVIDIA clock-event reasons, decoded).

    ``reasons`` are every active reason (``gpu_idle``, ``sw_power_cap``, ``hw_thermal_slowdown``,
    …); ``throttling`` is True when one of them is a slowdown (power cap, thermal, hardware
    slowdown or power brake) rather than idling or a clock setting.
    """

    index: int
    name: str | None = None
    reasons: tuple[str, ...] = ()
    throttling: bool = False


class Thermal(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Throttling state that one reading can tell, and the counters a Sampler compares.

    ``throttling`` is True when a source that reports the present says so (a GPU's active slowdown
    reason, the operating system's thermal pressure above nominal), False when such sources exist
    or throttle counters exist but none says so now, and ``None`` when the machine has no source
    at all. Whether CPU throttle counters rose is a rate: ``Sample.rates.thermal``. ``sources``
    names each present-tense source that throttles (``gpu0:hw_thermal_slowdown``).
    ``packages``/``cores`` are ``None`` where the CPU has no throttle counters (AMD, ARM, VMs);
    ``gpus`` is empty without GPUs that report reasons. ``pressure_level`` is the operating
    system's thermal pressure level where it has one (macOS: ``nominal``, ``moderate``, ``heavy``,
    ``trapping``, ``sleeping``); ``None`` on Linux. ``cpu_speed_limit_percent`` is the speed the
    platform currently allows the CPU, in percent of nominal (Intel Macs); ``None`` elsewhere.
    """

    throttling: bool | None
    sources: tuple[str, ...] = ()
    packages: tuple[PackageThrottle, ...] | None = None
    cores: tuple[CoreThrottle, ...] | None = None
    gpus: tuple[GPUThrottle, ...] = ()
    pressure_level: str | None = None
    cpu_speed_limit_percent: float | None = None
