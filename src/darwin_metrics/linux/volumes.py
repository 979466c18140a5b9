"""``volumes()`` on Linux: the mount table from ``/proc/self/mountinfo`` with ``statvfs`` capacity.

Which file systems are *pseudo* (left out unless ``all=True``):

1. ``zfs`` is never pseudo (it is registered ``nodev`` but holds real data).
2. Network and shared-folder file systems (:data:`NETWORK_FS_TYPES`: NFS, SMB/CIFS, Ceph, 9p,
   virtiofs, sshfs …) are never pseudo: they hold real data although the kernel flags them ``nodev``.
3. Otherwise a type is pseudo when ``/proc/filesystems`` flags it ``nodev``. A subtype such as
   ``fuse.gvfsd-fuse`` is looked up by its main type (``fuse``). A type absent from
   ``/proc/filesystems`` is not pseudo.
4. Without a readable ``/proc/filesystems`` the built-in :data:`PSEUDO_FS_TYPES` is used instead.

Capacity comes from ``statvfs(mount_point)``. For network, FUSE and unknown file-system types the
call runs through :class:`~darwin_metrics.linux.statvfs.StatvfsGuard` (one second per call at most;
a stuck mount point is skipped, capacity ``None``, until its call returns); in-kernel local and
memory file systems (:data:`LOCAL_FS_TYPES`) answer from memory and are called directly. ``autofs``
mount points are never queried, because ``statvfs`` on them would trigger the automount. A mount
point is a path of the machine the mount table describes: with captured roots (not this machine's
``/proc``) every capacity field is ``None`` rather than the capacity of whatever the path is here.
"""

from __future__ import annotations

import os

from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots, is_live
from darwin_metrics.linux.memo import MemoSpec
from darwin_metrics.linux.mounts import read_mounts
from darwin_metrics.linux.parsers.filesystems import parse_filesystems
from darwin_metrics.linux.parsers.mountinfo import MountInfo
from darwin_metrics.linux.statvfs import StatvfsGuard, default_guard
from darwin_metrics.records.disk import Volume

#: ``nodev`` types that nevertheless hold user data: network and host-shared file systems.
NETWORK_FS_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ceph",
        "9p",
        "virtiofs",
        "afs",
        "lustre",
        "glusterfs",
        "fuse.sshfs",
        "fuse.glusterfs",
        "fuse.cephfs",
        "fuse.s3fs",
        "fuse.rclone",
    }
)
#: Pseudo types assumed when ``/proc/filesystems`` cannot be read (the ``nodev`` types of a
#: typical kernel, less the network ones above).
PSEUDO_FS_TYPES = frozenset(
    {
        "autofs",
        "binfmt_misc",
        "bpf",
        "cgroup",
        "cgroup2",
        "configfs",
        "cpuset",
        "debugfs",
        "devpts",
        "devtmpfs",
        "efivarfs",
        "fuse",
        "fusectl",
        "hugetlbfs",
        "mqueue",
        "nsfs",
        "overlay",
        "pipefs",
        "proc",
        "pstore",
        "ramfs",
        "rootfs",
        "rpc_pipefs",
        "securityfs",
        "selinuxfs",
        "sockfs",
        "sysfs",
        "tmpfs",
        "tracefs",
    }
)
#: Types whose mount points are never passed to statvfs.
_NO_STATVFS = frozenset({"autofs"})
#: In-kernel local and memory file systems: their ``statfs`` answers from in-memory counters and
#: never waits on another machine or a user-space daemon, so it is called directly. Every other
#: type (network, FUSE, unknown) goes through the :class:`StatvfsGuard`.
LOCAL_FS_TYPES = (
    frozenset(
        {
            "btrfs",
            "bcachefs",
            "erofs",
            "exfat",
            "ext2",
            "ext3",
            "ext4",
            "f2fs",
            "hfsplus",
            "iso9660",
            "jfs",
            "msdos",
            "nilfs2",
            "ntfs3",
            "reiserfs",
            "squashfs",
            "udf",
            "vfat",
            "xfs",
            "zfs",
        }
    )
    | PSEUDO_FS_TYPES
) - {"fuse", "autofs"}


