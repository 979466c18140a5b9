"""Pure parsers for hwmon, thermal-zone and cooling-device attributes, and sensor classification.

Each ``parse_*`` takes one sysfs attribute's text (as :func:`darwin_metrics.linux.fs.read_attr`
returns it) and the path it came from, and returns a plain value or raises
:class:`~darwin_metrics.errors.ParseError`. Units follow ``Documentation/hwmon/sysfs-interface``:
temperatures in millidegrees Celsius, fan speeds in RPM, PWM duty 0-255.
"""

from __future__ import annotations

import os

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.fs import parse_int as parse_int
from darwin_metrics.records.sensors import FanDrive, FanMode, SensorKind

#: The attribute types :func:`split_attribute` recognises, and the characters of a property.
_ATTR_TYPES = frozenset({"temp", "fan", "pwm", "power", "energy"})
_PROPERTY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_TRIP_PROPERTIES = frozenset({"temp", "type", "hyst"})
#: What :func:`clean_id` keeps; every other character becomes ``_``.
_ID_CHARS = _PROPERTY_CHARS | {":"}

#: Limits at or below 0 K, or at or above 0xFFFF K (NVMe's "no threshold"), mean "not set".
_ABSOLUTE_ZERO_MILLI = -273150
_UNSET_HIGH_MILLI = 65535 * 1000 - 273150


def parse_millicelsius(text: str, source: str) -> float:
    """A temperature in millidegrees Celsius (``tempN_input``, zone ``temp``) → °C."""
    return parse_int(text, source) / 1000.0


def parse_limit(text: str, source: str) -> float | None:
    """A temperature limit in m°C → °C; ``None`` for the unset sentinels 0 K and 0xFFFF K."""
    milli = parse_int(text, source)
    if milli <= _ABSOLUTE_ZERO_MILLI or milli >= _UNSET_HIGH_MILLI:
        return None
    return milli / 1000.0


def parse_flag(text: str, source: str) -> bool:
    """An alarm or on/off attribute: 0 is False, any other integer True."""
    return parse_int(text, source) != 0


def parse_rpm(text: str, source: str) -> int:
    """A fan speed in RPM (``fanN_input/min/max/target``); never negative."""
    value = parse_int(text, source)
    if value < 0:
        raise ParseError(source, f"negative fan speed: {value}")
    return value


def parse_pwm(text: str, source: str) -> int:
    """A PWM duty value (``pwmN``, ``pwmN_start``…), 0-255."""
    value = parse_int(text, source)
    if not 0 <= value <= 255:
        raise ParseError(source, f"PWM value out of 0-255: {value}")
    return value


def pwm_to_percent(pwm: int) -> float:
    """A 0-255 PWM value as a duty percentage (0-100)."""
    return pwm * 100.0 / 255.0


def percent_to_pwm(percent: float) -> int:
    """A duty percentage (0-100) as the nearest 0-255 PWM value; ValueError outside 0-100."""
    if not 0.0 <= percent <= 100.0:
        raise ValueError(f"duty must be within 0-100 percent, not {percent!r}")
    return round(percent * 255.0 / 100.0)


#: Drivers whose ``pwmN_enable`` does not select who drives the fan. ``pwm-fan`` (hwmon name
#: ``pwmfan``) uses it to choose what happens to the regulator at duty 0; the duty always holds.
ENABLE_IS_NOT_MODE = frozenset({"pwmfan"})


def fan_mode(enable: int, chip_name: str | None = None) -> FanMode | None:
    """Decode ``pwmN_enable``: 0 full speed, 1 manual, 2 and up automatic (chip-specific).

    ``pwm-fan`` is always ``manual`` (see :data:`ENABLE_IS_NOT_MODE`); negative values are
    unknown (``None``).
    """
    if chip_name in ENABLE_IS_NOT_MODE:
        return "manual"
    if enable < 0:
        return None
    if enable == 0:
        return "full"
    if enable == 1:
        return "manual"
    return "automatic"


def fan_drive(mode: int) -> FanDrive | None:
    """Decode ``pwmN_mode``: 0 DC (voltage), 1 PWM; anything else unknown (``None``)."""
    if mode == 0:
        return "dc"
    if mode == 1:
        return "pwm"
    return None


