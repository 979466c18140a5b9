"""Disks and volumes on macOS.

Disk I/O: every ``IOMedia`` whose parent conforms to ``IOBlockStorageDriver`` is a whole physical
disk; its ``BSD Name`` names it, ``BSD Major``/``BSD Minor`` identify it, and the parent's
``Statistics`` count its I/O. One disk that disappears mid-scan is skipped, not fatal.

Volumes: ``getfsstat`` (the ``$INODE64`` symbol on x86_64), and on APFS the volume's own used space
from ``getattrlist(ATTR_VOL_SPACEUSED)``.
"""

from __future__ import annotations

from darwin_metrics.darwin.decode import disk as decode
from darwin_metrics.darwin.decode.common import dictionary, text
from darwin_metrics.darwin.ffi import iokit, libc
from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.disk import DiskIO, Volume

log = get_logger(__name__)


def _disk(entry: int) -> DiskIO | None:
    """The DiskIO of one IOMedia, or None when it is not a whole disk under a block storage
    driver. A disk ejected mid-scan (its registry calls fail) is skipped and logged."""
    try:
        with iokit.parent(entry, "IOService") as driver:
            if not driver or not iokit.conforms_to(driver, "IOBlockStorageDriver"):
                return None
            statistics = dictionary(iokit.properties(driver).get("Statistics"))
        media = iokit.properties(entry)
    except OSError as exc:
        log.debug("skipping an IOMedia entry: %s", exc)
        return None
    name = text(media.get("BSD Name"))
    if not name or not statistics:
        return None
    try:
        return decode.disk_io(name, statistics, media)
    except DarwinMetricsError as exc:
        log.debug("skipping disk %s: %s", name, exc)
        return None


def read_disks() -> tuple[DiskIO, ...]:
    """I/O counters of every physical disk, sorted by name."""
    disks = iokit.each_service("IOMedia", _disk)
    return tuple(sorted(disks, key=lambda d: d.name))


def _space_used(mount: decode.Mount) -> int | None:
    if mount.fs_type != "apfs":
        return None
    try:
        return libc.volume_space_used(mount.mount_point)
    except (OSError, DarwinMetricsError) as exc:
        log.debug("getattrlist(%s): %s", mount.mount_point, exc)
        return None


def read_volumes(include_all: bool = False) -> tuple[Volume, ...]:
    """Mounted file systems; hidden ones (pseudo, system plumbing, nobrowse) only with ``include_all``."""
    result: list[Volume] = []
    for mount in decode.mounts(libc.getfsstat()):
        if not include_all and decode.is_hidden(mount):
            continue
        result.append(decode.volume(mount, _space_used(mount)))
    return tuple(result)
