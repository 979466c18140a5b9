"""Durations (``90s``, ``15m``, ``1h``, ``7d``, ``2w``) and points in time for the history commands."""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timezone

__all__ = ["format_duration", "parse_duration", "parse_time"]

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*")


def parse_duration(text: str) -> float:
    """Seconds in ``text``: a number with an optional unit ``s``, ``m``, ``h``, ``d`` or ``w``
    (plain numbers are seconds). Raises :class:`ValueError` for anything else or for 0."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"not a duration (like 90s, 15m, 1h, 7d, 2w): {text!r}")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"a duration must be more than 0: {text!r}")
    return seconds


def parse_time(text: str, *, now: float | None = None) -> float:
    """Seconds since the Unix epoch for ``text``: a duration before ``now`` (``1h`` = one hour ago),
    ``now``, a number of epoch seconds (more than 1e9; smaller plain numbers are seconds ago), or an ISO 8601 date/time (local time when no zone is
    given)."""
    current = time.time() if now is None else now
    stripped = text.strip()
    if stripped == "now":
        return current
    try:
        value = float(stripped)
    except ValueError:
        pass
    else:
        if math.isfinite(value) and value > 1e9:
            return value  # epoch seconds (any time after 2001-09-09)
    try:
        return current - parse_duration(stripped)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(
            f"not a time (a duration ago like 1h, 'now', epoch seconds or ISO 8601): {text!r}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.astimezone()
    return parsed.astimezone(timezone.utc).timestamp()


def format_duration(seconds: float) -> str:
    """The shortest exact text for ``seconds`` among ``w``, ``d``, ``h``, ``m``, ``s``."""
    for unit in ("w", "d", "h", "m"):
        count = seconds / _UNITS[unit]
        if count >= 1 and count == int(count):
            return f"{int(count)}{unit}"
    return f"{seconds:.6f}".rstrip("0").rstrip(".") + "s"
