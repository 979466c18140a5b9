"""The ``btime`` line of ``/proc/stat``: boot time in whole seconds since the Unix epoch."""

from __future__ import annotations

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import u64


def parse_btime(data: bytes, source: str = "/proc/stat") -> int:
    """The boot time from a ``/proc/stat`` file. Raises :class:`ParseError` when absent or bad."""
    start = data.find(b"\nbtime ")
    if start < 0:
        if not data.startswith(b"btime "):
            raise ParseError(source, "no btime line")
        start = 0
    else:
        start += 1
    end = data.find(b"\n", start)
    text = data[start + len(b"btime ") : end if end >= 0 else None]
    return u64(text, source, "btime")
