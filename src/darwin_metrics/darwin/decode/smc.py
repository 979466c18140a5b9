"""SMC decoders: key packing, payload types, temperature sensors and fans.

Keys and types are four ASCII characters packed big-endian into a uint32 (``'TC0P'`` →
0x54433050). Payload types:

- ``flt `` little-endian IEEE-754 float32 (Apple Silicon, and fans, power and some temperatures on
  T2 Intel Macs);
- ``spXY`` signed big-endian 16-bit fixed point with ``Y`` (a hex digit) fraction bits: ``sp78`` is
  /256, ``sp87`` /128, ``sp96`` /64, ``sp1e`` /16384;
- ``fpXY`` the unsigned form: ``fpe2`` is big-endian uint16 / 4 (older Intel fans);
- ``ui8 ui16 ui32 ui64`` unsigned and ``si8 si16 si32 si64`` signed integers, big-endian by
  default. On Apple Silicon some integer keys are little-endian while others (``#KEY``) stay
  big-endian: :data:`APPLE_SILICON_LITTLE_ENDIAN` lists the keys verified against the registry;
- ``flag`` a boolean byte; ``ch8*`` ASCII text; ``{fds`` a fan descriptor with the name at 4..15.

Any other type decodes to ``None``. A payload shorter than its type needs is a :class:`ParseError`.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Mapping

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.records.power import PowerRail
from darwin_metrics.records.sensors import Fan, FanMode, SensorKind, TemperatureSensor

SMCValue = float | int | bool | str | None

#: Integer keys that Apple Silicon stores little-endian, each checked against the registry of the
#: captured M1 (``B0CT`` = CycleCount 10, ``B0DC`` = DesignCapacity 5103 mAh, ``B0FC`` =
#: AppleRawMaxCapacity 5154 mAh, ``B0AV`` ≈ Voltage mV, ``BRSC`` = 100 %).
APPLE_SILICON_LITTLE_ENDIAN = frozenset({"B0CT", "B0DC", "B0FC", "B0AV", "BRSC"})

#: Temperatures outside (0, 150] °C are sensor faults (absent sensors read 0, some read -9200).
PLAUSIBLE_CELSIUS = (0.0, 150.0)

_INT_TYPES = {
    "ui8 ": (1, False), "ui16": (2, False), "ui32": (4, False), "ui64": (8, False),
    "si8 ": (1, True), "si16": (2, True), "si32": (4, True), "si64": (8, True),
}  # fmt: skip
_FIXED = re.compile(r"(sp|fp)([0-9a-f])([0-9a-f])")


def pack_key(name: str) -> int:
    """A key or type name packed as the SMC wants it (4 ASCII characters, big-endian)."""
    raw = name.encode("ascii", "strict") if name.isascii() else b""
    if len(raw) != 4:
        raise ValueError(f"SMC key {name!r} is not four ASCII characters")
    return int.from_bytes(raw, "big")


def unpack_key(code: int) -> str:
    """The four characters of a packed key or type."""
    return (code & 0xFFFFFFFF).to_bytes(4, "big").decode("latin-1")


def _need(payload: bytes, size: int, data_type: str) -> bytes:
    if len(payload) < size:
        raise ParseError(f"SMC {data_type!r}", f"{len(payload)} bytes, need {size}")
    return payload[:size]


def value(data_type: str, payload: bytes, *, little_endian: bool = False) -> SMCValue:
    """Decode ``payload`` of SMC type ``data_type`` (see the module docstring)."""
    if data_type == "flt ":
        number = struct.unpack("<f", _need(payload, 4, data_type))[0]
        return float(number) if math.isfinite(number) else None
    fixed = _FIXED.fullmatch(data_type)
    if fixed:
        raw = _need(payload, 2, data_type)
        integer = int.from_bytes(raw, "big", signed=fixed.group(1) == "sp")
        return integer / (1 << int(fixed.group(3), 16))
    if data_type in _INT_TYPES:
        size, signed = _INT_TYPES[data_type]
        raw = _need(payload, size, data_type)
        return int.from_bytes(raw, "little" if little_endian else "big", signed=signed)
    if data_type == "flag":
        return bool(_need(payload, 1, data_type)[0])
    if data_type == "ch8*":
        return payload.split(b"\0", 1)[0].decode("ascii", "replace").strip() or None
    if data_type == "{fds":
        name = _need(payload, 16, data_type)[4:16]
        return name.split(b"\0", 1)[0].decode("ascii", "replace").strip() or None
    return None


def encode(data_type: str, number: float, size: int) -> bytes:
    """``number`` as a ``size``-byte payload of SMC type ``data_type`` (for writes): ``flt ``,
    ``spXY``/``fpXY`` and the integer types; ValueError for a type or value that cannot hold it."""
    try:
        if data_type == "flt " and size == 4 and math.isfinite(number):
            return struct.pack("<f", float(number))
        fixed = _FIXED.fullmatch(data_type)
        if fixed and size == 2:
            signed = fixed.group(1) == "sp"
            scaled = round(number * (1 << int(fixed.group(3), 16)))
            return scaled.to_bytes(2, "big", signed=signed)
        if data_type in _INT_TYPES and _INT_TYPES[data_type][0] == size:
            return int(number).to_bytes(size, "big", signed=_INT_TYPES[data_type][1])
    except (OverflowError, struct.error) as exc:
        raise ValueError(f"{number!r} does not fit SMC type {data_type!r}") from exc
    raise ValueError(f"cannot encode {number!r} as SMC type {data_type!r} of {size} bytes")


def key_value(key: str, data_type: str, payload: bytes, *, apple_silicon: bool = False) -> SMCValue:
    """:func:`value` with the byte order this key has on this machine."""
    little = apple_silicon and key in APPLE_SILICON_LITTLE_ENDIAN
    return value(data_type, payload, little_endian=little)


# --- temperatures ----------------------------------------------------------------------------

#: Intel key prefixes (case-sensitive) → kind; the longest match wins.
_INTEL_KINDS: dict[str, SensorKind] = {
    "TC": "cpu", "TCGC": "gpu", "TG": "gpu", "TGDD": "gpu", "TB": "battery", "TA": "ambient",
    "Tm": "memory", "TM": "memory", "TH": "storage", "TP": "chipset", "TN": "chipset",
}  # fmt: skip
#: Apple Silicon prefixes: CPU clusters (``Tp`` performance, ``Te`` efficiency, ``Ts``), GPU,
#: battery, NAND.
_APPLE_KINDS: dict[str, SensorKind] = {
    "Tp": "cpu", "Te": "cpu", "Ts": "cpu", "Tg": "gpu", "TB": "battery", "TH": "storage",
}  # fmt: skip

#: Labels of the classic keys (VirtualSMC's key list and the Intel dumps).
LABELS: dict[str, str] = {
    "TC0P": "CPU proximity", "TC0D": "CPU die", "TC0E": "CPU die (virtual)",
    "TC0F": "CPU die (filtered)", "TC0H": "CPU heatsink", "TCXC": "CPU PECI",
    "TCGC": "Intel GPU PECI", "TG0P": "GPU proximity", "TG0D": "GPU die", "TGDD": "AMD GPU die",
    "TA0P": "Ambient", "Tm0P": "Memory proximity", "TW0P": "Wireless proximity",
    "TB0T": "Battery", "TB1T": "Battery cell 1", "TB2T": "Battery cell 2",
}  # fmt: skip
#: Types that hold a temperature in °C.
TEMPERATURE_TYPES = ("flt ", "sp78", "sp87", "sp96", "sp5a", "sp69", "sp4b", "sp3c", "spa5")


def classify(key: str, *, apple_silicon: bool) -> SensorKind:
    """What the sensor ``key`` measures, by its prefix (the longest known one)."""
    table = _APPLE_KINDS if apple_silicon else _INTEL_KINDS
    for length in (4, 3, 2):
        kind = table.get(key[:length])
        if kind is not None:
            return kind
    return "other"


def is_temperature_key(key: str, data_type: str) -> bool:
    """A key that holds a temperature: ``T…`` with a temperature type."""
    return len(key) == 4 and key[0] == "T" and data_type in TEMPERATURE_TYPES


class TemperatureScan(msgspec.Struct, frozen=True, gc=False):
    """Sensors kept and how many readings were dropped as implausible."""

    sensors: tuple[TemperatureSensor, ...]
    dropped: int


def temperatures(
    readings: Mapping[str, tuple[str, bytes]], *, apple_silicon: bool
) -> TemperatureScan:
    """Temperature sensors from ``{key: (type, payload)}``, sorted by key; values ≤ 0 or above
    150 °C (absent or faulty sensors) are dropped and counted."""
    sensors = []
    dropped = 0
    low, high = PLAUSIBLE_CELSIUS
    for key in sorted(readings):
        data_type, payload = readings[key]
        if not is_temperature_key(key, data_type):
            continue
        try:
            celsius = value(data_type, payload)
        except ParseError:
            dropped += 1
            continue
        if not isinstance(celsius, float) or not low < celsius <= high:
            dropped += 1
            continue
        sensors.append(
            TemperatureSensor(
                chip="smc",
                chip_name="AppleSMC",
                sensor=key,
                label=LABELS.get(key),
                kind=classify(key, apple_silicon=apple_silicon),
                celsius=round(celsius, 3),
            )
        )
    return TemperatureScan(sensors=tuple(sensors), dropped=dropped)


# --- fans ------------------------------------------------------------------------------------

#: Older Intel Macs (no ``F{n}Md``): a bit mask of fans forced to their target, bit n for fan n.
FORCED_MASK_KEY = "FS! "

#: ``F{n}Md`` values: 0 automatic, 1 forced (manual target), 3 system-controlled.
FAN_MODES: dict[int, FanMode] = {0: "automatic", 1: "manual", 3: "automatic"}


def fan_keys(index: int) -> tuple[str, ...]:
    """The keys of SMC fan ``index`` a reading asks for."""
    return tuple(f"F{index}{suffix}" for suffix in ("Ac", "Mn", "Mx", "Tg", "Md", "md", "ID"))


def _rpm(values: Mapping[str, SMCValue], key: str) -> int | None:
    number = values.get(key)
    if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
        return None
    return round(number)


def fan(index: int, values: Mapping[str, SMCValue], *, controllable: bool = False) -> Fan:
    """SMC fan ``index`` (0-based; named ``fan{index + 1}`` like Linux applesmc) from its decoded
    keys. The mode is ``F{n}Md``, else ``F{n}md`` (lower case, newer Apple Silicon), else bit n of
    ``FS! `` (older Intel Macs)."""
    enable = None
    for key in (f"F{index}Md", f"F{index}md"):
        found = values.get(key)
        if isinstance(found, int) and not isinstance(found, bool):
            enable = found
            break
    forced = values.get(FORCED_MASK_KEY)
    if enable is None and isinstance(forced, int) and not isinstance(forced, bool):
        enable = (forced >> index) & 1  # older Intel: one "forced" bit per fan
    label = values.get(f"F{index}ID")
    return Fan(
        chip="smc",
        chip_name="AppleSMC",
        name=f"fan{index + 1}",
        index=index + 1,
        label=label if isinstance(label, str) else None,
        rpm=_rpm(values, f"F{index}Ac"),
        min_rpm=_rpm(values, f"F{index}Mn"),
        max_rpm=_rpm(values, f"F{index}Mx"),
        target_rpm=_rpm(values, f"F{index}Tg"),
        mode=FAN_MODES.get(enable) if enable is not None else None,
        enable=enable,
        controllable=controllable and enable is not None,
        path=f"smc:F{index}",
    )


# --- power -----------------------------------------------------------------------------------

#: SMC power keys (watts) → (rail name, domain). ``PSTR`` is the whole system, ``PDTR`` the DC-in
#: (adapter) power, ``PPBR`` the battery; Intel Macs add ``PCPC`` (CPU package) and ``PCPG`` (GPU).
POWER_KEYS: dict[str, tuple[str, str]] = {
    "PSTR": ("system", "system"),
    "PDTR": ("dc-in", "dc-in"),
    "PPBR": ("battery", "battery"),
    "PCPC": ("cpu-package", "cpu"),
    "PCPG": ("gpu", "gpu"),
}
#: Readings above this many watts are sensor faults on any Mac.
MAX_WATTS = 2000.0


def power_rails(readings: Mapping[str, tuple[str, bytes]]) -> tuple[PowerRail, ...]:
    """Instantaneous rails (watts) from ``{key: (type, payload)}`` of the :data:`POWER_KEYS`;
    a missing, undecodable, negative or absurd reading leaves that rail out."""
    rails = []
    for key, (name, domain) in POWER_KEYS.items():
        if key not in readings:
            continue
        try:
            watts = value(*readings[key])
        except ParseError:
            continue
        if isinstance(watts, bool) or not isinstance(watts, (int, float)):
            continue
        if not 0.0 <= watts <= MAX_WATTS:
            continue
        rails.append(
            PowerRail(name=name, source="smc", domain=domain, watts=float(watts), path=f"smc:{key}")
        )
    return tuple(rails)
