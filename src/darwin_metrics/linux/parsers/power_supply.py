"""Pure decoding of ``/sys/class/power_supply/<name>/`` attributes into records.

Kernel units (Documentation/ABI/testing/sysfs-class-power): energy µWh, charge µAh, voltage µV,
current µA, power µW, temperature tenths of °C, times in seconds, capacity and thresholds in percent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from darwin_metrics.errors import ParseError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.linux.parsers.numbers import in_range, integer
from darwin_metrics.records.battery import Battery, BatteryStatus, PowerAdapter

log = get_logger(__name__)

#: Attributes that can be negative (current while discharging, temperature); every other numeric
#: attribute is a physical quantity that cannot be, and a negative value of it is ``None``.
_SIGNED = frozenset({"current_now", "current_avg", "temp"})
_MICRO_WH_TO_J = 3600.0 / 1e6  # 1 µWh = 3.6 mJ
_MICRO_AH_TO_C = 3600.0 / 1e6  # 1 µAh = 3.6 mC

_STATUS: dict[str, BatteryStatus] = {
    "charging": "charging",
    "discharging": "discharging",
    "full": "full",
    "not charging": "not-charging",
}


def parse_uevent(data: bytes, source: str) -> dict[str, str]:
    """``POWER_SUPPLY_FOO=bar`` lines → ``{"foo": "bar"}`` (attribute names, lower case)."""
    text = data.decode("utf-8", "replace")
    result: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key:
            raise ParseError(source, f"not KEY=VALUE: {line[:40]!r}")
        key = key.strip()
        if key.startswith("POWER_SUPPLY_"):
            key = key[len("POWER_SUPPLY_") :]
        result[key.lower()] = value.strip()
    return result


def _number(attrs: Mapping[str, str], key: str, source: str) -> float | None:
    """One numeric attribute; ``None`` when absent, malformed (logged: the bad-attribute rule) or
    negative where the quantity cannot be."""
    text = attrs.get(key)
    if text is None or text == "":
        return None
    try:
        value = integer(text, f"{source}/{key}")
    except ParseError as exc:
        log.debug("bad attribute: %s", exc)
        return None
    return float(value) if key in _SIGNED else in_range(float(value), 0.0)


def _text(attrs: Mapping[str, str], key: str) -> str | None:
    value = attrs.get(key)
    if value is None:
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def decode_battery(
    name: str, attrs: Mapping[str, str], source: str, *, adapter_online: bool | None = None
) -> Battery:
    """Build a :class:`Battery` from a power_supply's attributes (files or uevent keys).

    ``adapter_online`` is whether an AC adapter reports online (``None`` if there is none); it
    decides ``plugged_in``, which otherwise follows ``status``. Raises :class:`ParseError` for a
    numeric attribute that is not an integer (now: the attribute is ``None``, logged).
    """

    def num(key: str) -> float | None:
        return _number(attrs, key, source)

    status = _STATUS.get((attrs.get("status") or "").strip().lower(), "unknown")
    volts = _scaled(num("voltage_now"), 1e-6)
    volts_design = _scaled(num("voltage_min_design"), 1e-6)
    amps = _scaled(num("current_now"), 1e-6)
    charge_now = _scaled(num("charge_now"), _MICRO_AH_TO_C)
    charge_full = _scaled(num("charge_full"), _MICRO_AH_TO_C)
    charge_design = _scaled(num("charge_full_design"), _MICRO_AH_TO_C)

    energy_now = _scaled(num("energy_now"), _MICRO_WH_TO_J)
    energy_full = _scaled(num("energy_full"), _MICRO_WH_TO_J)
    energy_design = _scaled(num("energy_full_design"), _MICRO_WH_TO_J)
    # Charge-based gauges: energy = charge x voltage, with one voltage for all three so ratios hold.
    ref_volts = volts_design or volts
    if ref_volts:
        if energy_now is None and charge_now is not None:
            energy_now = charge_now * ref_volts
        if energy_full is None and charge_full is not None:
            energy_full = charge_full * ref_volts
        if energy_design is None and charge_design is not None:
            energy_design = charge_design * ref_volts

    watts = _scaled(num("power_now"), 1e-6)
    if watts is not None:
        watts = abs(watts)
    elif amps is not None and volts is not None:
        watts = abs(amps * volts)
    if amps is not None:
        if status == "discharging":
            amps = -abs(amps)
        elif status == "charging":
            amps = abs(amps)

    percent = num("capacity")
    if percent is None:
        percent = _ratio(energy_now, energy_full) or _ratio(charge_now, charge_full)
    health = _ratio(energy_full, energy_design) or _ratio(charge_full, charge_design)

    time_to_empty = num("time_to_empty_now") or num("time_to_empty_avg")
    time_to_full = num("time_to_full_now") or num("time_to_full_avg")
    if time_to_empty is None and status == "discharging":
        time_to_empty = _duration(energy_now, watts) or _duration(charge_now, abs(amps or 0.0))
    if time_to_full is None and status == "charging" and energy_now is not None:
        missing = None if energy_full is None else max(energy_full - energy_now, 0.0)
        time_to_full = _duration(missing, watts)

    if adapter_online is not None:
        plugged: bool | None = adapter_online
    elif status == "discharging":
        plugged = False
    elif status in ("charging", "full", "not-charging"):
        plugged = True
    else:
        plugged = None

    present = num("present")
    cycles = num("cycle_count")
    temp = in_range(num("temp"), -1000.0, 2000.0)  # tenths of °C: -100 to 200 °C
    start = num("charge_control_start_threshold")
    stop = num("charge_control_end_threshold")
    if start is None:
        start = num("charge_start_threshold")
    if stop is None:
        stop = num("charge_stop_threshold")
    start, stop = in_range(start, 0.0, 100.0), in_range(stop, 0.0, 100.0)
    is_device = (attrs.get("scope") or "").strip().lower() == "device"
    scope: Literal["system", "device"] = "device" if is_device else "system"
    return Battery(
        name=name,
        scope=scope,
        present=None if present is None else present != 0,
        charge_percent=None if percent is None else min(max(percent, 0.0), 100.0),
        status=status,
        plugged_in=plugged,
        time_to_empty=time_to_empty,
        time_to_full=time_to_full,
        energy_joules=energy_now,
        energy_full_joules=energy_full,
        energy_full_design_joules=energy_design,
        charge_coulombs=charge_now,
        charge_full_coulombs=charge_full,
        charge_full_design_coulombs=charge_design,
        health_percent=health,
        cycle_count=None if cycles is None else int(cycles),
        volts=volts,
        min_design_volts=volts_design,
        amperes=amps,
        watts=watts,
        celsius=None if temp is None else temp / 10.0,
        technology=_text(attrs, "technology"),
        manufacturer=_text(attrs, "manufacturer"),
        model=_text(attrs, "model_name"),
        serial=_text(attrs, "serial_number"),
        capacity_level=_text(attrs, "capacity_level"),
        charge_start_threshold_percent=None if start is None else int(start),
        charge_stop_threshold_percent=None if stop is None else int(stop),
    )


def decode_adapter(name: str, attrs: Mapping[str, str], source: str) -> PowerAdapter:
    """Build a :class:`PowerAdapter` from a Mains/USB/Wireless/UPS power_supply's attributes."""
    kind_text = (attrs.get("type") or "").strip().lower()
    kind = kind_text if kind_text in ("mains", "usb", "wireless", "ups") else "other"
    online = _number(attrs, "online", source)
    volts = _scaled(_number(attrs, "voltage_now", source), 1e-6)
    amps = _scaled(_number(attrs, "current_max", source), 1e-6)
    watts = volts * amps if volts and amps else None
    return PowerAdapter(
        name=name,
        kind=kind,  # type: ignore[arg-type]  # narrowed by the membership test above
        online=None if online is None else online != 0,
        watts=watts,
    )


def _ratio(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return 100.0 * part / whole


def _duration(amount: float | None, rate: float | None) -> float | None:
    if amount is None or not rate or rate <= 0:
        return None
    return amount / rate