#: The last ``/proc/filesystems`` bytes seen per path and the pseudo types they give: the file
#: changes only when a file-system driver registers, so it is read every time but parsed rarely.
_PSEUDO_CACHE: MemoSpec[str, tuple[bytes, frozenset[str]]] = MemoSpec(
    "volumes.pseudo_types", maxsize=4
)


def pseudo_types(roots: Roots) -> frozenset[str]:
    """The ``nodev`` types of ``/proc/filesystems`` (less zfs), or the built-in set."""
    path = roots.proc("filesystems")
    data = fs.read_optional(path)
    if data is None:
        return PSEUDO_FS_TYPES
    memo = _PSEUDO_CACHE.of(roots)
    cached = memo.get(path)
    if cached is not None and cached[0] == data:
        return cached[1]
    types = parse_filesystems(data, path).nodev - {"zfs"}
    memo.put(path, (data, types))
    return types


def is_pseudo(fs_type: str, pseudo: frozenset[str]) -> bool:
    """Apply the rules of this module's docstring to one file-system type."""
    if fs_type == "zfs" or fs_type in NETWORK_FS_TYPES:
        return False
    if fs_type in pseudo:
        return True
    main, dot, _ = fs_type.partition(".")
    return bool(dot) and main in pseudo


def read_mountinfo(roots: Roots) -> tuple[MountInfo, ...]:
    """The calling process's mount table (``<procfs>/self/mountinfo``); empty if unreadable.

    Parsed again only when the kernel signals a change (:mod:`darwin_metrics.linux.mounts`).
    """
    return read_mounts(roots)


def capacity_of(mount: MountInfo, guard: StatvfsGuard) -> os.statvfs_result | None:
    """``statvfs`` of the mount point: directly for local types, else through ``guard``."""
    if mount.fs_type in _NO_STATVFS:
        return None
    if mount.fs_type in LOCAL_FS_TYPES:
        try:
            return os.statvfs(mount.mount_point)
        except OSError:
            return None
    return guard.statvfs(mount.mount_point)


def volume(mount: MountInfo, pseudo: bool, guard: StatvfsGuard | None) -> Volume:
    """One :class:`Volume`, with capacity when ``guard`` is given and ``statvfs`` answers."""
    st = capacity_of(mount, guard) if guard is not None else None
    total = used = free = available = None
    used_percent = None
    inodes_total = inodes_used = inodes_free = None
    if st is not None:
        total = st.f_blocks * st.f_frsize
        free = st.f_bfree * st.f_frsize
        available = st.f_bavail * st.f_frsize
        used = total - free
        if used + available > 0:
            used_percent = used / (used + available) * 100.0
        if st.f_files > 0:
            inodes_total = st.f_files
            inodes_free = st.f_ffree
            inodes_used = st.f_files - st.f_ffree
    return Volume(
        device=mount.source,
        mount_point=mount.mount_point,
        fs_type=mount.fs_type,
        options=mount.options,
        read_only=mount.read_only,
        is_pseudo=pseudo,
        total=total,
        used=used,
        free=free,
        available=available,
        used_percent=used_percent,
        inodes_total=inodes_total,
        inodes_used=inodes_used,
        inodes_free=inodes_free,
        super_options=mount.super_options,
        root=mount.root,
        major=mount.major,
        minor=mount.minor,
    )


def read_volumes(
    roots: Roots,
    include_pseudo: bool = False,
    *,
    guard: StatvfsGuard | None = None,
    capacity: bool = True,
) -> tuple[Volume, ...]:
    """Mounted file systems in mount-table order; pseudo ones only with ``include_pseudo``.

    ``guard`` overrides the process-wide :class:`StatvfsGuard`; ``capacity=False`` skips
    ``statvfs`` entirely (every capacity field ``None``), as do captured roots unless a ``guard``
    is given explicitly (tests that map a tree's mount points to paths here).
    """
    if guard is None and not is_live(roots):
        capacity = False
    mounts = read_mountinfo(roots)
    if not mounts:
        return ()
    pseudo = pseudo_types(roots)
    if capacity and guard is None:
        guard = default_guard()
    result = []
    for mount in mounts:
        flag = is_pseudo(mount.fs_type, pseudo)
        if flag and not include_pseudo:
            continue
        result.append(volume(mount, flag, guard if capacity else None))
    return tuple(result)
