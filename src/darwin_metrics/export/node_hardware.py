"""node_exporter's hardware collectors (hwmon, thermal_zone, powersupplyclass, rapl), named and
labelled as node_exporter names them. Temperatures in °C, fan speeds in RPM, energy in joules
(``node_power_supply_energy_*`` in watt-hours, as node_exporter), power in watts, voltage in volts.
"""

from __future__ import annotations

import re

from darwin_metrics.export.exposition import Exposition
from darwin_metrics.export.readings import Readings

WATT_HOUR = 3600.0


def emit_hwmon(out: Exposition, r: Readings) -> None:
    """``node_hwmon_temp_*_celsius``, ``node_hwmon_fan_*`` and the chip and label series."""
    temps = r.snapshot.temperatures
    chips: dict[str, str] = {}
    for sensor in temps.sensors if temps is not None else ():
        labels = {"chip": sensor.chip, "sensor": sensor.sensor}
        if sensor.chip_name:
            chips[sensor.chip] = sensor.chip_name
        out.gauge(
            "node_hwmon_temp_celsius",
            "Hardware monitor for temperature (input)",
            sensor.celsius,
            labels,
        )
        out.gauge(
            "node_hwmon_temp_max_celsius",
            "Hardware monitor for temperature (max)",
            sensor.max_celsius,
            labels,
        )
        out.gauge(
            "node_hwmon_temp_crit_celsius",
            "Hardware monitor for temperature (crit)",
            sensor.critical_celsius,
            labels,
        )
        if sensor.label:
            out.gauge(
                "node_hwmon_sensor_label",
                "Label for given chip and sensor",
                1.0,
                {**labels, "label": sensor.label},
            )
    for fan in r.snapshot.fans or ():
        labels = {"chip": fan.chip, "sensor": fan.name}
        if fan.chip_name:
            chips[fan.chip] = fan.chip_name
        out.gauge(
            "node_hwmon_fan_rpm", "Hardware monitor for fan revolutions (input)", fan.rpm, labels
        )
        out.gauge(
            "node_hwmon_fan_min_rpm",
            "Hardware monitor for fan revolutions (min)",
            fan.min_rpm,
            labels,
        )
        out.gauge(
            "node_hwmon_fan_max_rpm",
            "Hardware monitor for fan revolutions (max)",
            fan.max_rpm,
            labels,
        )
        out.gauge(
            "node_hwmon_fan_target_rpm",
            "Hardware monitor for fan revolutions (target)",
            fan.target_rpm,
            labels,
        )
        if fan.alarm is not None:
            out.gauge(
                "node_hwmon_fan_alarm",
                "Hardware sensor alarm status (fan)",
                float(fan.alarm),
                labels,
            )
        if fan.label:
            out.gauge(
                "node_hwmon_sensor_label",
                "Label for given chip and sensor",
                1.0,
                {**labels, "label": fan.label},
            )
    for chip, name in sorted(chips.items()):
        out.gauge(
            "node_hwmon_chip_names",
            "Annotation metric for human-readable chip names",
            1.0,
            {"chip": chip, "chip_name": name},
        )


def emit_thermal_zone(out: Exposition, r: Readings) -> None:
    """``node_thermal_zone_temp{type,zone}`` and ``node_cooling_device_{cur,max}_state``."""
    temps = r.snapshot.temperatures
    if temps is None:
        return
    for zone in temps.zones:
        out.gauge(
            "node_thermal_zone_temp",
            "Zone temperature in Celsius",
            zone.celsius,
            {"type": zone.type, "zone": _number(zone.name, "thermal_zone")},
        )
    for device in temps.cooling_devices:
        labels = {"name": _number(device.name, "cooling_device"), "type": device.type}
        out.gauge(
            "node_cooling_device_cur_state",
            "Current throttle state of the cooling device",
            device.current_state,
            labels,
        )
        out.gauge(
            "node_cooling_device_max_state",
            "Maximum throttle state of the cooling device",
            device.max_state,
            labels,
        )


def _number(name: str, prefix: str) -> str:
    """``thermal_zone3`` → ``3`` (node_exporter labels zones and cooling devices by number)."""
    return name[len(prefix) :] if name.startswith(prefix) else name


