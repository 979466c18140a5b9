"""Power records: rails in watts, cumulative energy in joules, and power-management settings."""

from __future__ import annotations

from typing import Literal

import msgspec

PowerRailSource = Literal["rapl", "hwmon", "battery", "gpu", "smc", "ioreport"]


class PowerRail(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One measured power domain.

    ``watts`` is the average draw in watts over the measurement interval (``Power.interval``) or the
    instantaneous reading the hardware gives; ``joules`` is the hardware's cumulative energy counter in
    joules (it wraps at ``energy_range_joules`` joules for RAPL). ``limit_watts`` and ``max_watts`` are the
    configured long-term limit and the hardware maximum in watts. When a rail exists but cannot be read
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
    """All power rails. ``interval`` is the seconds over which counter-based rails were averaged."""

    rails: tuple[PowerRail, ...]
    interval: float | None = None

    def rail(self, name: str) -> PowerRail | None:
        """The first rail called ``name`` (e.g. ``"package-0"``), or ``None``."""
        return next((r for r in self.rails if r.name == name), None)

    @property
    def package(self) -> float | None:
        """Watts drawn by all CPU packages together (RAPL ``package`` domains), or ``None``."""
        values = [r.watts for r in self.rails if r.domain == "package" and r.source == "rapl"]
        known = [v for v in values if v is not None]
        return sum(known) if known and len(known) == len(values) else None


class CorePowerPolicy(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The frequency-scaling policy of one logical CPU (Linux cpufreq)."""

    cpu: int
    governor: str | None = None
    driver: str | None = None
    energy_performance_preference: str | None = None
    available_governors: tuple[str, ...] = ()
    available_preferences: tuple[str, ...] = ()


class PowerManagement(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """How the machine is set to trade speed for power.

    ``platform_profile`` is the ACPI platform profile (``low-power``, ``balanced``, ``performance``…);
    ``on_ac`` is True on external power, False on battery, ``None`` when unknown.
    """

    cores: tuple[CorePowerPolicy, ...]
    platform_profile: str | None = None
    platform_profile_choices: tuple[str, ...] = ()
    on_ac: bool | None = None


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
