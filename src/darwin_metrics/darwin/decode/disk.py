"""Disk decoders: IOBlockStorageDriver ``Statistics`` → DiskIO; ``struct statfs`` → Volume.

``Statistics`` (one per physical disk, on the driver above its whole-disk IOMedia) counts
operations, bytes, and nanoseconds spent (``Total Time``), read and write. APFS volumes are not
block devices of their own here, so these are physical disks only.

``major``/``minor`` come from the whole-disk IOMedia's ``BSD Major``/``BSD Minor``.

Volumes: capacity from ``f_blocks``/``f_bfree``/``f_bavail`` x ``f_bsize``. On APFS the volumes of
one container share its free space, so ``used`` comes from the volume's own ``ATTR_VOL_SPACEUSED``
when the collector has it, else ``total - free``. ``used_percent`` follows ``df``:
``used / (used + available)``. Hidden by default (``volumes(all=False)``): pseudo file systems
(devfs, autofs, …), the system's plumbing volumes under ``/System/Volumes/`` (VM, Preboot, Update,
…) and other volumes mounted ``nobrowse``. The data volume ``/System/Volumes/Data`` is shown: it is
where the user's files and the container's real use are.
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from typing import Any

import msgspec

from darwin_metrics.darwin.decode.common import c_string, number
from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.darwin.ffi.structs import Statfs
from darwin_metrics.errors import ParseError
from darwin_metrics.records.disk import DiskIO, Volume

PSEUDO_FS = frozenset({"devfs", "autofs", "fdesc", "nullfs", "lifs", "procfs", "kernfs"})
SYSTEM_VOLUMES = "/System/Volumes/"
#: The user's data volume of the boot volume group (macOS 10.15 and later).
DATA_VOLUME = "/System/Volumes/Data"

#: (flag, option) in the order ``mount`` prints them; ``rdonly`` shows as ``ro``/``rw`` first.
_OPTIONS = (
    (k.MNT_SYNCHRONOUS, "sync"),
    (k.MNT_NOEXEC, "noexec"),
    (k.MNT_NOSUID, "nosuid"),
    (k.MNT_UNION, "union"),
    (k.MNT_ASYNC, "async"),
    (k.MNT_CPROTECT, "protect"),
    (k.MNT_EXPORTED, "exported"),
    (k.MNT_REMOVABLE, "removable"),
    (k.MNT_QUARANTINE, "quarantine"),
    (k.MNT_LOCAL, "local"),
    (k.MNT_QUOTA, "quota"),
    (k.MNT_ROOTFS, "rootfs"),
    (k.MNT_DOVOLFS, "dovolfs"),
    (k.MNT_DONTBROWSE, "nobrowse"),
    (k.MNT_IGNORE_OWNERSHIP, "noowners"),
    (k.MNT_AUTOMOUNTED, "automounted"),
    (k.MNT_JOURNALED, "journaled"),
    (k.MNT_NOUSERXATTR, "nouserxattr"),
    (k.MNT_DEFWRITE, "defwrite"),
    (k.MNT_MULTILABEL, "multilabel"),
    (k.MNT_NOATIME, "noatime"),
    (k.MNT_SNAPSHOT, "snapshot"),
    (k.MNT_STRICTATIME, "strictatime"),
)


def disk_io(
    name: str, statistics: Mapping[str, Any], media: Mapping[str, Any] | None = None
) -> DiskIO:
    """A DiskIO from a converted ``Statistics`` dictionary (times ns → s).

    ``media`` is the whole-disk IOMedia's properties: its ``BSD Major``/``BSD Minor`` identify the
    device, so a disk name re-used by another disk is told apart from a counter wrap.
    """

    def need(key: str) -> int:
        value = number(statistics, key)
        if value is None or value < 0:
            raise ParseError(f"IOBlockStorageDriver Statistics of {name}", f"no {key!r}")
        return value

    def seconds(key: str) -> float | None:
        value = number(statistics, key)
        return value / 1e9 if value is not None and value >= 0 else None

    def device_number(key: str) -> int | None:
        value = number(media, key) if media is not None else None
        return value if value is not None and value >= 0 else None

    return DiskIO(
        name=name,
        major=device_number("BSD Major"),
        minor=device_number("BSD Minor"),
        is_partition=False,
        reads=need("Operations (Read)"),
        read_bytes=need("Bytes (Read)"),
        read_time=seconds("Total Time (Read)"),
        writes=need("Operations (Write)"),
        write_bytes=need("Bytes (Write)"),
        write_time=seconds("Total Time (Write)"),
    )


class Mount(msgspec.Struct, frozen=True, gc=False):
    """The fields of one ``struct statfs`` that volumes need."""

    device: str
    mount_point: str
    fs_type: str
    flags: int
    block_size: int
    blocks: int
    blocks_free: int
    blocks_available: int
    files: int
    files_free: int


def mounts(raw: bytes) -> list[Mount]:
    """Split ``getfsstat`` output into mounts."""
    size = ctypes.sizeof(Statfs)
    if len(raw) % size:
        raise ParseError("getfsstat", f"{len(raw)} bytes is not a multiple of {size}")
    result = []
    for offset in range(0, len(raw), size):
        st = Statfs.from_buffer_copy(raw, offset)
        result.append(
            Mount(
                device=c_string(bytes(st.f_mntfromname)),
                mount_point=c_string(bytes(st.f_mntonname)),
                fs_type=c_string(bytes(st.f_fstypename)),
                flags=int(st.f_flags),
                block_size=int(st.f_bsize),
                blocks=int(st.f_blocks),
                blocks_free=int(st.f_bfree),
                blocks_available=int(st.f_bavail),
                files=int(st.f_files),
                files_free=int(st.f_ffree),
            )
        )
    return result


def options(flags: int) -> tuple[str, ...]:
    """Mount flags as words: ``ro``/``rw`` first, then the set flags."""
    words = ["ro" if flags & k.MNT_RDONLY else "rw"]
    words.extend(word for bit, word in _OPTIONS if flags & bit)
    return tuple(words)


def is_pseudo(mount: Mount) -> bool:
    """A file system without storage of its own (devfs, autofs, …)."""
    return mount.fs_type in PSEUDO_FS


def is_hidden(mount: Mount) -> bool:
    """Left out by ``volumes(all=False)``: pseudo, system plumbing or ``nobrowse`` volumes.

    The data volume (``/System/Volumes/Data``, mounted ``nobrowse``) is shown: it holds the user's
    files, while ``/`` is the sealed system volume whose few GB used say nothing about the disk.
    """
    if mount.mount_point == DATA_VOLUME:
        return is_pseudo(mount)
    if is_pseudo(mount) or mount.mount_point.startswith(SYSTEM_VOLUMES):
        return True
    return bool(mount.flags & k.MNT_DONTBROWSE) and not mount.flags & k.MNT_ROOTFS


def volume(mount: Mount, space_used: int | None = None) -> Volume:
    """The Volume record; ``space_used`` is the volume's own use (bytes) where known."""
    bsize = mount.block_size
    total = mount.blocks * bsize
    free = mount.blocks_free * bsize
    available = mount.blocks_available * bsize
    used = space_used if space_used is not None and space_used >= 0 else max(total - free, 0)
    denominator = used + available
    files_used = max(mount.files - mount.files_free, 0)
    return Volume(
        device=mount.device,
        mount_point=mount.mount_point,
        fs_type=mount.fs_type,
        options=options(mount.flags),
        read_only=bool(mount.flags & k.MNT_RDONLY),
        is_pseudo=is_pseudo(mount),
        total=total,
        used=used,
        free=free,
        available=available,
        used_percent=100.0 * used / denominator if denominator > 0 else None,
        inodes_total=mount.files,
        inodes_used=files_used,
        inodes_free=mount.files_free,
    )
