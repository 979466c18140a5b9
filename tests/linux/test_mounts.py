"""The cached mount table (linux/mounts.py) and the cached own-cgroup lookup (linux/owncgroup.py).

Neither may ever answer from stale data: a captured tree is compared byte for byte on every call,
the live table is re-read after the kernel's poll signal, in another process, or in another mount
namespace. The own-cgroup answers must equal the uncached ones of linux/cgroup.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from darwin_metrics.linux import mounts
from darwin_metrics.linux.cgroup import container_cpu_limit, container_memory_limit
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.mounts import MountTable, mount_table, read_mounts
from darwin_metrics.linux.owncgroup import cpu_limit, memory_limit, own_cgroup
from darwin_metrics.linux.volumes import read_mountinfo
from tests.conftest import HANDMADE, Tree

GIB = 1024**3
LINE = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"


def _proc(tmp_path: Path, text: str) -> Path:
    proc = tmp_path / "proc"
    (proc / "1").mkdir(parents=True)
    (proc / "self").symlink_to("1")
    (proc / "1" / "mountinfo").write_text(text)
    return proc


def test_captured_tree_is_compared_every_call(tmp_path: Path) -> None:
    proc = _proc(tmp_path, LINE)
    table = MountTable(Roots(procfs=str(proc)))
    first = table.mounts()
    assert [(m.mount_point, m.fs_type, m.source) for m in first] == [("/", "ext4", "/dev/sda1")]
    _, generation = table.current()
    assert table.mounts() is first  # same bytes: parsed once
    (proc / "1" / "mountinfo").write_text(LINE + "23 22 0:5 / /mnt rw - tmpfs tmpfs rw,size=4k\n")
    second = table.mounts()
    assert [m.mount_point for m in second] == ["/", "/mnt"]
    assert table.current()[1] == generation + 1
    (proc / "1" / "mountinfo").unlink()
    assert table.mounts() == ()
    assert table.current() == (None, generation + 2)


def test_malformed_table_raises_every_call(tmp_path: Path) -> None:
    from darwin_metrics.errors import ParseError

    proc = _proc(tmp_path, "garbage\n")
    table = MountTable(Roots(procfs=str(proc)))
    for _ in range(2):
        with pytest.raises(ParseError):
            table.mounts()


def test_one_table_per_roots(tmp_path: Path) -> None:
    roots = Roots(procfs=str(_proc(tmp_path, LINE)))
    assert mount_table(roots) is mount_table(roots)
    # Another backend's roots, even with the same paths, has a table of its own.
    other = Roots(procfs=roots.procfs)
    assert other == roots
    assert mount_table(other) is not mount_table(roots)
    assert read_mounts(roots) == read_mountinfo(roots)


@pytest.mark.live
def test_live_table_matches_the_file() -> None:
    table = MountTable(Roots())
    try:
        raw, generation = table.current()
        assert raw == Path("/proc/self/mountinfo").read_bytes()
        assert table._fd is not None  # watched: the kernel's file polls
        assert table.current() == (raw, generation)  # nothing changed: not read again
        assert {m.mount_point for m in table.mounts()} >= {"/", "/proc"}
    finally:
        table.close()


@pytest.mark.live
def test_live_table_read_again_in_another_process_or_namespace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = MountTable(Roots())
    try:
        _, generation = table.current()
        real_pid = os.getpid()
        monkeypatch.setattr(mounts.os, "getpid", lambda: real_pid + 1)  # as after fork
        assert table.current()[1] == generation  # read again, same bytes: same generation
        assert table._owner is not None and table._owner[0] == real_pid + 1
        monkeypatch.setattr(mounts.os, "getpid", lambda: real_pid)
        real_readlink = os.readlink

        def other_namespace(path: str) -> str:
            if path.endswith("/ns/mnt"):
                return "mnt:[1]"
            return real_readlink(path)

        monkeypatch.setattr(mounts.os, "readlink", other_namespace)
        table.current()
        assert table._owner == (real_pid, "mnt:[1]")
    finally:
        table.close()


@pytest.mark.live
def test_live_descriptor_closed_behind_our_back() -> None:
    table = MountTable(Roots())
    try:
        table.current()
        assert table._fd is not None
        os.close(table._fd)  # the caller closed every descriptor, say
        assert not table._unchanged()  # POLLNVAL: not trusted, read again
        table.current()
        assert table._unchanged()
    finally:
        table.close()


@pytest.mark.live
@pytest.mark.root
def test_live_mount_is_seen(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8)")
    target = tmp_path / "mnt"
    target.mkdir()
    table = MountTable(Roots())
    try:
        table.mounts()
        done = subprocess.run(["mount", "-t", "tmpfs", "none", str(target)], check=False)
        if done.returncode != 0:
            pytest.skip("mount refused here")
        try:
            assert str(target) in {m.mount_point for m in table.mounts()}
            subprocess.run(["mount", "-o", "remount,ro", str(target)], check=True)
            (mine,) = [m for m in table.mounts() if m.mount_point == str(target)]
            assert mine.read_only
        finally:
            subprocess.run(["umount", str(target)], check=True)
        assert str(target) not in {m.mount_point for m in table.mounts()}
    finally:
        table.close()


# --- own cgroup -------------------------------------------------------------------------------


@pytest.fixture
def limited(tmp_path: Path) -> Tree:
    """The synthetic container tree of test_cgroup.py, ``proc/self`` -> 4242."""
    base = tmp_path / "limited"
    shutil.copytree(HANDMADE / "cgroup" / "limited", base)
    (base / "proc" / "self").symlink_to("4242")
    return Tree(base=base, roots=Roots(procfs=str(base / "proc"), sysfs=str(base / "sys")))


def test_own_limits_equal_the_uncached_ones(limited: Tree, ne_tree: Tree) -> None:
    for roots in (limited.roots, ne_tree.roots, Roots()):
        assert memory_limit(roots) == container_memory_limit(roots)
        assert cpu_limit(roots) == container_cpu_limit(roots)
    assert memory_limit(limited.roots) == 2 * GIB
    assert cpu_limit(limited.roots) == 1.5


def test_own_cgroup_follows_a_move_and_a_limit_change(limited: Tree) -> None:
    roots = limited.roots
    place = own_cgroup(roots)
    assert place is not None and place[0].endswith("kubepods.slice/pod7/ctr")
    assert own_cgroup(roots) == place
    # The limit file is read every time.
    (Path(place[0]) / "memory.max").write_text("1073741824\n")
    assert memory_limit(roots) == GIB
    # Moved to the pod's cgroup: the cgroup file changes, so the place is looked up again.
    (limited.proc / "4242" / "cgroup").write_text("0::/kubepods.slice/pod7\n")
    moved = own_cgroup(roots)
    assert moved is not None and moved[0].endswith("kubepods.slice/pod7")
    assert memory_limit(roots) == container_memory_limit(roots) == 4 * GIB


def test_own_cgroup_follows_the_mount_table(limited: Tree) -> None:
    roots = limited.roots
    assert own_cgroup(roots) is not None
    mountinfo = limited.proc / "4242" / "mountinfo"
    text = mountinfo.read_text().replace(" /sys/fs/cgroup ", " /sys/fs/cgroup/unified ")
    mountinfo.write_text(text)
    unified = limited.sys / "fs" / "cgroup" / "unified"
    (unified / "kubepods.slice" / "pod7" / "ctr").mkdir(parents=True)
    place = own_cgroup(roots)
    assert place is not None and place[1] == str(unified)
    assert memory_limit(roots) is None and container_memory_limit(roots) is None


def test_no_cgroup_file(tmp_path: Path) -> None:
    roots = Roots(procfs=str(_proc(tmp_path, LINE)), sysfs=str(tmp_path / "sys"))
    assert own_cgroup(roots) is None
    assert memory_limit(roots) is None and cpu_limit(roots) is None
