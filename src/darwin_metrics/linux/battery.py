"""Batteries and power adapters from ``/sys/class/power_supply``."""

from __future__ import annotations

from darwin_metrics.errors import ParseError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.linux import fs
from darwin_metrics.linux.parsers.power_supply import decode_adapter, decode_battery, parse_uevent
from darwin_metrics.records.battery import Battery, PowerAdapter, PowerSources

log = get_logger(__name__)

#: Attribute files read besides ``uevent``; the files win where the two disagree.
_ATTRIBUTES = (
    "type",
    "scope",
    "status",
    "present",
    "online",
    "capacity",
    "capacity_level",
    "cycle_count",
    "energy_now",
    "energy_full",
    "energy_full_design",
    "charge_now",
    "charge_full",
    "charge_full_design",
    "power_now",
    "current_now",
    "current_max",
    "voltage_now",
    "voltage_min_design",
    "temp",
    "time_to_empty_now",
    "time_to_empty_avg",
    "time_to_full_now",
    "time_to_full_avg",
    "technology",
    "manufacturer",
    "model_name",
    "serial_number",
    "charge_control_start_threshold",
    "charge_control_end_threshold",
    "charge_start_threshold",
    "charge_stop_threshold",
)


def _attributes(path: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    uevent = fs.read_optional(f"{path}/uevent")
    if uevent:
        try:
            attrs.update(parse_uevent(uevent, f"{path}/uevent"))
        except ParseError as exc:
            log.debug("ignoring %s", exc)
    present = set(fs.listdir(path))
    for name in _ATTRIBUTES:
        if name in present:
            value = fs.read_attr(f"{path}/{name}")
            if value is not None:
                attrs[name] = value
    return attrs


def read_power_sources(roots: fs.Roots) -> PowerSources:
    """Every power_supply: system batteries, peripheral batteries and adapters.

    A supply whose files are malformed is skipped (logged), never the whole list.
    """
    base = roots.sys("class", "power_supply")
    raw: list[tuple[str, str, dict[str, str]]] = []
    for name in fs.listdir(base):
        path = f"{base}/{name}"
        raw.append((name, path, _attributes(path)))

    adapters: list[PowerAdapter] = []
    for name, path, attrs in raw:
        if (attrs.get("type") or "").lower() in ("mains", "usb", "wireless", "ups"):
            try:
                adapters.append(decode_adapter(name, attrs, path))
            except ParseError as exc:
                log.warning("skipping power supply: %s", exc)
    mains = [a for a in adapters if a.kind == "mains" and a.online is not None]
    online = [a for a in adapters if a.online is not None]
    adapter_online = any(a.online for a in online) if (mains or online) else None

    system: list[Battery] = []
    peripherals: list[Battery] = []
    for name, path, attrs in raw:
        if (attrs.get("type") or "").lower() != "battery":
            continue
        try:
            battery = decode_battery(name, attrs, path, adapter_online=adapter_online)
        except ParseError as exc:
            log.warning("skipping battery: %s", exc)
            continue
        (peripherals if battery.scope == "device" else system).append(battery)

    if adapter_online is not None:
        on_ac: bool | None = adapter_online
    elif system:
        on_ac = not any(b.status == "discharging" for b in system)
    else:
        on_ac = None
    return PowerSources(
        batteries=tuple(system),
        peripherals=tuple(peripherals),
        adapters=tuple(adapters),
        on_ac=on_ac,
    )
