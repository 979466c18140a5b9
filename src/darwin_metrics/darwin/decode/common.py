"""Small pure helpers shared by the decoders: structures from bytes, and typed reads of the values
the CoreFoundation converter (or a captured ``ioreg``/``sysctl`` dump) produces."""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from typing import Any, TypeVar

from darwin_metrics.errors import ParseError

S = TypeVar("S", bound=ctypes.Structure)

_U64 = 1 << 64


def struct_from(raw: bytes, cls: type[S], source: str, offset: int = 0) -> S:
    """``cls`` read from ``raw`` at ``offset``; :class:`ParseError` if the bytes are too few."""
    size = ctypes.sizeof(cls)
    if offset < 0 or len(raw) - offset < size:
        raise ParseError(source, f"{max(len(raw) - offset, 0)} bytes, need {size}")
    return cls.from_buffer_copy(raw, offset)


def c_string(raw: bytes) -> str:
    """A NUL-terminated C string from a fixed-size char array."""
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def signed64(value: int) -> int:
    """Re-sign a 64-bit value that was read unsigned (``ioreg`` prints -3706 as 2**64 - 3706)."""
    return value - _U64 if (1 << 63) <= value < _U64 else value


def integer(value: Any) -> int | None:
    """An int from a converted CF number, a decimal string (sysctl text), or little-endian bytes
    (raw sysctl values and IORegistry ``Data``); ``None`` for anything else."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, bytes):
        if not 0 < len(value) <= 8:
            return None
        return int.from_bytes(value, "little")
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def number(mapping: Mapping[str, Any], key: str) -> int | None:
    """An integer property, signed back to 64 bits; ``None`` when absent or not a number."""
    value = mapping.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return signed64(value) if isinstance(value, int) else integer(value)


def real(mapping: Mapping[str, Any], key: str) -> float | None:
    """A numeric property as float; ``None`` when absent or not a number."""
    value = mapping.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):
        return float(signed64(value))
    return value if value == value and abs(value) != float("inf") else None


def flag(mapping: Mapping[str, Any], key: str) -> bool | None:
    """A boolean property (CFBoolean, or a 0/1 number); ``None`` when absent."""
    value = mapping.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return None


def text(value: Any) -> str | None:
    """A string property: a CFString, or registry ``Data`` holding NUL-terminated text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        decoded = c_string(value)
        return decoded if decoded.isprintable() else None
    return None


def dictionary(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}