def parse_cooling_state(text: str, source: str) -> int | None:
    """A cooling device's ``cur_state``/``max_state``; -1 (no state, e.g. powerclamp off) → None."""
    value = parse_int(text, source)
    if value == -1:
        return None
    if value < 0:
        raise ParseError(source, f"negative cooling state: {value}")
    return value


def parse_trip_type(text: str, source: str) -> str:
    """A trip point's type: ``critical``, ``hot``, ``passive``, ``active`` or a driver's own word."""
    value = text.strip().lower()
    if not value or not value.isprintable() or len(value) > 64:
        raise ParseError(source, f"not a trip point type: {value[:40]!r}")
    return value


def _index(digits: str) -> int | None:
    """One to six ASCII digits as a number (an attribute's index), else ``None``."""
    if 0 < len(digits) <= 6 and digits.isascii() and digits.isdigit():
        return int(digits)
    return None


def split_attribute(name: str) -> tuple[str, int, str] | None:
    """``temp1_input`` → ``("temp", 1, "input")``; ``pwm2`` → ``("pwm", 2, "")``.

    Only temperature, fan, PWM, power and energy attributes are recognised; anything else is
    ``None``.
    """
    head, underscore, prop = name.partition("_")
    kind = head.rstrip("0123456789")  # no type ends in a digit or holds an underscore
    if kind not in _ATTR_TYPES:
        return None
    index = _index(head[len(kind) :])
    if index is None or (underscore and not (prop and _PROPERTY_CHARS.issuperset(prop))):
        return None
    return kind, index, prop


def split_trip_point(name: str) -> tuple[int, str] | None:
    """``trip_point_3_temp`` → ``(3, "temp")``; anything else ``None``."""
    if not name.startswith("trip_point_"):
        return None
    digits, _, prop = name[len("trip_point_") :].partition("_")
    index = _index(digits)
    if index is None or prop not in _TRIP_PROPERTIES:
        return None
    return index, prop


def clean_id(text: str) -> str:
    """Lower-case ``text`` and turn every character outside ``[a-z0-9:_]`` into ``_``, then trim
    ``_`` from both ends (the same identifiers node_exporter's hwmon collector uses)."""
    return "".join(c if c in _ID_CHARS else "_" for c in text.lower()).strip("_")


def chip_id(device: str | None, name: str | None, directory: str, *, shared: bool = False) -> str:
    """A stable identifier for an hwmon chip.

    From the real path of its ``device`` link: ``<parent dir>_<device dir>``
    (``/sys/devices/platform/coretemp.0`` → ``platform_coretemp_0``), with ``_<name>`` appended when
    several hwmon directories share that device (``platform_asus_nb_wmi_asus``). Without a device,
    the chip's ``name``; without either, the hwmon directory's own name (``hwmon4``).
    """
    clean_name = clean_id(name) if name else ""
    if device:
        parent, base = os.path.split(device.rstrip("/"))
        dev_name = clean_id(base)
        dev_type = clean_id(os.path.basename(parent))
        ident = f"{dev_type}_{dev_name}" if dev_type and dev_name else dev_name
        if ident:
            return f"{ident}_{clean_name}" if shared and clean_name else ident
    if clean_name:
        return clean_name
    base = os.path.basename(directory.rstrip("/"))
    return clean_id(base) or base


# --- classification -----------------------------------------------------------------------------