#: Battery status words as the kernel's ``power_supply`` class writes them.
_KERNEL_STATUS = {
    "charging": "Charging",
    "discharging": "Discharging",
    "full": "Full",
    "not-charging": "Not charging",
    "unknown": "Unknown",
}


def emit_powersupplyclass(out: Exposition, r: Readings) -> None:
    """``node_power_supply_*{power_supply}`` for batteries and adapters."""
    sources = r.power_sources
    if sources is None:
        return
    for bat in sources.batteries + sources.peripherals:
        labels = {"power_supply": bat.name}
        out.gauge(
            "node_power_supply_capacity",
            "capacity value of /sys/class/power_supply/<power_supply>.",
            bat.charge_percent,
            labels,
        )
        out.gauge(
            "node_power_supply_cyclecount",
            "cyclecount value of /sys/class/power_supply/<power_supply>.",
            bat.cycle_count,
            labels,
        )
        for key, joules in (
            ("energy_watthour", bat.energy_joules),
            ("energy_full", bat.energy_full_joules),
            ("energy_full_design", bat.energy_full_design_joules),
        ):
            out.gauge(
                f"node_power_supply_{key}",
                f"{key} value of /sys/class/power_supply/<power_supply> (watt-hours).",
                None if joules is None else joules / WATT_HOUR,
                labels,
            )
        out.gauge(
            "node_power_supply_power_watt",
            "power_watt value of /sys/class/power_supply/<power_supply>.",
            bat.watts,
            labels,
        )
        out.gauge(
            "node_power_supply_voltage_volt",
            "voltage_volt value of /sys/class/power_supply/<power_supply>.",
            bat.volts,
            labels,
        )
        out.gauge(
            "node_power_supply_voltage_min_design",
            "voltage_min_design value of /sys/class/power_supply/<power_supply>.",
            bat.min_design_volts,
            labels,
        )
        out.gauge(
            "node_power_supply_current_ampere",
            "current_ampere value of /sys/class/power_supply/<power_supply>.",
            None if bat.amperes is None else abs(bat.amperes),
            labels,
        )
        out.gauge(
            "node_power_supply_temp_celsius",
            "temp_celsius value of /sys/class/power_supply/<power_supply>.",
            bat.celsius,
            labels,
        )
        if bat.present is not None:
            out.gauge(
                "node_power_supply_present",
                "present value of /sys/class/power_supply/<power_supply>.",
                float(bat.present),
                labels,
            )
        info = {"power_supply": bat.name, "type": "Battery", "status": _KERNEL_STATUS[bat.status]}
        for key, text in (
            ("capacity_level", bat.capacity_level),
            ("manufacturer", bat.manufacturer),
            ("model_name", bat.model),
            ("serial_number", bat.serial),
            ("technology", bat.technology),
        ):
            if text:
                info[key] = text
        out.gauge(
            "node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.", 1.0, info
        )
    for adapter in sources.adapters:
        labels = {"power_supply": adapter.name}
        if adapter.online is not None:
            out.gauge(
                "node_power_supply_online",
                "online value of /sys/class/power_supply/<power_supply>.",
                float(adapter.online),
                labels,
            )
        kind = "Mains" if adapter.kind == "mains" else adapter.kind.upper()
        out.gauge(
            "node_power_supply_info",
            "info of /sys/class/power_supply/<power_supply>.",
            1.0,
            {**labels, "type": kind},
        )


def emit_rapl(out: Exposition, r: Readings) -> None:
    """``node_rapl_<domain>_joules_total{index,path}`` from the RAPL energy counters."""
    power = r.snapshot.power
    if power is None:
        return
    for rail in power.rails:
        if rail.source != "rapl" or rail.joules is None or not rail.domain:
            continue
        domain = re.sub(r"[^a-zA-Z0-9_]", "_", rail.domain)
        out.counter(
            f"node_rapl_{domain}_joules_total",
            f"Current RAPL {domain} value in joules",
            rail.joules,
            {"index": str(rail.index if rail.index is not None else 0), "path": rail.path or ""},
        )
