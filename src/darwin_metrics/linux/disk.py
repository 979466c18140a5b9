"""``disks()`` on Linux: I/O counters per block device, partitions told apart from whole disks.

Counters come from ``/proc/diskstats``; when that file is missing, from ``/sys/block/<disk>/stat``
and ``/sys/block/<disk>/<partition>/stat``.

Whole disk or partition, in this order:

1. ``/sys/block/<name>`` exists: a whole disk (that directory lists only disks).
2. ``/sys/class/block/<name>`` exists: a partition if it holds a ``partition`` attribute; its
   ``parent`` is the directory above it in the resolved sysfs path (``…/block/sda/sda1`` → ``sda``).
3. No sysfs entry (a captured or partial tree): the *name rule*. Strip the trailing digits of the
   name, and then a ``p`` that follows a digit (``nvme0n1p2`` → ``nvme0n1``, ``mmcblk0p1`` →
   ``mmcblk0``, ``sda3`` → ``sda``). If what is left is the name of another device in the same
   listing, the device is a partition of it; otherwise it is a whole disk (``ram10``, ``loop0``,
   ``dm-3``, ``md1``).
"""

from __future__ import annotations

import os

from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.memo import MemoSpec
from darwin_metrics.linux.parsers.diskstats import (
    DiskStat,
    counters_io,
    diskstats_row,
    parse_block_stat,
    parse_dev_numbers,
    parse_diskstats,
)
from darwin_metrics.records.disk import DiskIO


def name_rule_parent(name: str, names: set[str] | frozenset[str]) -> str | None:
    """The disk that ``name`` is a partition of by the name rule, or ``None`` (a whole disk)."""
    stem = name.rstrip("0123456789")
    if stem == name or not stem:
        return None
    if len(stem) > 1 and stem[-1] == "p" and stem[-2].isdigit() and stem[:-1] in names:
        return stem[:-1]
    return stem if stem in names else None


def classify(
    roots: Roots, name: str, names: set[str] | frozenset[str], disks: set[str]
) -> tuple[bool, str | None]:
    """``(is_partition, parent)`` for one device name, by the rules in the module docstring."""
    if name in disks:
        return False, None
    entry = roots.sys("class", "block", name)
    if os.path.exists(entry):
        if not os.path.exists(os.path.join(entry, "partition")):
            return False, None
        holder = os.path.basename(os.path.dirname(os.path.realpath(entry)))
        return True, holder or None
    parent = name_rule_parent(name, names)
    return parent is not None, parent


def _read_sysfs_stats(roots: Roots) -> list[DiskStat]:
    """``/sys/block/*/stat`` and the partitions' ``stat`` below each disk."""
    stats: list[DiskStat] = []
    for disk in fs.listdir(roots.sys("block")):
        base = roots.sys("block", disk)
        candidates = [(disk, base)]
        for sub in fs.listdir(base):
            path = os.path.join(base, sub)
            if os.path.exists(os.path.join(path, "partition")):
                candidates.append((sub, path))
        for name, path in candidates:
            stat_path = os.path.join(path, "stat")
            data = fs.read_optional(stat_path)
            if data is None:
                continue
            stat = parse_block_stat(data, name, stat_path)
            dev = fs.read_attr(os.path.join(path, "dev"))
            if dev:
                major, minor = parse_dev_numbers(dev, os.path.join(path, "dev"))
                stat = DiskStat(major=major, minor=minor, name=name, counters=stat.counters)
            stats.append(stat)
    return stats


def read_disk_stats(roots: Roots) -> list[DiskStat]:
    """Raw counters from ``/proc/diskstats``, or from sysfs when that file is missing."""
    path = roots.proc("diskstats")
    data = fs.read_optional(path)
    if data is not None:
        return list(parse_diskstats(data, path))
    return _read_sysfs_stats(roots)


#: What sysfs said about a device (rules 1 and 2), by (name, major, minor). A block
#: device keeps its name and numbers while it exists, and whether it is a whole disk or a
#: partition of which disk is fixed for a name (``sda1`` is always a partition of ``sda``). The
#: name rule (3) depends on the other names listed, so its answers are not kept.
_SYSFS_CLASS: MemoSpec[tuple[str, int, int], tuple[bool, str | None]] = MemoSpec(
    "disk.sysfs_class", maxsize=4096
)


#: The records of the last ``/proc/diskstats`` read (by its path), by line: a device whose line
#: did not change (no I/O since) gets the same record again without parsing. Only lines whose
#: device sysfs classified are kept (the name rule depends on the other lines), and only those of
#: the last read: each read replaces the whole map.
_LINES: MemoSpec[str, dict[bytes, DiskIO]] = MemoSpec("disk.lines", maxsize=4)

_Row = tuple[int | None, int | None, str, tuple[int, ...]]


def _classification(
    roots: Roots, row: _Row, names: frozenset[str], disks: list[set[str]]
) -> tuple[tuple[bool, str | None], bool]:
    """(is_partition, parent) of a row's device, and whether that answer came from sysfs.
    ``disks`` holds the ``/sys/block`` listing once it was needed."""
    major, minor, name, _ = row
    known = major is not None and minor is not None
    key = (name, major or 0, minor or 0)
    memo = _SYSFS_CLASS.of(roots)
    found = memo.get(key) if known else None
    if found is not None:
        return found, True
    if not disks:
        disks.append(set(fs.listdir(roots.sys("block"))))
    found = classify(roots, name, names, disks[0])
    from_sysfs = name in disks[0] or os.path.exists(roots.sys("class", "block", name))
    if known and from_sysfs:
        memo.put(key, found)
    return found, known and from_sysfs


def read_disks(roots: Roots) -> tuple[DiskIO, ...]:
    """Every block device's cumulative I/O counters, in the kernel's order."""
    path = roots.proc("diskstats")
    data = fs.read_optional(path)
    disks: list[set[str]] = []
    if data is None:
        rows: list[_Row] = [
            (s.major, s.minor, s.name, s.counters) for s in _read_sysfs_stats(roots)
        ]
        names = frozenset(row[2] for row in rows)
        result = []
        for row in rows:
            (is_partition, parent), _ = _classification(roots, row, names, disks)
            result.append(counters_io(row[2], row[0], row[1], row[3], is_partition, parent))
        return tuple(result)
    lines_memo = _LINES.of(roots)
    last = lines_memo.get(path) or {}
    kept: dict[bytes, DiskIO] = {}
    records: list[DiskIO | None] = []
    pending: list[tuple[int, bytes, _Row]] = []
    fresh = False  # a line kept that the last read did not have
    for line in data.splitlines():
        record = last.get(line)
        if record is not None:
            kept[line] = record
            records.append(record)
            continue
        parsed = diskstats_row(line, path)
        if parsed is not None:
            pending.append((len(records), line, parsed))
            records.append(None)
    if pending:
        names = frozenset(r.name for r in records if r is not None) | {p[2][2] for p in pending}
        for i, line, pending_row in pending:
            (is_partition, parent), keep = _classification(roots, pending_row, names, disks)
            major, minor, name, counters = pending_row
            record = counters_io(name, major, minor, counters, is_partition, parent)
            records[i] = record
            if keep:
                kept[line] = record
                fresh = True
    if fresh or len(kept) != len(last):  # else every line kept was known: the same map
        lines_memo.put(path, kept)
    return tuple(r for r in records if r is not None)
