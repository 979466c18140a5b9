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

from dataclasses import dataclass

from darwin_metrics.errors import ParseError
from darwin_metrics.records.disk import DiskIO

#: Linux counts I/O in 512-byte units regardless of the hardware sector size.
SECTOR_SIZE = 512
_COUNTS = frozenset({4, 11, 15, 17})


@dataclass(frozen=True, slots=True)
class DiskStat:
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
    return tuple(_uint(t, source) for t in tokens[:17])


def parse_diskstats(data: bytes, source: str = "/proc/diskstats") -> tuple[DiskStat, ...]:
    """Every line of ``/proc/diskstats``; blank lines are skipped."""
    result = []
    for line in data.splitlines():
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) < 4:
            raise ParseError(source, f"short line: {line[:80]!r}")
        name = tokens[2].decode("utf-8", "surrogateescape")
        result.append(
            DiskStat(
                major=_uint(tokens[0], source),
                minor=_uint(tokens[1], source),
                name=name,
                counters=parse_counters(tokens[3:], source),
            )
        )
    return tuple(result)


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


def _seconds(ms: int) -> float:
    return ms / 1000.0


def disk_io(stat: DiskStat, *, is_partition: bool, parent: str | None) -> DiskIO:
    """Convert raw counters to a :class:`DiskIO` (sectors → bytes, milliseconds → seconds)."""
    c = stat.counters
    if len(c) == 4:
        return DiskIO(
            name=stat.name,
            major=stat.major,
            minor=stat.minor,
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
        name=stat.name,
        major=stat.major,
        minor=stat.minor,
        is_partition=is_partition,
        parent=parent,
        reads=c[0],
        reads_merged=c[1],
        read_bytes=c[2] * SECTOR_SIZE,
        read_time=_seconds(c[3]),
        writes=c[4],
        writes_merged=c[5],
        write_bytes=c[6] * SECTOR_SIZE,
        write_time=_seconds(c[7]),
        in_flight=c[8],
        busy_time=_seconds(c[9]),
        weighted_time=_seconds(c[10]),
        discards=c[11] if has_discard else None,
        discards_merged=c[12] if has_discard else None,
        discard_bytes=c[13] * SECTOR_SIZE if has_discard else None,
        discard_time=_seconds(c[14]) if has_discard else None,
        flushes=c[15] if has_flush else None,
        flush_time=_seconds(c[16]) if has_flush else None,
    )
