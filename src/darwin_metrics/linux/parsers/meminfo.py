"""``/proc/meminfo``: ``Key:   value kB`` lines (``proc(5)``).

``kB`` means KiB: values with that unit are returned in bytes (value * 1024). Values without a unit
(``HugePages_Total`` and friends) are counts and are returned as they are.
"""

from __future__ import annotations

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import u64


def parse_meminfo(data: bytes, source: str = "/proc/meminfo") -> dict[str, int]:
    """Every key of ``/proc/meminfo`` with its value in bytes (or as a count when unitless).

    Raises :class:`ParseError` for an empty file, a line without ``:``, an empty key, a value that
    is not an unsigned 64-bit integer, or a unit other than ``kB``. A repeated key keeps its last
    value.
    """
    result: dict[str, int] = {}
    for line in data.split(b"\n"):
        key, colon, rest = line.partition(b":")
        parts = rest.split()
        if not colon:
            if line.strip():
                raise ParseError(source, f"not a 'Key: value' line: {line[:40]!r}")
            continue
        key = key.strip()
        if not key:
            raise ParseError(source, f"empty key: {line[:40]!r}")
        name = key.decode("latin-1")
        count = len(parts)
        if count == 2 and parts[1] == b"kB":
            result[name] = u64(parts[0], source, name) * 1024
        elif count == 1:
            result[name] = u64(parts[0], source, name)
        else:
            raise ParseError(source, f"{name}: expected 'N' or 'N kB', got {rest.strip()[:40]!r}")
    if not result:
        raise ParseError(source, "empty file")
    return result
