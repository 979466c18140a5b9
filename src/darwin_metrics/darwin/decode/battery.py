"""Battery decoders: an IOPS power-source description plus the ``AppleSmartBattery`` registry
properties (and the external adapter's details) → :class:`~darwin_metrics.records.battery.Battery`.

Units and quirks handled here:

- Capacities are mAh (times 3.6 gives coulombs). ``MaxCapacity`` is mAh on Intel but a percentage (100) on
  Apple Silicon, where the full-charge capacity is ``AppleRawMaxCapacity``; likewise
  ``CurrentCapacity`` is mAh on Intel and percent on Apple Silicon.
- ``Amperage`` is signed mA (negative while discharging) stored in a 64-bit number; read unsigned it
  is 2**64 - n, and is re-signed here. ``Voltage`` is mV; ``Temperature`` is hundredths of °C.
- Times are minutes; ``AvgTimeToEmpty``/``AvgTimeToFull`` use 65535 and IOPS uses -1 for "not
  known yet": both become ``None``. Times are reported only in the matching state (time to empty
  while discharging, time to full while charging).
- ``health_percent`` = full-charge capacity / design capacity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from darwin_metrics.darwin.decode.common import dictionary, flag, number, text
from darwin_metrics.records.battery import Battery, BatteryStatus, PowerAdapter, PowerSources

MAH_TO_COULOMB = 3.6
NO_ESTIMATE = 65535
INTERNAL_TYPE = "InternalBattery"


def _minutes(value: int | None) -> float | None:
    if value is None or value < 0 or value >= NO_ESTIMATE:
        return None
    return value * 60.0


def _serial(*candidates: Any) -> str | None:
    for candidate in candidates:
        value = text(candidate)
        if value and value.strip("- "):
            return value.strip()
    return None


def _percent_scale(smart: Mapping[str, Any]) -> bool:
    """True when ``CurrentCapacity``/``MaxCapacity`` are percentages (Apple Silicon)."""
    max_capacity = number(smart, "MaxCapacity")
    raw_max = number(smart, "AppleRawMaxCapacity")
    design = number(smart, "DesignCapacity")
    big = max(raw_max or 0, design or 0)
    return max_capacity is not None and max_capacity <= 100 < big


def _state(
    iops: Mapping[str, Any], smart: Mapping[str, Any]
) -> tuple[bool | None, bool | None, bool | None]:
    state = iops.get("Power Source State")
    plugged = (
        state == "AC Power"
        if state in ("AC Power", "Battery Power")
        else flag(smart, "ExternalConnected")
    )
    charging = flag(iops, "Is Charging")
    if charging is None:
        charging = flag(smart, "IsCharging")
    full = flag(iops, "Is Charged")
    if full is None:
        full = flag(smart, "FullyCharged")
    return plugged, charging, full


def _status(plugged: bool | None, charging: bool | None, full: bool | None) -> BatteryStatus:
    if plugged is False:
        return "discharging"
    if charging:
        return "charging"
    if full:
        return "full"
    if plugged:
        return "not-charging"
    return "unknown"


def _percent(iops: Mapping[str, Any], smart: Mapping[str, Any]) -> float | None:
    current, maximum = number(iops, "Current Capacity"), number(iops, "Max Capacity")
    if current is not None and maximum:
        return max(0.0, min(100.0, 100.0 * current / maximum))
    current, maximum = number(smart, "CurrentCapacity"), number(smart, "MaxCapacity")
    if current is None:
        return None
    if _percent_scale(smart):
        return float(max(0, min(100, current)))
    if maximum:
        return max(0.0, min(100.0, 100.0 * current / maximum))
    return None


def _adapter_watts(adapter: Mapping[str, Any] | None, smart: Mapping[str, Any]) -> float | None:
    for details in (adapter or {}, dictionary(smart.get("AdapterDetails"))):
        watts = number(details, "Watts")
        if watts is not None and watts > 0:
            return float(watts)
    return None


def battery(
    iops: Mapping[str, Any] | None,
    smart: Mapping[str, Any] | None,
    adapter: Mapping[str, Any] | None = None,
) -> Battery:
    """One internal battery from whichever of the two descriptions is available."""
    iops = iops or {}
    smart = smart or {}
    plugged, charging, full = _state(iops, smart)
    status = _status(plugged, charging, full)

    percent_scale = _percent_scale(smart)
    raw_now = number(smart, "AppleRawCurrentCapacity")
    if raw_now is None and not percent_scale:
        raw_now = number(smart, "CurrentCapacity")
    raw_full = number(smart, "AppleRawMaxCapacity")
    if raw_full is None and not percent_scale:
        raw_full = number(smart, "MaxCapacity")
    design = number(smart, "DesignCapacity")

    millivolts = number(smart, "Voltage")
    milliamps = number(smart, "Amperage")
    volts = millivolts / 1000.0 if millivolts is not None and millivolts > 0 else None
    amps = milliamps / 1000.0 if milliamps is not None else None
    centi = number(smart, "Temperature")

    time_to_empty = time_to_full = None
    if status == "discharging":
        for source, key in ((iops, "Time to Empty"), (smart, "AvgTimeToEmpty")):
            time_to_empty = _minutes(number(source, key))
            if time_to_empty is not None:
                break
    elif status == "charging":
        for source, key in ((iops, "Time to Full Charge"), (smart, "AvgTimeToFull")):
            time_to_full = _minutes(number(source, key))
            if time_to_full is not None:
                break

    present = flag(iops, "Is Present")
    if present is None:
        present = flag(smart, "BatteryInstalled")
    name = text(iops.get("Name")) or ("AppleSmartBattery" if smart else "battery")
    return Battery(
        name=name,
        present=present,
        charge_percent=_percent(iops, smart),
        status=status,
        plugged_in=plugged,
        time_to_empty=time_to_empty,
        time_to_full=time_to_full,
        charge_coulombs=raw_now * MAH_TO_COULOMB if raw_now is not None and raw_now >= 0 else None,
        charge_full_coulombs=raw_full * MAH_TO_COULOMB if raw_full else None,
        charge_full_design_coulombs=design * MAH_TO_COULOMB if design else None,
        health_percent=100.0 * raw_full / design if raw_full and design else None,
        cycle_count=number(smart, "CycleCount"),
        volts=volts,
        amperes=amps,
        watts=abs(volts * amps) if volts is not None and amps is not None else None,
        celsius=centi / 100.0 if centi is not None and centi > 0 else None,
        manufacturer=text(smart.get("Manufacturer")),
        model=text(smart.get("DeviceName")),
        serial=_serial(
            iops.get("Hardware Serial Number"),
            smart.get("Serial"),
            smart.get("BatterySerialNumber"),
        ),
        adapter_watts=_adapter_watts(adapter, smart) if plugged else None,
    )


def is_internal(description: Mapping[str, Any]) -> bool:
    """An IOPS description of a battery inside the Mac (not a UPS or an accessory)."""
    return description.get("Type") == INTERNAL_TYPE


def power_sources(
    descriptions: Sequence[Mapping[str, Any]],
    smart: Mapping[str, Any] | None,
    adapter: Mapping[str, Any] | None,
) -> PowerSources:
    """Batteries (IOPS internal batteries, joined with ``AppleSmartBattery`` for the first one) and
    the external adapter. A Mac without IOPS batteries but with a registry battery still lists it."""
    internal = [d for d in descriptions if is_internal(d)]
    batteries: list[Battery] = []
    for i, description in enumerate(internal):
        batteries.append(battery(description, smart if i == 0 else None, adapter))
    if not batteries and smart:
        batteries.append(battery(None, smart, adapter))
    plugged = batteries[0].plugged_in if batteries else None
    adapters: list[PowerAdapter] = []
    if adapter:
        label = text(adapter.get("Name")) or "AC"
        kind: Literal["mains", "usb", "wireless"] = "mains"
        if flag(adapter, "IsWireless"):
            kind = "wireless"
        elif "USB" in label:
            kind = "usb"
        watts = number(adapter, "Watts")
        adapters.append(
            PowerAdapter(
                name=label,
                kind=kind,
                online=True if plugged is None else plugged,
                watts=float(watts) if watts else None,
            )
        )
    on_ac = plugged if plugged is not None else (True if adapters else None)
    return PowerSources(batteries=tuple(batteries), adapters=tuple(adapters), on_ac=on_ac)