#: Chip (hwmon ``name``) rules applied before labels: the driver alone says what it measures.
CHIP_KINDS: dict[str, SensorKind] = {
    "coretemp": "cpu",
    "k8temp": "cpu",
    "k10temp": "cpu",
    "zenpower": "cpu",
    "via_cputemp": "cpu",
    "amdgpu": "gpu",
    "radeon": "gpu",
    "nouveau": "gpu",
    "i915": "gpu",
    "xe": "gpu",
    "nvme": "storage",
    "drivetemp": "storage",
    "jc42": "memory",
    "spd5118": "memory",
    "iwlwifi": "other",
    "i350bb": "other",
}
#: Chip-name prefixes, after :data:`CHIP_KINDS` (``pch_cannonlake``, ``iwlwifi_1``, ``BAT0``).
CHIP_PREFIX_KINDS: tuple[tuple[str, SensorKind], ...] = (
    ("pch_", "chipset"),
    ("iwlwifi", "other"),
    ("ath1", "other"),
    ("mt7", "other"),
    ("bat", "battery"),
)
#: Label (or zone-type) substrings in order of precedence; the first match wins.
LABEL_KINDS: tuple[tuple[SensorKind, tuple[str, ...]], ...] = (
    ("memory", ("dimm", "dram", "memory")),
    ("gpu", ("gpu",)),
    (
        "cpu",
        (
            "cpu",
            "core ",
            "package id",
            "physical id",
            "tctl",
            "tdie",
            "tccd",
            "peci",
            "smbusmaster",
            "tsi0",
            "tsi1",
        ),
    ),
    ("chipset", ("pch", "chipset", "southbridge", "mch")),
    ("storage", ("ssd", "hdd", "nvme", "disk", "drive")),
    ("battery", ("battery",)),
    ("ambient", ("systin", "ambient", "motherboard", "mainboard", "system", "board", "skin")),
)
#: Chip or zone names that say what they measure when no label does.
NAME_KINDS: dict[str, SensorKind] = {
    "x86_pkg_temp": "cpu",
    "cpu-thermal": "cpu",
    "cpu_thermal": "cpu",
    "soc_thermal": "cpu",
    "soc-thermal": "cpu",
    "bcm2835_thermal": "cpu",
    "b0d4": "cpu",
    "tcpu": "cpu",
    "acpitz": "ambient",
    "tamb": "ambient",
    "tskn": "ambient",
    "tmem": "memory",
    "tssd": "storage",
    "tbat": "battery",
}
#: Name prefixes when no other rule matched (``cpu0-thermal``, ``gpu-thermal``, ``BAT1``).
NAME_PREFIX_KINDS: tuple[tuple[str, SensorKind], ...] = (
    ("cpu", "cpu"),
    ("gpu", "gpu"),
    ("pch", "chipset"),
    ("bat", "battery"),
    ("iwlwifi", "other"),
)
#: ``tempN_type`` values that name a CPU sensor: 5 AMD AMDSI, 6 Intel PECI.
CPU_SENSOR_TYPES = frozenset({5, 6})


def _by_label(text: str) -> SensorKind | None:
    lowered = text.lower()
    for kind, needles in LABEL_KINDS:
        if any(n in lowered for n in needles):
            return kind
    return None


def _by_name(name: str) -> SensorKind | None:
    lowered = name.lower()
    if lowered in NAME_KINDS:
        return NAME_KINDS[lowered]
    for prefix, kind in NAME_PREFIX_KINDS:
        if lowered.startswith(prefix):
            return kind
    return None


def classify_sensor(
    chip_name: str | None,
    label: str | None,
    *,
    index: int | None = None,
    sensor_type: int | None = None,
) -> SensorKind:
    """What an hwmon temperature sensor measures (rules documented in ``docs/sensors.md``).

    In order: the chip driver (:data:`CHIP_KINDS`, :data:`CHIP_PREFIX_KINDS`), the sensor's label
    (:data:`LABEL_KINDS`), ``tempN_type`` (:data:`CPU_SENSOR_TYPES`), ``thinkpad``'s ``temp1``
    (its CPU sensor), the chip name (:data:`NAME_KINDS`, :data:`NAME_PREFIX_KINDS`), else ``other``.
    """
    name = (chip_name or "").lower()
    if name in CHIP_KINDS:
        return CHIP_KINDS[name]
    for prefix, kind in CHIP_PREFIX_KINDS:
        if name.startswith(prefix):
            return kind
    if label:
        found = _by_label(label)
        if found is not None:
            return found
    if sensor_type in CPU_SENSOR_TYPES:
        return "cpu"
    if name == "thinkpad" and index == 1:
        return "cpu"
    return _by_name(name) or "other"


def classify_zone(zone_type: str) -> SensorKind:
    """What a thermal zone measures, from its ``type`` (names first, then label substrings)."""
    return _by_name(zone_type) or _by_label(zone_type) or "other"
