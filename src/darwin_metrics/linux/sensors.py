"""Temperatures on Linux: hwmon chips, thermal zones and cooling devices.

Sources (``Documentation/hwmon/sysfs-interface``, ``Documentation/driver-api/thermal/sysfs-api``):
``class/hwmon/hwmonN/tempK_{input,label,max,min,crit,crit_hyst,emergency,alarm,crit_alarm,type}``
(m°C), ``class/thermal/thermal_zoneN/{type,temp,mode,policy,trip_point_K_{temp,type,hyst}}`` (m°C)
and ``class/thermal/cooling_deviceN/{type,cur_state,max_state}``. A sensor whose reading fails is
left out; the rest of its chip is still reported.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.hwmon import HwmonChip, list_chips, natural_key, read_text, read_value
from darwin_metrics.linux.parsers.sensors import (
    classify_sensor,
    classify_zone,
    parse_cooling_state,
    parse_flag,
    parse_int,
    parse_limit,
    parse_millicelsius,
    parse_trip_type,
    split_trip_point,
)
from darwin_metrics.records.sensors import (
    CoolingDevice,
    Temperatures,
    TemperatureSensor,
    ThermalZone,
    TripPoint,
)


def chip_temperatures(chip: HwmonChip) -> list[TemperatureSensor]:
    """The readable ``tempN`` sensors of one chip, in index order."""
    sensors = []
    for index in chip.channels("temp"):
        files = chip.files("temp", index)
        current = read_value(files.get("input"), parse_millicelsius)
        if current is None:
            continue
        label = read_text(files.get("label"))
        sensor_type = read_value(files.get("type"), parse_int)
        sensors.append(
            TemperatureSensor(
                chip=chip.ident,
                chip_name=chip.name,
                sensor=f"temp{index}",
                label=label,
                kind=classify_sensor(chip.name, label, index=index, sensor_type=sensor_type),
                celsius=current,
                max_celsius=read_value(files.get("max"), parse_limit),
                min_celsius=read_value(files.get("min"), parse_limit),
                critical_celsius=read_value(files.get("crit"), parse_limit),
                critical_hysteresis_celsius=read_value(files.get("crit_hyst"), parse_limit),
                emergency_celsius=read_value(files.get("emergency"), parse_limit),
                alarm=read_value(files.get("alarm"), parse_flag),
                critical_alarm=read_value(files.get("crit_alarm"), parse_flag),
                device=chip.device,
            )
        )
    return sensors


def read_trip_points(directory: str) -> tuple[TripPoint, ...]:
    """The ``trip_point_K_*`` of one thermal zone, by index; one without a type is left out."""
    files: dict[int, dict[str, str]] = {}
    for entry in fs.listdir(directory):
        parts = split_trip_point(entry)
        if parts is not None:
            files.setdefault(parts[0], {})[parts[1]] = os.path.join(directory, entry)
    points = []
    for index in sorted(files):
        kind = read_value(files[index].get("type"), parse_trip_type)
        if kind is None:
            continue
        points.append(
            TripPoint(
                index=index,
                type=kind,
                celsius=read_value(files[index].get("temp"), parse_millicelsius),
                hysteresis_celsius=read_value(files[index].get("hyst"), parse_millicelsius),
            )
        )
    return tuple(points)


def read_zones(roots: Roots) -> tuple[ThermalZone, ...]:
    """Every ``thermal_zoneN``; its temperature is ``None`` when the read fails (EAGAIN, …)."""
    base = roots.sys("class", "thermal")
    zones = []
    for entry in sorted(fs.listdir(base), key=natural_key):
        if not entry.startswith("thermal_zone"):
            continue
        directory = os.path.join(base, entry)
        if not os.path.isdir(directory):
            continue
        zone_type = read_text(os.path.join(directory, "type")) or entry
        zones.append(
            ThermalZone(
                name=entry,
                type=zone_type,
                kind=classify_zone(zone_type),
                celsius=read_value(os.path.join(directory, "temp"), parse_millicelsius),
                mode=read_text(os.path.join(directory, "mode")),
                policy=read_text(os.path.join(directory, "policy")),
                trip_points=read_trip_points(directory),
            )
        )
    return tuple(zones)


def read_cooling_devices(roots: Roots) -> tuple[CoolingDevice, ...]:
    """Every ``cooling_deviceN`` with its current and maximum state."""
    base = roots.sys("class", "thermal")
    devices = []
    for entry in sorted(fs.listdir(base), key=natural_key):
        if not entry.startswith("cooling_device"):
            continue
        directory = os.path.join(base, entry)
        if not os.path.isdir(directory):
            continue
        devices.append(
            CoolingDevice(
                name=entry,
                type=read_text(os.path.join(directory, "type")) or entry,
                current_state=read_value(os.path.join(directory, "cur_state"), parse_cooling_state),
                max_state=read_value(os.path.join(directory, "max_state"), parse_cooling_state),
            )
        )
    return tuple(devices)


def read_temperatures(roots: Roots, chips: Sequence[HwmonChip] | None = None) -> Temperatures:
    """Chip sensors, thermal zones and cooling devices (each empty where the machine has none).
    ``chips``: the hwmon chips already listed for this reading (default: listed here)."""
    listed = list_chips(roots) if chips is None else chips
    sensors = [s for chip in listed for s in chip_temperatures(chip)]
    return Temperatures(
        sensors=tuple(sensors),
        zones=read_zones(roots),
        cooling_devices=read_cooling_devices(roots),
    )
