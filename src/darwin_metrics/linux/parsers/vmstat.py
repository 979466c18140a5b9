"""``/proc/vmstat``: ``name value`` lines of virtual-memory counters (pages or events)."""

from __future__ import annotations

from collections.abc import Iterable

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import u64


def parse_vmstat(
    data: bytes, source: str = "/proc/vmstat", keys: Iterable[str] | None = None
) -> dict[str, int]:
    """Counters by name. ``pswpin``/``pswpout`` and ``pgpg*`` are in pages, most others are event
    counts.

    With ``keys``, only those counters are looked up (the file has a few hundred lines; this skips
    the rest) and a key the file lacks is simply absent. Raises :class:`ParseError` for an empty
    file or, among the lines parsed, one that is not ``name value`` with an unsigned 64-bit value.
    """
    if not data.strip():
        raise ParseError(source, "empty file")
    if keys is not None:
        return _lookup(data, source, keys)
    result: dict[str, int] = {}
    for line in data.split(b"\n"):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise ParseError(source, f"not a 'name value' line: {line[:40]!r}")
        name = fields[0].decode("latin-1")
        result[name] = u64(fields[1], source, name)
    return result


def _lookup(data: bytes, source: str, keys: Iterable[str]) -> dict[str, int]:
    result: dict[str, int] = {}
    for name in keys:
        prefix = name.encode("latin-1") + b" "
        if data.startswith(prefix):
            start = len(prefix)
        else:
            at = data.find(b"\n" + prefix)
            if at < 0:
                continue
            start = at + 1 + len(prefix)
        end = data.find(b"\n", start)
        value = data[start:] if end < 0 else data[start:end]
        result[name] = u64(value.strip(), source, name)
    return result
