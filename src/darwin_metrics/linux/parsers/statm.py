"""``/proc/PID/statm``: seven page counts (proc(5)).

``size resident shared text lib data dt``: total program size, resident set, resident shared
(file-backed + shmem), text, lib (always 0 since 2.6), data + stack, dirty (always 0). Values are in
pages; multiply by the page size for bytes. A counter that went below zero in the kernel prints as
a huge unsigned number; that is kept here and judged by the caller.
"""

from __future__ import annotations

import msgspec

from darwin_metrics.errors import ParseError


class Statm(msgspec.Struct, frozen=True, gc=False):
    """The seven counts of ``/proc/PID/statm``, in pages."""

    size: int
    resident: int
    shared: int
    text: int
    lib: int
    data: int
    dt: int


def parse_statm(data: bytes, source: str = "/proc/PID/statm") -> Statm:
    """Parse one ``statm`` file. Raises :class:`ParseError` naming ``source`` when malformed."""
    fields = data.split()
    if len(fields) != 7:
        raise ParseError(source, f"{len(fields)} fields, expected 7")
    try:
        values = [int(f) for f in fields]
    except ValueError:
        raise ParseError(source, f"not integers: {data[:60]!r}") from None
    if min(values) < 0:
        raise ParseError(source, "negative page count")
    return Statm(*values)
