"""``/proc/diskstats`` and ``/sys/block/<dev>/stat``: block-device I/O counters.

Kernel ABI: ``Documentation/admin-guide/iostats.rst`` and ``Documentation/ABI/testing/procfs-diskstats``.
Each ``/proc/diskstats`` line is ``major minor name`` followed by the counters; ``/sys/block/*/stat``
holds the same counters without the three leading columns. The number of counters depends on the
kernel:

* 4  (partitions on kernels before 2.6.25): reads, sectors read, writes, sectors written
* 11 (before 4.18): reads, reads merged, sectors read, ms reading, writes, writes merged, sectors
  written, ms writing, I/Os in flight, ms doing I/O, weighted ms doing I/O
* 15 (4.18+): the 11, then discards, discards merged, sectors discarded, ms discarding
* 17 (5.5+): the 15, then flushes, ms flushing

More than 17 counters (a future kernel) keeps the first 17. Any other count is a :class:`ParseError`.
A sector is always 512 bytes in this accounting, whatever the device's block size.
"""

from __future__ import annotations

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.records.disk import DiskIO

#: Linux counts I/O in 512-byte units regardless of the hardware sector size.
SECTOR_SIZE = 512
_COUNTS = frozenset({4, 11, 15, 17})


class DiskStat(msgspec.Struct, frozen=True):
    """One device's raw counters as the kernel printed them (sectors, milliseconds)."""

    major: int | None
    minor: int | None
    name: str
    counters: tuple[int, ...]


def _uint(token: bytes, source: str) -> int:
    if not token.isdigit():
        raise ParseError(source, f"not a non-negative integer: {token[:40]!r}")
    return int(token)


def parse_counters(tokens: list[bytes], source: str) -> tuple[int, ...]:
    """The counter columns of one device (4, 11, 15, 17 or more values) as integers."""
    n = len(tokens)
    if n not in _COUNTS and n < 17:
        raise ParseError(source, f"{n} counters per device, expected 4, 11, 15 or 17")
    tokens = tokens[:17]
    if b"".join(tokens).isdigit():
        return tuple(map(int, tokens))  # the usual case: every token decimal digits
    return tuple(_uint(t, source) for t in tokens)


def diskstats_rows(
    data: bytes, source: str = "/proc/diskstats"
) -> list[tuple[int, int, str, tuple[int, ...]]]:
    """``(major, minor, name, counters)`` of every line of ``/proc/diskstats`` (blank lines
    skipped): :func:`parse_diskstats` without an object per line, for the collector."""
    result = []
    for line in data.splitlines():
        row = diskstats_row(line, source)
        if row is not None:
            result.append(row)
    return result


def diskstats_row(line: bytes, source: str) -> tuple[int, int, str, tuple[int, ...]] | None:
    """One line of ``/proc/diskstats`` as ``(major, minor, name, counters)``; ``None`` if blank."""
    tokens = line.split()
    if not tokens:
        return None
    if len(tokens) < 4:
        raise ParseError(source, f"short line: {line[:80]!r}")
    major, minor, name = tokens[:3]
    return (
        _uint(major, source),
        _uint(minor, source),
        name.decode("utf-8", "surrogateescape"),
        parse_counters(tokens[3:], source),
    )


def parse_diskstats(data: bytes, source: str = "/proc/diskstats") -> tuple[DiskStat, ...]:
    """Every line of ``/proc/diskstats``; blank lines are skipped."""
    return tuple(
        DiskStat(major=major, minor=minor, name=name, counters=counters)
        for major, minor, name, counters in diskstats_rows(data, source)
    )


def parse_block_stat(data: bytes, name: str, source: str) -> DiskStat:
    """``/sys/block/<name>/stat`` (one line of counters, without device numbers)."""
    tokens = data.split()
    if not tokens:
        raise ParseError(source, "empty file")
    return DiskStat(major=None, minor=None, name=name, counters=parse_counters(tokens, source))


def parse_dev_numbers(text: str, source: str) -> tuple[int, int]:
    """A sysfs ``dev`` attribute, ``"8:1"``, as ``(major, minor)``."""
    major, sep, minor = text.strip().partition(":")
    if not sep or not (major.isascii() and major.isdigit() and minor.isascii() and minor.isdigit()):
        raise ParseError(source, f"not major:minor: {text[:40]!r}")
    return int(major), int(minor)


def disk_io(stat: DiskStat, *, is_partition: bool, parent: str | None) -> DiskIO:
    """Convert raw counters to a :class:`DiskIO` (sectors → bytes, milliseconds → seconds)."""
    return counters_io(stat.name, stat.major, stat.minor, stat.counters, is_partition, parent)


def counters_io(
    name: str,
    major: int | None,
    minor: int | None,
    c: tuple[int, ...],
    is_partition: bool,
    parent: str | None,
) -> DiskIO:
    """:func:`disk_io` from the parts of a :class:`DiskStat`."""
    if len(c) == 4:
        return DiskIO(
            name=name,
            major=major,
            minor=minor,
            is_partition=is_partition,
            parent=parent,
            reads=c[0],
            read_bytes=c[1] * SECTOR_SIZE,
            writes=c[2],
            write_bytes=c[3] * SECTOR_SIZE,
        )
    has_discard = len(c) >= 15
    has_flush = len(c) >= 17
    return DiskIO(
        name=name,
        major=major,
        minor=minor,
        is_partition=is_partition,
        parent=parent,
        reads=c[0],
        reads_merged=c[1],
        read_bytes=c[2] * SECTOR_SIZE,
        read_time=c[3] / 1000.0,
        writes=c[4],
        writes_merged=c[5],
        write_bytes=c[6] * SECTOR_SIZE,
        write_time=c[7] / 1000.0,
        in_flight=c[8],
        busy_time=c[9] / 1000.0,
        weighted_time=c[10] / 1000.0,
        discards=c[11] if has_discard else None,
        discards_merged=c[12] if has_discard else None,
        discard_bytes=c[13] * SECTOR_SIZE if has_discard else None,
        discard_time=c[14] / 1000.0 if has_discard else None,
        flushes=c[15] if has_flush else None,
        flush_time=c[16] / 1000.0 if has_flush else None,
    )
