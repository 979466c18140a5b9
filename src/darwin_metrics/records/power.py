"""Power records: rails in watts, cumulative energy in joules, and power-management settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec

PowerRailSource = Literal["rapl", "hwmon", "battery", "gpu", "smc", "ioreport"]


class PowerRail(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One measured power domain.

    ``watts`` is the instantaneous reading the hardware gives (``None`` for counter-based rails:
    their average watts are ``Sample.rates.power``); ``joules`` is the hardware's cumulative energy
    counter (it wraps at ``energy_range_joules`` for RAPL). ``limit_watts`` and ``max_watts`` are
    the configured long-term limit and the hardware maximum in watts. When a rail exists but cannot
    be read
    (RAPL ``energy_uj`` is root-only since Linux 5.10), ``watts`` and ``joules`` are ``None`` and
    ``unavailable_reason`` says why (``"needs root"``) — never a fake 0.

    Rails overlap (a RAPL package contains its cores), so do not add them up.
    """

    name: str
    source: PowerRailSource
    domain: str | None = None
    index: int | None = None
    watts: float | None = None
    joules: float | None = None
    energy_range_joules: float | None = None
    limit_watts: float | None = None
    max_watts: float | None = None
    unavailable_reason: str | None = None
    path: str | None = None


class Power(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """All power rails, read once: no sleeping, no state kept between calls.

    Rails with an instantaneous reading (hwmon ``powerN_input``, batteries, GPUs) carry ``watts``;
    counter-based rails (RAPL, hwmon ``energyN_input``) carry ``joules``, and their average watts
    come from a :class:`~darwin_metrics.Sampler` as ``Sample.rates.power`` (two readings and the
    time between them).
    """

    rails: tuple[PowerRail, ...]

    def rail(self, name: str) -> PowerRail | None:
        """The first rail called ``name`` (e.g. ``"package-0"``), or ``None``."""
        return next((r for r in self.rails if r.name == name), None)

    @property
    def package(self) -> float | None:
        """Watts drawn by all CPU packages together, where the rails give an instantaneous reading
        (``None`` for RAPL, whose watts are a rate: see ``Rates.package_watts``)."""
        return package_watts(self.rails)


def package_watts(rails: Iterable[PowerRail | PowerRailRate]) -> float | None:
    """Watts of all CPU packages together (RAPL ``package`` domains), or ``None`` when one of them
    has no reading."""
    values = [r.watts for r in rails if r.domain == "package" and r.source == "rapl"]
    known = [v for v in values if v is not None]
    return sum(known) if known and len(known) == len(values) else None


class PowerRailRate(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The average watts of one counter-based rail between two samples (energy delta over time).

    ``name``, ``source`` and ``domain`` are the rail's (:class:`PowerRail`); ``watts`` is ``None``
    when the counter could not be read twice or reset in between.
    """

    name: str
    source: PowerRailSource
    domain: str | None = None
    watts: float | None = None


class CorePowerPolicy(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The frequency-scaling policy of one logical CPU (Linux cpufreq)."""

    cpu: int
    governor: str | None = None
    driver: str | None = None
    energy_performance_preference: str | None = None
    available_governors: tuple[str, ...] = ()
    available_preferences: tuple[str, ...] = ()


class PowerAssertion(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A power assertion a process holds (macOS): it keeps the display or the system awake.

    ``type`` is the assertion type (``PreventUserIdleSystemSleep``, ``PreventUserIdleDisplaySleep``,
    ``NoIdleSleepAssertion``…); ``name`` the reason the process gave; ``process`` its name.
    """

    pid: int
    type: str
    name: str | None = None
    process: str | None = None


class ProcessEnergy(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Energy one process has used since it started, as the kernel measured it (macOS
    ``proc_pid_rusage`` ``ri_energy_nj``), in joules."""

    pid: int
    name: str | None = None
    energy_joules: float


class PowerManagement(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """How the machine is set to trade speed for power.

    ``platform_profile`` is the ACPI platform profile (``low-power``, ``balanced``, ``performance``…);
    ``on_ac`` is True on external power, False on battery, ``None`` when unknown.
    macOS adds ``low_power_mode`` (Low Power Mode on; ``None`` where the OS cannot say),
    ``adapter_watts`` (the connected adapter's rating, W), ``assertions``, what keeps the Mac
    awake, and ``top_energy``, the processes that used the most energy since they started
    (measured by the kernel; Apple Silicon; other users' processes only as root).
    """

    cores: tuple[CorePowerPolicy, ...]
    platform_profile: str | None = None
    platform_profile_choices: tuple[str, ...] = ()
    on_ac: bool | None = None
    low_power_mode: bool | None = None
    adapter_watts: float | None = None
    assertions: tuple[PowerAssertion, ...] = ()
    top_energy: tuple[ProcessEnergy, ...] = ()


class ProcessPowerEstimate(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An *estimate* of the CPU package power one process drove over a sampling interval.

    Computed as the process's share of all CPU time used in the interval times the measured package
    power. It is not a measurement: the hardware reports power per package, not per process, and a
    CPU-second costs different energy at different frequencies and on different cores.
    """

    pid: int
    name: str
    estimated_share_percent: float
    estimated_watts: float | None
