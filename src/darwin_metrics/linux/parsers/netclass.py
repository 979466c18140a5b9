"""Attributes of ``/sys/class/net/<interface>/``: flags, uevent, speed, duplex, carrier.

Kernel ABI: ``Documentation/ABI/testing/sysfs-class-net``. Each parser takes the attribute's text
(already stripped) and returns a plain value, ``None`` where the kernel says "unknown", or raises
:class:`ParseError` for text that does not have the documented form.
"""

from __future__ import annotations

from typing import Literal

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import integer

IFF_UP = 0x1
IFF_BROADCAST = 0x2
IFF_LOOPBACK = 0x8
IFF_POINTOPOINT = 0x10
IFF_RUNNING = 0x40
IFF_LOWER_UP = 0x10000

#: ``speed`` values meaning "unknown": ethtool's SPEED_UNKNOWN (-1, also seen printed unsigned) and
#: the 16-bit 0xFFFF some old drivers report.
_UNKNOWN_SPEEDS = frozenset({65535, 4294967295})


def parse_flags(text: str, source: str) -> int:
    """The ``flags`` attribute, a hexadecimal ``0x1003``, as an integer of ``IFF_*`` bits (an
    ``unsigned int``: at most eight hexadecimal digits)."""
    text = text.strip()
    digits = text[2:] if text[:2] in ("0x", "0X") else text
    if not 0 < len(digits) <= 8 or not all(c in "0123456789abcdefABCDEF" for c in digits):
        raise ParseError(source, f"not a hexadecimal flag word: {text[:40]!r}")
    return int(digits, 16)


def parse_speed(text: str, source: str) -> int | None:
    """``speed`` in Mb/s → bits per second; ``None`` for -1, 0 and the other "unknown" values."""
    value = integer(text, source, "speed")
    if value <= 0 or value in _UNKNOWN_SPEEDS:
        return None
    return value * 1_000_000


def parse_duplex(text: str) -> Literal["full", "half"] | None:
    """``duplex``: ``"full"`` or ``"half"``; anything else (``unknown``) is ``None``."""
    text = text.strip().lower()
    if text == "full":
        return "full"
    if text == "half":
        return "half"
    return None


def parse_carrier(text: str, source: str) -> bool:
    """``carrier``: ``1`` → True, ``0`` → False. (The kernel answers EINVAL while the link is down.)"""
    text = text.strip()
    if text == "1":
        return True
    if text == "0":
        return False
    raise ParseError(source, f"expected 0 or 1: {text[:40]!r}")


def parse_uevent(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``uevent`` attribute; lines without ``=`` are ignored."""
    result: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            result[key.strip()] = value.strip()
    return result
