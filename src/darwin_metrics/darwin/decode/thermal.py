"""Thermal decoders: the thermal pressure level and the CPU speed limit → a Thermal record.

Pressure: the state of the notify(3) name ``com.apple.system.thermalpressurelevel``, 0 nominal,
1 moderate, 2 heavy, 3 trapping, 4 sleeping (``OSThermalNotification.h``, macOS values). Speed
limit: ``CPU_Speed_Limit`` of ``IOPMCopyCPUPowerStatus`` (percent of nominal; Intel Macs).

``throttling`` follows the Linux summary: True when the pressure is above nominal or the speed
limit is below 100, False when a source exists and says neither, ``None`` when there is no source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from darwin_metrics.darwin.decode.common import real
from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.records.thermal import Thermal

PRESSURE_LEVELS: dict[int, str] = {
    k.kOSThermalPressureLevelNominal: "nominal",
    k.kOSThermalPressureLevelModerate: "moderate",
    k.kOSThermalPressureLevelHeavy: "heavy",
    k.kOSThermalPressureLevelTrapping: "trapping",
    k.kOSThermalPressureLevelSleeping: "sleeping",
}


def pressure_level(state: int | None) -> str | None:
    """The level's name; ``None`` for no state or a value this code does not know."""
    return PRESSURE_LEVELS.get(state) if state is not None else None


def speed_limit(status: Mapping[str, Any] | None) -> float | None:
    """``CPU_Speed_Limit`` in percent (0-100), or ``None`` when absent or out of range."""
    if not status:
        return None
    value = real(status, "CPU_Speed_Limit")
    return value if value is not None and 0 < value <= 100 else None


def thermal(level: str | None, limit: float | None) -> Thermal:
    """The Thermal record from the pressure level name and the speed limit (percent)."""
    sources = []
    if level is not None and level != "nominal":
        sources.append(f"thermal-pressure:{level}")
    if limit is not None and limit < 100:
        sources.append(f"cpu-speed-limit:{limit:g}")
    has_source = level is not None or limit is not None
    return Thermal(
        throttling=bool(sources) if has_source else None,
        sources=tuple(sources),
        pressure_level=level,
        cpu_speed_limit_percent=limit,
    )
