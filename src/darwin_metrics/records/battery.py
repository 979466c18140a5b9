"""Battery and power-source records (the same records on Linux and macOS).

Units: energy in joules (1 Wh = 3600 J), charge in coulombs (1 mAh = 3.6 C), voltage in volts,
current in amperes, power in watts, temperature in °C, times in seconds.
"""

from __future__ import annotations

from typing import Literal

import msgspec

BatteryStatus = Literal["charging", "discharging", "full", "not-charging", "unknown"]


class Battery(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One battery.

    ``charge_percent`` is the state of charge (0-100). ``time_to_empty``/``time_to_full`` are seconds, taken
    from the platform when it reports them and otherwise computed from energy (or charge) and the
    present power (or current); ``None`` when unknown (e.g. not discharging, no power reading).
    ``health_percent`` is full capacity over design capacity (0-100, can exceed 100 on a new pack).
    ``amperes`` is signed: positive while charging, negative while discharging (normalised with
    ``status``, because drivers disagree on the sign); ``watts`` is the magnitude in watts.
    ``charge_start_threshold_percent``/``charge_stop_threshold_percent`` are percents where the firmware limits
    charging. ``scope`` is ``system`` for batteries that power the machine and ``device`` for a
    peripheral's (mouse, headset).
    """

    name: str
    scope: Literal["system", "device"] = "system"
    present: bool | None = None
    charge_percent: float | None = None
    status: BatteryStatus = "unknown"
    plugged_in: bool | None = None
    time_to_empty: float | None = None
    time_to_full: float | None = None
    energy_joules: float | None = None
    energy_full_joules: float | None = None
    energy_full_design_joules: float | None = None
    charge_coulombs: float | None = None
    charge_full_coulombs: float | None = None
    charge_full_design_coulombs: float | None = None
    health_percent: float | None = None
    cycle_count: int | None = None
    volts: float | None = None
    min_design_volts: float | None = None
    amperes: float | None = None
    watts: float | None = None
    celsius: float | None = None
    technology: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    capacity_level: str | None = None
    charge_start_threshold_percent: int | None = None
    charge_stop_threshold_percent: int | None = None
    #: macOS: the connected adapter's rating in watts.
    adapter_watts: float | None = None


class PowerAdapter(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An external power source (AC adapter, USB power delivery port). ``online`` means supplying."""

    name: str
    kind: Literal["mains", "usb", "wireless", "ups", "other"]
    online: bool | None = None
    #: Rated or negotiated power in watts where known.
    watts: float | None = None


class PowerSources(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Everything that powers the machine: system batteries, peripherals' batteries, adapters.

    ``on_ac`` is True when an adapter is online (or, lacking adapters, no battery discharges);
    ``None`` when the machine reports no power sources at all.
    """

    batteries: tuple[Battery, ...]
    peripherals: tuple[Battery, ...] = ()
    adapters: tuple[PowerAdapter, ...] = ()
    on_ac: bool | None = None
