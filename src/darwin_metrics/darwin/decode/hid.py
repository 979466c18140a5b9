"""HID temperature sensor decoder: ``(product name, °C)`` pairs → TemperatureSensor records.

Names (Apple Silicon): ``pACC MTR Temp Sensor<n>``/``eACC MTR Temp Sensor<n>`` (performance and
efficiency CPU clusters), ``GPU MTR Temp Sensor<n>``, ``SOC MTR Temp Sensor<n>``, ``PMGR SOC Die
Temp Sensor<n>``, ``ANE MTR``, ``ISP MTR``, ``PMU tdev<n>``/``PMU tdie<n>``, ``NAND CH0 temp``,
``gas gauge battery``. Readings outside (0, 150] °C are dropped and counted (some sensors report
about -9200). Several sensors share a name: the record's ``sensor`` adds ``#k`` for the k-th
repeat so ids stay unique.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from darwin_metrics.records.sensors import SensorKind, TemperatureSensor

#: Name prefixes → kind (first match wins).
KINDS: tuple[tuple[str, SensorKind], ...] = (
    ("pACC", "cpu"),
    ("eACC", "cpu"),
    ("sACC", "cpu"),
    ("GPU", "gpu"),
    ("NAND", "storage"),
    ("gas gauge battery", "battery"),
    ("SOC", "chipset"),
    ("PMGR", "chipset"),
    ("PMU", "chipset"),
)
PLAUSIBLE_CELSIUS = (0.0, 150.0)


def classify(name: str) -> SensorKind:
    """The kind of a HID sensor by its product name."""
    for prefix, kind in KINDS:
        if name.startswith(prefix):
            return kind
    return "other"


def sensors(
    readings: Iterable[tuple[str | None, float | None]],
) -> tuple[tuple[TemperatureSensor, ...], int]:
    """The plausible sensors, sorted by name, and how many readings were dropped."""
    kept: list[tuple[str, float]] = []
    dropped = 0
    low, high = PLAUSIBLE_CELSIUS
    for name, celsius in readings:
        if not name or celsius is None or not math.isfinite(celsius) or not low < celsius <= high:
            dropped += 1
            continue
        kept.append((name, celsius))
    kept.sort()
    seen: dict[str, int] = {}
    records = []
    for name, celsius in kept:
        seen[name] = seen.get(name, 0) + 1
        records.append(
            TemperatureSensor(
                chip="hid",
                chip_name="IOHIDEventSystem",
                sensor=name if seen[name] == 1 else f"{name}#{seen[name]}",
                label=name,
                kind=classify(name),
                celsius=round(celsius, 3),
            )
        )
    return tuple(records), dropped
