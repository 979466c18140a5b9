"""``/proc/meminfo``: ``Key:   value kB`` lines (``proc(5)``).

``kB`` means KiB: values with that unit are returned in bytes (value * 1024). Values without a unit
(``HugePages_Total`` and friends) are counts and are returned as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import u64


def parse_meminfo(
    data: bytes, source: str = "/proc/meminfo", keys: Iterable[str] | None = None
) -> dict[str, int]:
    """Every key of ``/proc/meminfo`` with its value in bytes (or as a count when unitless).

    Raises :class:`ParseError` for an empty file, a line without ``:``, an empty key, a value that
    is not an unsigned 64-bit integer, or a unit other than ``kB``. A repeated key keeps its last
    value.

    With ``keys``, only the first line of each of those keys is looked up and checked (the file has
    some sixty lines; this skips the rest), and a key the file lacks is simply absent.
    """
    if keys is not None:
        return _lookup(data, source, keys)
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


def _value(rest: bytes, source: str, name: str) -> int:
    """The value part of one line (after the colon): ``N kB`` in bytes, or a bare ``N``."""
    parts = rest.split()
    count = len(parts)
    if count == 2 and parts[1] == b"kB":
        return u64(parts[0], source, name) * 1024
    if count == 1:
        return u64(parts[0], source, name)
    raise ParseError(source, f"{name}: expected 'N' or 'N kB', got {rest.strip()[:40]!r}")


@lru_cache(maxsize=32)
def _encoded(keys: tuple[str, ...]) -> tuple[tuple[str, bytes], ...]:
    return tuple((name, b"\n" + name.encode("latin-1") + b":") for name in keys)


def _lookup(data: bytes, source: str, keys: Iterable[str]) -> dict[str, int]:
    """The first line of each key. Each search starts where the previous key's line ended (pass
    the keys in the kernel's order to read the file about once), then falls back to the whole
    file."""
    if not data.strip():
        raise ParseError(source, "empty file")
    result: dict[str, int] = {}
    data = b"\n" + data
    find = data.find
    pos = 0
    for name, key in _encoded(tuple(keys)):
        start = find(key, pos)
        if start < 0:
            start = find(key)
            if start < 0:
                continue
        start += len(key)
        pos = find(b"\n", start)
        if pos < 0:
            pos = len(data)
        result[name] = _value(data[start:pos], source, name)
    return result
