"""Pure helpers for RAPL (powercap) and energy counters."""

from __future__ import annotations

from darwin_metrics.linux.parsers.numbers import u64


def split_zone_name(name: str) -> tuple[str, int | None]:
    """``"package-10"`` → ``("package", 10)``; ``"core"`` → ``("core", None)``."""
    domain, sep, index = name.rpartition("-")
    if sep and domain and index.isdigit():
        return domain, int(index)
    return name, None


def parse_microunits(text: str, source: str) -> int:
    """A non-negative integer counter such as ``energy_uj``; ParseError otherwise."""
    return u64(text.strip(), source, "energy counter")
