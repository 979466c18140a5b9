"""Block-device I/O counters and mounted volumes. Sizes in bytes, times in seconds."""

from __future__ import annotations

import msgspec


class DiskIO(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Cumulative I/O counters of one block device since boot.

    Counts are operations; ``*_bytes`` are bytes (sectors are always 512 bytes in Linux's
    accounting); ``*_time`` are seconds spent on that kind of request (summed over requests, so they
    can exceed wall time); ``busy_time`` is wall seconds with at least one request in flight.
    ``is_partition`` tells partitions from whole disks; ``parent`` names a partition's disk.
    Discard and flush fields are ``None`` on kernels that do not report them.
    """

    name: str
    major: int | None = None
    minor: int | None = None
    is_partition: bool
    parent: str | None = None
    reads: int
    reads_merged: int | None = None
    read_bytes: int
    read_time: float | None = None
    writes: int
    writes_merged: int | None = None
    write_bytes: int
    write_time: float | None = None
    in_flight: int | None = None
    busy_time: float | None = None
    weighted_time: float | None = None
    discards: int | None = None
    discards_merged: int | None = None
    discard_bytes: int | None = None
    discard_time: float | None = None
    flushes: int | None = None
    flush_time: float | None = None


class Volume(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A mounted file system with its capacity (bytes) and inode counts.

    ``available`` is what an unprivileged user may still write; ``used_percent`` follows ``df``:
    ``used / (used + available) * 100``. Capacity fields are ``None`` when the file system could not
    be queried (permission, stale network mount).
    """

    device: str
    mount_point: str
    fs_type: str
    options: tuple[str, ...]
    read_only: bool
    is_pseudo: bool = False
    total: int | None = None
    used: int | None = None
    free: int | None = None
    available: int | None = None
    used_percent: float | None = None
    inodes_total: int | None = None
    inodes_used: int | None = None
    inodes_free: int | None = None
    #: Per-super-block options (Linux ``mountinfo`` field 11); ``options`` are the per-mount ones.
    super_options: tuple[str, ...] = ()
    #: The directory of the file system mounted here (``/`` unless a bind mount of a subtree).
    root: str | None = None
    #: Device number of the file system (``st_dev``), where the platform reports it.
    major: int | None = None
    minor: int | None = None
