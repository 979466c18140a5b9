"""The unit of a stored metric path, and values written in human units (KiB, MHz, °C...).

Field names carry their unit (see docs/json.md): ``*_percent``, ``*_per_second``, ``*_celsius``,
``*_hertz``, ``*_watts``… Bytes and seconds keep plain names, so those are known by name.
"""

from __future__ import annotations

import math
import re

__all__ = ["format_value", "unit_of"]

#: Suffix of the last field name → unit symbol, longest suffixes first.
_SUFFIX_UNITS = (
    ("bytes_per_second", "B/s"),
    ("bits_per_second", "bit/s"),
    ("per_second", "/s"),
    ("percent", "%"),
    ("celsius", "°C"),
    ("hertz", "Hz"),
    ("watts", "W"),
    ("joules", "J"),
    ("volts", "V"),
    ("amperes", "A"),
    ("coulombs", "C"),
    ("rpm", "rpm"),
    ("dbm", "dBm"),
    ("bytes", "B"),
)

#: Families whose plain size fields (``total``, ``used``…) are bytes.
_BYTE_FAMILIES = ("memory", "volumes", "cgroup", "gpus", "socket_stats")
_BYTE_FIELDS = frozenset(
    [
        "total",
        "available",
        "used",
        "free",
        "buffers",
        "cached",
        "shared",
        "active",
        "inactive",
        "slab",
        "wired",
        "compressed",
        "purgeable",
        "app",
        "max",
        "high",
        "low",
        "min",
        "swap_used",
        "swap_max",
        "anon",
        "file",
        "kernel",
        "memory_total",
        "memory_used",
        "memory_free",
        "limit_bytes",
        "memory",
    ]
)
_SECOND_FIELDS = frozenset(["uptime", "boot_time", "some_total", "full_total"])
_LAST_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?$")


def _last_field(path: str) -> tuple[str, str]:
    """(family, last field name) of a concrete path, a reducer removed."""
    parts = [p for p in re.split(r"\.(?![^\[]*\])", path) if p]
    if len(parts) > 1 and parts[-1] in ("max", "min", "mean", "sum", "count"):
        parts = parts[:-1]
    family = re.sub(r"\[.*$", "", parts[0]) if parts else ""
    match = _LAST_FIELD.search(parts[-1]) if parts else None
    return family, match.group(1) if match else ""


def unit_of(path: str) -> str:
    """The unit symbol of the values under ``path`` (``""`` for plain counts and unknowns)."""
    if path.endswith(".count"):
        return ""
    family, field = _last_field(path)
    for suffix, unit in _SUFFIX_UNITS:
        if field == suffix or field.endswith("_" + suffix):
            return unit
    if ".times." in path or field in _SECOND_FIELDS or field.endswith("_time"):
        return "s"
    if family in _BYTE_FAMILIES and field in _BYTE_FIELDS:
        return "B"
    return ""


_BINARY = ("", "Ki", "Mi", "Gi", "Ti", "Pi")
_DECIMAL = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def format_value(value: float | None, unit: str) -> str:
    """``value`` in ``unit`` written for people: binary prefixes for bytes, decimal for Hz/W/…"""
    if value is None or not math.isfinite(value):
        return "-"
    if unit in ("B", "B/s"):
        scaled, index = abs(value), 0
        while scaled >= 1024 and index < len(_BINARY) - 1:
            scaled /= 1024
            index += 1
        sign = "-" if value < 0 else ""
        number = f"{scaled:.0f}" if index == 0 else f"{scaled:.1f}"
        return f"{sign}{number} {_BINARY[index]}{unit}"
    if unit in ("%", "°C", "dBm", "rpm"):
        return f"{value:.1f} {unit}" if unit != "rpm" else f"{value:.0f} rpm"
    if unit in ("Hz", "W", "J", "V", "A", "C", "bit/s", "/s"):
        for factor, prefix in _DECIMAL:
            if abs(value) >= factor:
                return f"{value / factor:.2f} {prefix}{unit}"
        return f"{value:.3g} {unit}"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:g}"


_UNSCALED = frozenset(("%", "°C", "dBm", "rpm", "s", ""))


def scale_for(unit: str, magnitude: float) -> tuple[float, str]:
    """(factor, prefix) to write values near ``magnitude`` in ``unit``: powers of 1024 for
    bytes, of 1000 for other SI units, none for percent, °C, dBm, rpm and seconds."""
    magnitude = abs(magnitude)
    if unit in _UNSCALED or not math.isfinite(magnitude) or magnitude == 0:
        return 1.0, ""
    if unit in ("B", "B/s"):
        index = 0
        while magnitude >= 1024 ** (index + 1) and index < len(_BINARY) - 1:
            index += 1
        return float(1024**index), _BINARY[index]
    for factor, prefix in _DECIMAL:
        if magnitude >= factor:
            return factor, prefix
    return 1.0, ""
