"""Sensor records: temperatures, thermal zones, cooling devices and fans.

Units: temperatures in degrees Celsius, fan speeds in revolutions per minute (``*_rpm``), fan duty in
percent (0-100, ``*_percent``). The same records serve every platform; a field a platform or chip
does not give is ``None``.
"""

from __future__ import annotations

from typing import Literal

import msgspec

#: What a temperature sensor measures, by the rules documented in ``docs/sensors.md``.
SensorKind = Literal["cpu", "gpu", "memory", "storage", "battery", "ambient", "chipset", "other"]

#: Who drives a fan: ``full`` (no control, full speed: ``pwmN_enable`` 0), ``manual`` (the duty
#: written to ``pwmN`` holds: 1) or ``automatic`` (the chip or firmware decides: 2 and up).
FanMode = Literal["full", "manual", "automatic"]

#: How a fan is driven electrically: by voltage (``dc``) or pulse-width modulation (``pwm``).
FanDrive = Literal["dc", "pwm"]


class TemperatureSensor(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One temperature sensor of a hardware-monitoring chip (Linux hwmon ``tempN_*``), in °C.

    ``chip`` is a stable identifier of the chip built from the device it belongs to
    (``platform_coretemp_0``, ``nvme_nvme0``), so it survives reboots where ``hwmonN`` numbers do
    not; ``chip_name`` is the driver's name for it (``coretemp``, ``nvme``). ``sensor`` is the
    attribute prefix (``temp1``) and ``label`` the chip's own label (``Core 0``, ``Composite``).
    ``max_celsius``, ``min_celsius``, ``critical_celsius``, ``critical_hysteresis_celsius`` and ``emergency_celsius`` are the chip's limits
    in °C (``None`` where the chip has none or reports an unset sentinel such as 0 K or 0xFFFF K).
    ``alarm`` and ``critical_alarm`` are the chip's alarm flags. ``kind`` classifies the sensor.
    ``device`` is the real path of the chip's device in sysfs (``None`` without a device link).
    """

    chip: str
    chip_name: str | None = None
    sensor: str
    label: str | None = None
    kind: SensorKind = "other"
    celsius: float
    max_celsius: float | None = None
    min_celsius: float | None = None
    critical_celsius: float | None = None
    critical_hysteresis_celsius: float | None = None
    emergency_celsius: float | None = None
    alarm: bool | None = None
    critical_alarm: bool | None = None
    device: str | None = None

    @property
    def id(self) -> str:
        """``chip/sensor``, unique on the machine: ``platform_coretemp_0/temp2``."""
        return f"{self.chip}/{self.sensor}"

    @property
    def near_critical(self) -> bool:
        """True when the critical alarm is raised or ``celsius`` is within 5 °C of ``critical_celsius``."""
        if self.critical_alarm:
            return True
        return self.critical_celsius is not None and self.celsius >= self.critical_celsius - 5.0


class TripPoint(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A thermal zone's trip point: at ``celsius`` °C the kernel acts as ``type`` says.

    ``type`` is ``critical`` (orderly shutdown), ``hot``, ``passive`` (throttle) or ``active``
    (start a fan), or another string a driver reports. ``hysteresis_celsius`` is in kelvin (a difference,
    so equal to °C); ``None`` where the zone has none.
    """

    index: int
    type: str
    celsius: float | None = None
    hysteresis_celsius: float | None = None


class ThermalZone(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A kernel thermal zone (Linux ``/sys/class/thermal/thermal_zoneN``).

    ``celsius`` is in °C and may be negative; ``None`` when the zone cannot be read now.
    ``type`` is the zone's type string (``acpitz``, ``x86_pkg_temp``, ``cpu-thermal``); ``mode``
    is ``enabled`` or ``disabled``; ``policy`` is the governor (``step_wise``).
    """

    name: str
    type: str
    kind: SensorKind = "other"
    celsius: float | None = None
    mode: str | None = None
    policy: str | None = None
    trip_points: tuple[TripPoint, ...] = ()

    @property
    def critical_celsius(self) -> float | None:
        """The lowest ``critical`` trip point's temperature in °C, if the zone has one."""
        temps = [
            t.celsius for t in self.trip_points if t.type == "critical" and t.celsius is not None
        ]
        return min(temps) if temps else None


class CoolingDevice(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A kernel cooling device (fan, processor throttling, idle injection, …).

    ``current_state`` runs from 0 (no cooling) to ``max_state``; it is ``None`` when the device
    does not report it or reports -1 (``intel_powerclamp`` while idle injection is off).
    """

    name: str
    type: str
    current_state: int | None = None
    max_state: int | None = None


class Temperatures(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Every temperature source on the machine: chip sensors, thermal zones and cooling devices.

    Thermal zones often describe the same hardware as a chip sensor (``acpitz``, ``x86_pkg_temp``);
    they are listed apart so nothing is counted twice.
    """

    sensors: tuple[TemperatureSensor, ...] = ()
    zones: tuple[ThermalZone, ...] = ()
    cooling_devices: tuple[CoolingDevice, ...] = ()

    def of_kind(self, kind: SensorKind) -> tuple[TemperatureSensor, ...]:
        """The chip sensors classified as ``kind``."""
        return tuple(s for s in self.sensors if s.kind == kind)

    def highest(self, kind: SensorKind | None = None) -> float | None:
        """The highest temperature in °C among sensors and zones (of ``kind`` if given)."""
        values = [s.celsius for s in self.sensors if kind is None or s.kind == kind]
        values += [
            z.celsius
            for z in self.zones
            if z.celsius is not None and (kind is None or z.kind == kind)
        ]
        return max(values) if values else None


class Fan(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One fan channel of a hardware-monitoring chip: its tachometer and its PWM control.

    A channel ``N`` joins the chip's ``fanN_*`` (speed) and ``pwmN*`` (control) attributes; either
    half may be missing (``rpm`` is ``None`` without a tachometer, ``duty_percent`` and ``mode``
    without a PWM output). Speeds are in RPM; ``rpm`` 0 means stopped *or* no tachometer signal.
    ``target_rpm`` is the speed the chip aims for (``fanN_target``, or ``fanN_output`` on applesmc);
    ``safe_rpm`` is applesmc's ``fanN_safe``.
    ``duty_percent`` is ``pwmN`` scaled from 0-255 to 0-100. ``mode`` is decoded from
    ``pwmN_enable`` (or ``fanN_manual``); ``enable`` keeps the raw value because automatic modes
    are chip-specific (nct6775: 2 thermal cruise … 5 SmartFan IV). ``drive`` is from ``pwmN_mode``.
    ``min_duty_percent`` is the lowest duty the driver documents for the channel (largest of
    ``pwmN_min``, ``pwmN_start``, ``pwmN_floor``). ``controllable`` is True when this process could
    drive the fan here (a writable ``pwmN`` and root). ``path`` is the directory holding the
    attributes; ``device`` the chip's device in sysfs.
    """

    chip: str
    chip_name: str | None = None
    name: str
    index: int
    label: str | None = None
    rpm: int | None = None
    min_rpm: int | None = None
    max_rpm: int | None = None
    target_rpm: int | None = None
    safe_rpm: int | None = None
    alarm: bool | None = None
    duty_percent: float | None = None
    mode: FanMode | None = None
    enable: int | None = None
    drive: FanDrive | None = None
    min_duty_percent: float | None = None
    controllable: bool = False
    path: str
    device: str | None = None

    @property
    def id(self) -> str:
        """``chip/name``, unique on the machine: ``nct6779/fan2``."""
        return f"{self.chip}/{self.name}"


class FanSetting(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What a fan runs at after a fan-control request, read back from the driver.

    ``duty_percent`` is ``pwmN`` as the driver reports it after the write (drivers clamp and
    round); ``mode``/``enable`` as in :class:`Fan`; ``rpm`` is the last tachometer reading (``None``
    without a tachometer). ``stalled`` is True when the fan stopped after the request and was put at
    full speed instead.
    """

    fan: str
    duty_percent: float | None = None
    mode: FanMode | None = None
    enable: int | None = None
    rpm: int | None = None
    stalled: bool = False
