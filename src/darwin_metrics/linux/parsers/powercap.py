"""Pure helpers for RAPL (powercap) and energy counters."""

from __future__ import annotations

from darwin_metrics.linux.parsers.numbers import u64


def split_zone_name(name: str) -> tuple[str, int | None]:
    """``"package-10"`` → ``("package", 10)``; ``"core"`` → ``("core", None)``."""
    domain, sep, index = name.rpartition("-")
    if sep and domain and index.isdigit():
        return domain, int(index)
    return name, None


def counter_delta(previous: int, current: int, wrap_range: int | None) -> int | None:
    """Increase of a monotonic energy counter between two readings.

    A counter that went down wrapped once at ``wrap_range`` (RAPL ``max_energy_range_uj``); with no
    known range it was reset, and the delta is unknown (``None``).
    """
    if current >= previous:
        return current - previous
    if wrap_range is None or wrap_range <= 0 or previous > wrap_range:
        return None
    return current + (wrap_range - previous)


def parse_microunits(text: str, source: str) -> int:
    """A non-negative integer counter such as ``energy_uj``; ParseError otherwise."""
    return u64(text.strip(), source, "energy counter")
