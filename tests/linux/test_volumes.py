"""volumes() on Linux: mountinfo and /proc/filesystems parsing, pseudo rules, statvfs, live checks."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers.filesystems import parse_filesystems
from darwin_metrics.linux.parsers.mountinfo import MountInfo, parse_mountinfo, unescape
from darwin_metrics.linux.statvfs import StatvfsGuard
from darwin_metrics.linux.volumes import (
    PSEUDO_FS_TYPES,
    is_pseudo,
    pseudo_types,
    read_volumes,
)
from darwin_metrics.records.disk import Volume
from tests.conftest import HANDMADE, Tree

DATA = HANDMADE / "mountinfo"
VSPHERE = (
    "/var/lib/kubelet/plugins/kubernetes.io/vsphere-volume/mounts/[vsanDatastore]{}"
    "bafb9e5a-8856-7e6c-699c-801844e77a4a/kubernetes-dynamic-pvc-3eba5bba-48a3-11e8-89ab-005056b92113.vmdk"
)


def proc_with_self(tree: Tree, pid: str, tmp_path: Path) -> Roots:
    """The tree's proc with ``self`` as a symlink to ``pid``.

    node_exporter's ``proc/self`` is a symlink upstream; the copy in shared/fixtures is a plain file
    holding "10", so the kernel layout is rebuilt here.
    """
    proc = tmp_path / "proc"
    proc.mkdir()
    for entry in tree.proc.iterdir():
        if entry.name != "self":
            (proc / entry.name).symlink_to(entry)
    (proc / "self").symlink_to(pid)
    return Roots(procfs=str(proc), sysfs=tree.roots.sysfs)


def synthetic_roots(tmp_path: Path, mountinfo: str, filesystems: str | None) -> Roots:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    shutil.copy(DATA / mountinfo, proc / "self" / "mountinfo")
    if filesystems is not None:
        shutil.copy(DATA / filesystems, proc / "filesystems")
    return Roots(procfs=str(proc), sysfs=str(tmp_path / "sys"))


# --- captured trees: exact mountinfo values -------------------------------------------------


def test_ne_pid1_mountinfo_exact(ne_tree: Tree) -> None:
    mounts = parse_mountinfo((ne_tree.proc / "1" / "mountinfo").read_bytes())
    assert len(mounts) == 32
    assert mounts[0] == MountInfo(
        mount_id=24,
        parent_id=29,
        major=0,
        minor=22,
        root="/",
        mount_point="/sys",
        options=("rw", "nosuid", "nodev", "noexec", "relatime"),
        optional_fields=("shared:7",),
        fs_type="sysfs",
        source="sysfs",
        super_options=("rw",),
    )
    root = mounts[5]
    assert (root.mount_id, root.major, root.minor, root.mount_point, root.fs_type, root.source) == (
        29,
        259,
        2,
        "/",
        "ext4",
        "/dev/dm-2",
    )
    assert root.super_options == ("errors=remount-ro", "data=ordered")
    cgroup = mounts[9]
    assert (cgroup.mount_point, cgroup.read_only, cgroup.options[0]) == (
        "/sys/fs/cgroup",
        True,
        "ro",
    )
    assert mounts[13].mount_point == "/sys/fs/cgroup/cpu,cpuacct"
    assert mounts[19].super_options == (
        "rw",
        "fd=22",
        "pgrp=1",
        "timeout=300",
        "minproto=5",
        "maxproto=5",
        "direct",
    )
    # \040 and \011 in the mount point
    assert mounts[29].mount_point == VSPHERE.format(" ")
    assert mounts[30].mount_point == VSPHERE.format("\t")
    assert (mounts[29].major, mounts[29].minor, mounts[29].source) == (260, 0, "/dev/sda")
    # a bind mount of a subtree, with no optional field
    last = mounts[31]
    assert (last.mount_id, last.root, last.mount_point, last.optional_fields) == (
        1128,
        "/var/lib/containers/storage/overlay",
        "/var/lib/containers/storage/overlay",
        (),
    )
    assert last.super_options == (
        "rw",
        "seclabel",
        "attr2",
        "inode64",
        "logbufs=8",
        "logbsize=32k",
        "noquota",
    )
    # this fixture swaps type and source of its autofs line; it is parsed as written
    assert (mounts[19].fs_type, mounts[19].source) == ("systemd-1", "autofs")


def test_ne_self_is_10(ne_tree: Tree, tmp_path: Path) -> None:
    roots = proc_with_self(ne_tree, "10", tmp_path)
    all_volumes = read_volumes(roots, include_pseudo=True, capacity=False)
    assert [v.mount_point for v in all_volumes] == [
        "/root",
        "/sys",
        "/proc",
        "/",
        "/mnt/nfs/test",
        "/mnt/nfs/test-dupe",
        "/mnt/nfs/test-dupe",
    ]
    # no /proc/filesystems in the tree: the built-in set says rootfs, sysfs and proc are pseudo
    assert [v.is_pseudo for v in all_volumes] == [True, True, True, False, False, False, False]
    real = read_volumes(roots, capacity=False)
    assert real == tuple(v for v in all_volumes if not v.is_pseudo)
    assert real[0] == Volume(
        device="/dev/sda1",
        mount_point="/",
        fs_type="ext4",
        options=("rw", "relatime"),
        read_only=False,
        is_pseudo=False,
        super_options=("rw", "errors=remount-ro", "data=ordered"),
        root="/",
        major=8,
        minor=1,
    )
    nfs3 = real[3]
    assert (nfs3.device, nfs3.fs_type, nfs3.major, nfs3.minor) == (
        "192.168.1.1:/srv/test",
        "nfs",
        0,
        44,
    )
    assert nfs3.options == ("rw", "relatime")
    assert nfs3.super_options[:3] == ("rw", "vers=3", "rsize=32768")
    assert len(nfs3.super_options) == 16
    # "1 1 0:5 /  /root ..." has two spaces: fields are separated by runs of spaces
    assert (all_volumes[0].root, all_volumes[0].device, all_volumes[0].fs_type) == (
        "/",
        "rootfs",
        "rootfs",
    )


def test_ne_self_is_1(ne_tree: Tree, tmp_path: Path) -> None:
    roots = proc_with_self(ne_tree, "1", tmp_path)
    real = read_volumes(roots, capacity=False)
    assert [v.mount_point for v in real] == [
        "/",
        "/proc/sys/fs/binfmt_misc",  # fs_type "systemd-1": not a known pseudo type
        "/boot",
        VSPHERE.format(" "),
        VSPHERE.format("\t"),
        "/var/lib/containers/storage/overlay",
    ]
    assert len(read_volumes(roots, include_pseudo=True, capacity=False)) == 32


def test_pf_self_is_26231(pf_tree: Tree) -> None:
    assert os.readlink(pf_tree.proc / "self") == "26231"
    all_volumes = read_volumes(pf_tree.roots, include_pseudo=True, capacity=False)
    assert len(all_volumes) == 8
    real = read_volumes(pf_tree.roots, capacity=False)
    assert [(v.mount_point, v.fs_type) for v in real] == [
        ("/", "ext4"),
        ("/mnt/nfs/test", "nfs4"),
        ("/mnt/nfs/test", "nfs4"),
        ("/mnt/nfs/test", "nfs"),
        ("/var/lib/containers/storage/overlay", "xfs"),
    ]
    assert real[1].super_options[-3:] == (
        "clientaddr=192.168.1.5",
        "addr=192.168.1.1",
        "local_lock=none",
    )
    assert (real[4].device, real[4].major, real[4].minor) == ("/dev/mapper/rhel-root", 253, 0)


def test_pf_capacity_is_statvfs_or_none(pf_tree: Tree) -> None:
    """Mount points of a captured tree name live paths: capacity is whatever statvfs says here."""
    for v in read_volumes(pf_tree.roots, include_pseudo=True):
        if v.total is None:
            assert v.used is v.free is v.available is v.used_percent is None
            continue
        assert v.used is not None and v.free is not None and v.available is not None
        assert v.total == v.used + v.free
        st_ = os.statvfs(v.mount_point)
        assert v.total == st_.f_blocks * st_.f_frsize


def test_backend_volumes(pf_tree: Tree) -> None:
    backend = LinuxBackend(procfs=pf_tree.roots.procfs, sysfs=pf_tree.roots.sysfs)
    assert [v.mount_point for v in backend.volumes()] == [
        v.mount_point for v in read_volumes(pf_tree.roots, capacity=False)
    ]
    assert len(backend.volumes(all=True)) == 8


def test_proc_self_as_plain_file_gives_no_mount_table(tmp_path: Path) -> None:
    """With ``proc/self`` a plain file (as in one copy of the captured tree) there is no mount
    table: an empty tuple, not an error."""
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "self").write_text("10")
    roots = Roots(procfs=str(tmp_path / "proc"), sysfs=str(tmp_path / "sys"))
    assert read_volumes(roots) == ()


# --- hand-made files ------------------------------------------------------------------------


def test_escapes_and_fields(tmp_path: Path) -> None:
    roots = synthetic_roots(tmp_path, "mountinfo_escapes", "filesystems")
    vols = {v.mount_point: v for v in read_volumes(roots, include_pseudo=True, capacity=False)}
    disk = vols["/mnt/My Disk"]
    assert (disk.device, disk.fs_type, disk.is_pseudo) == ("/dev/sdb 1", "vfat", False)
    bind = vols["/srv/tab\tand\nnewline\\slash"]
    assert (bind.root, bind.options) == ("/photos/2024", ("rw",))
    empty = vols["/mnt/empty"]
    assert (empty.device, empty.fs_type, empty.super_options, empty.is_pseudo) == (
        "",
        "tmpfs",
        ("rw", "size=1024k"),
        True,
    )
    overlay = vols["/var/lib/container"]
    assert overlay.super_options[1] == 'context="system_u:object_r:container_file_t:s0:c1,c2"'
    assert overlay.super_options[2:] == ("lowerdir=/a:/b", "upperdir=/u", "workdir=/w")
    assert vols["/snap/core/1"].read_only is True
    assert vols["/data"].read_only is True  # ro super block under an rw mount
    assert vols["/"].read_only is False
    # pseudo: nodev in /proc/filesystems, except zfs and network types; subtypes by main type
    assert {m: v.is_pseudo for m, v in vols.items()} == {
        "/": False,
        "/proc": True,
        "/mnt/My Disk": False,
        "/srv/tab\tand\nnewline\\slash": False,
        "/mnt/empty": True,
        "/var/lib/container": True,
        "/snap/core/1": False,
        "/tank": False,
        "/home/u/remote": False,
        "/data": False,
        "/run/user/1000/doc": True,
    }
    default = read_volumes(roots, capacity=False)
    assert [v.mount_point for v in default] == [
        "/",
        "/mnt/My Disk",
        "/srv/tab\tand\nnewline\\slash",
        "/snap/core/1",
        "/tank",
        "/home/u/remote",
        "/data",
    ]
    first = parse_mountinfo((DATA / "mountinfo_escapes").read_bytes())[2]
    assert first.optional_fields == ("shared:30", "master:2", "propagate_from:1", "unbindable")


def test_filesystems_file() -> None:
    fss = parse_filesystems((DATA / "filesystems").read_bytes())
    assert fss.nodev == {"sysfs", "tmpfs", "proc", "overlay", "fuse", "zfs", "nfs4"}
    assert fss.all - fss.nodev == {"ext4", "vfat", "squashfs", "xfs", "fuseblk"}
    with pytest.raises(ParseError):
        parse_filesystems((DATA / "filesystems_garbage").read_bytes())
    assert parse_filesystems(b"").all == frozenset()


def test_pseudo_types_fallback(tmp_path: Path) -> None:
    assert pseudo_types(Roots(procfs=str(tmp_path), sysfs=str(tmp_path))) == PSEUDO_FS_TYPES
    (tmp_path / "filesystems").write_bytes((DATA / "filesystems").read_bytes())
    assert pseudo_types(Roots(procfs=str(tmp_path), sysfs=str(tmp_path))) == {
        "sysfs",
        "tmpfs",
        "proc",
        "overlay",
        "fuse",
        "nfs4",
    }


@pytest.mark.parametrize(
    ("fs_type", "pseudo"),
    [
        ("zfs", False),
        ("nfs4", False),
        ("cifs", False),
        ("9p", False),
        ("fuse.sshfs", False),
        ("ext4", False),
        ("tmpfs", True),
        ("fuse", True),
        ("fuse.gvfsd-fuse", True),
        ("cgroup2", True),
        ("somethingnew", False),
    ],
)
def test_is_pseudo_builtin(fs_type: str, pseudo: bool) -> None:
    assert is_pseudo(fs_type, PSEUDO_FS_TYPES | {"nfs4", "cifs", "9p", "zfs"}) is pseudo


def test_edge_files() -> None:
    assert parse_mountinfo((DATA / "mountinfo_empty").read_bytes()) == ()
    with pytest.raises(ParseError, match="no '-' separator"):
        parse_mountinfo((DATA / "mountinfo_truncated").read_bytes(), "/p/self/mountinfo")
    with pytest.raises(ParseError):
        parse_mountinfo((DATA / "mountinfo_garbage").read_bytes())
    (huge,) = parse_mountinfo((DATA / "mountinfo_huge").read_bytes())
    assert (huge.mount_id, huge.parent_id, huge.major, huge.minor) == (
        18446744073709551615,
        18446744073709551614,
        4095,
        1048575,
    )


@pytest.mark.parametrize(
    "line",
    [
        b"1 2 3:4 / /x rw - ext4",  # one field after '-'
        b"1 2 3:4 / /x rw - ext4 src rw extra",  # four fields after '-'
        b"1 2 34 / /x rw - ext4 src rw",  # no colon in major:minor
        b"x 2 3:4 / /x rw - ext4 src rw",
        b"1 2 3:4 / - rw ext4 src rw",
    ],
)
def test_malformed_lines(line: bytes) -> None:
    with pytest.raises(ParseError):
        parse_mountinfo(line)


def test_unescape() -> None:
    assert unescape(rb"a\040b\011c\012d\134e") == "a b\tc\nd\\e"
    assert unescape(rb"\777 stays") == "\\777 stays"
    assert unescape(b"caf\xc3\xa9") == "café"
    assert unescape(b"\xff") == "\udcff"  # not UTF-8: kept as os.fsdecode would


# --- the statvfs guard ----------------------------------------------------------------------


def test_guard_skips_stuck_mount_and_recovers() -> None:
    release = threading.Event()
    calls: list[str] = []

    def fake_statvfs(path: str) -> os.statvfs_result:
        calls.append(path)
        if path == "/dead":
            release.wait(30)
        return os.statvfs("/")

    guard = StatvfsGuard(timeout=0.05, func=fake_statvfs)
    assert guard.statvfs("/ok") is not None
    assert guard.statvfs("/dead") is None
    assert guard.stuck == {"/dead"}
    assert guard.statvfs("/dead") is None  # skipped, not queued again
    assert calls.count("/dead") == 1
    assert guard.statvfs("/ok") is not None  # a fresh worker serves the others
    release.set()
    for _ in range(200):
        if not guard.stuck:
            break
        threading.Event().wait(0.01)
    assert guard.stuck == frozenset()
    assert guard.statvfs("/dead") is not None


def test_guard_errors_are_none() -> None:
    guard = StatvfsGuard(timeout=5)
    assert guard.statvfs("/no/such/mount/point") is None
    assert guard.statvfs("/") is not None


def test_read_volumes_never_hangs_on_stuck_network_mount(tmp_path: Path) -> None:
    """An NFS mount whose statvfs blocks gives capacity None; local ones are still measured."""
    release = threading.Event()

    def fake_statvfs(path: str) -> os.statvfs_result:
        release.wait(30)
        return os.statvfs("/")

    (tmp_path / "proc" / "self").mkdir(parents=True)
    (tmp_path / "proc" / "self" / "mountinfo").write_bytes(
        b"21 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
        b"194 21 0:42 / /mnt/nfs/test rw - nfs4 192.168.1.1:/srv/test rw,vers=4.0\n"
    )
    roots = Roots(procfs=str(tmp_path / "proc"), sysfs=str(tmp_path))
    guard = StatvfsGuard(timeout=0.05, func=fake_statvfs)
    try:
        root, nfs = read_volumes(roots, guard=guard)
        assert root.total is not None and root.total > 0
        assert nfs.total is None and nfs.used_percent is None
        assert guard.stuck == {"/mnt/nfs/test"}
    finally:
        release.set()


# --- fuzzing --------------------------------------------------------------------------------


@given(st.binary(max_size=400))
def test_fuzz_mountinfo(data: bytes) -> None:
    try:
        parse_mountinfo(data)
    except ParseError:
        pass


@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)),
            max_size=12,
        ),
        min_size=0,
        max_size=14,
    )
)
def test_fuzz_mountinfo_fields(fields: list[str]) -> None:
    line = " ".join(["1", "2", "3:4", *fields]).encode("utf-8", "surrogateescape")
    try:
        parse_mountinfo(line)
    except ParseError:
        pass


@given(st.binary(max_size=300))
def test_fuzz_filesystems(data: bytes) -> None:
    try:
        parse_filesystems(data)
    except ParseError:
        pass


# --- live -----------------------------------------------------------------------------------


def _df() -> dict[str, tuple[int, int, int]]:
    out = subprocess.run(
        ["df", "-B1", "--output=target,size,used,avail"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    ).stdout
    result = {}
    for line in out.splitlines()[1:]:
        target, size, used, avail = line.rsplit(None, 3)
        result[target] = (int(size), int(used), int(avail))
    return result


@pytest.mark.live
def test_live_against_df() -> None:
    """Every mount point df lists, with its size, used and available bytes.

    Tolerance: exact for read-only file systems and those whose size does not change; for writable
    ones (other processes write while the test runs) used and available within 256 MiB, size
    exact. df's "used" is f_blocks - f_bfree like ours.
    """
    if shutil.which("df") is None:
        pytest.skip("no df")
    df = _df()
    ours: dict[str, Volume] = {}
    for v in read_volumes(Roots(), include_pseudo=True):
        ours[v.mount_point] = v  # the last mount on a path is the visible one, as for df
    assert df
    for target, (size, used, avail) in df.items():
        assert target in ours, target
        v = ours[target]
        assert v.total == size, target
        assert v.used is not None and v.available is not None
        tolerance = 0 if v.read_only else 256 * 2**20
        assert abs(v.used - used) <= tolerance, target
        assert abs(v.available - avail) <= tolerance, target


@pytest.mark.live
def test_live_against_psutil() -> None:
    """Mount points, devices, types and options as psutil lists them; usage within 256 MiB."""
    psutil = pytest.importorskip("psutil")
    for all_ in (False, True):
        theirs = psutil.disk_partitions(all=all_)
        ours = read_volumes(Roots(), include_pseudo=all_)
        if not all_:
            # psutil drops every nodev type except zfs; we keep network ones too
            ours = tuple(
                v
                for v in ours
                if v.fs_type not in {"nfs", "nfs4", "cifs", "smb3", "9p", "virtiofs"}
            )
        assert sorted(p.mountpoint for p in theirs) == sorted(v.mount_point for v in ours)
        # Both list mounts in mount order; a mount point mounted over twice appears twice.
        stacked: dict[str, list[Volume]] = {}
        for v in ours:
            stacked.setdefault(v.mount_point, []).append(v)
        for p in theirs:
            v = stacked[p.mountpoint].pop(0)
            assert p.fstype == v.fs_type
            if p.device not in ("", "/dev/root"):
                assert p.device == v.device
            # /proc/mounts (psutil's source) prints the mount options, then the super-block ones
            assert set(p.opts.split(",")) == set(v.options) | set(v.super_options)
    for v in read_volumes(Roots()):
        usage = psutil.disk_usage(v.mount_point)
        assert v.total == usage.total
        assert v.used is not None and abs(v.used - usage.used) <= 256 * 2**20
        assert v.used_percent is not None and abs(v.used_percent - usage.percent) <= 1.0


@pytest.mark.live
def test_live_mountinfo_matches_proc_mounts() -> None:
    ours = [
        (m.source, m.mount_point, m.fs_type)
        for m in parse_mountinfo(Path("/proc/self/mountinfo").read_bytes())
    ]
    mounts = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        src, point, fstype = line.split()[:3]
        mounts.append((unescape(src.encode()), unescape(point.encode()), fstype))
    assert ours == mounts
