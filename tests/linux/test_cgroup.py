"""cgroup(): parsers, a hand-made cgroup v2 tree with limits, v1 and hybrid systems, memory()/cpu()
limits, fuzzing, and a live child in a cgroup made by the test.

``tests/data/cgroup/limited`` is synthetic (see its README): the captured trees hold no cgroup v2
files, only node_exporter's cgroup v1 mounts (``proc/1/mountinfo``) and ``proc/cgroups``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import darwin_metrics as dm
from darwin_metrics.errors import NoSuchProcess, NotSupported, ParseError
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.cgroup import (
    container_cpu_limit,
    container_memory_limit,
    find_cgroup2_mount,
    read_cgroup,
)
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers.cgroup import (
    parse_controllers,
    parse_cpu_max,
    parse_flat_keyed,
    parse_io_stat,
    parse_limit,
    parse_proc_cgroup,
)
from darwin_metrics.records.cgroup import CGroupCPU, CGroupIO, CGroupMemory, CGroupPids
from darwin_metrics.records.memory import PressureStall
from tests.conftest import HANDMADE, Tree

DATA = HANDMADE / "cgroup"
GIB = 1024**3
CTR = "kubepods.slice/pod7/ctr"


@pytest.fixture
def limited(tmp_path: Path) -> Tree:
    """The synthetic container tree, with ``proc/self`` -> 4242 and a block device in sysfs."""
    base = tmp_path / "limited"
    shutil.copytree(DATA / "limited", base)
    (base / "proc" / "self").symlink_to("4242")
    dev = base / "sys" / "dev" / "block" / "8:0"
    dev.mkdir(parents=True)
    (dev / "uevent").write_text("MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n")
    return Tree(base=base, roots=Roots(procfs=str(base / "proc"), sysfs=str(base / "sys")))


def test_container_record(limited: Tree) -> None:
    cg = read_cgroup(limited.roots, 4242)
    assert cg.pid == 4242
    assert cg.path == "/kubepods.slice/pod7/ctr"
    assert cg.directory == str(limited.sys / "fs" / "cgroup" / CTR)
    assert cg.controllers == ("cpuset", "cpu", "io", "memory", "pids")
    assert cg.v1_controllers == ()
    assert cg.memory == CGroupMemory(
        used=1073741824,
        max=2 * GIB,
        high=1932735283,
        low=268435456,
        min=0,
        limit=2 * GIB,  # smaller than kubepods.slice's 4 GiB
        peak=1200001024,
        swap_used=4096,
        swap_max=None,  # "max"
        anon=734003200,
        file=314572800,
        inactive_file=104857600,
        oom=1,
        oom_kill=1,
        max_events=3,
        high_events=12,
    )
    assert cg.cpu == CGroupCPU(
        quota=0.15,
        period=0.1,
        effective_cpus=1.5,
        weight=100,
        usage=123.456789,
        user=100.0,
        system=23.456789,
        periods=5000,
        throttled_periods=250,
        throttled=9.876543,
        cpus=(0, 1, 2, 3, 6),
    )
    assert cg.pids == CGroupPids(count=42, max=1024)
    assert cg.io == (
        CGroupIO(
            device="8:0",
            name="sda",
            read_bytes=1459200,
            write_bytes=314773504,
            reads=192,
            writes=353,
            discard_bytes=0,
            discards=0,
        ),
        CGroupIO(
            device="253:1",
            name=None,  # no sysfs entry for this device in the tree
            read_bytes=4096,
            write_bytes=0,
            reads=1,
            writes=0,
            discard_bytes=0,
            discards=0,
        ),
    )
    assert cg.pressure is not None
    assert cg.pressure.cpu == PressureStall(
        some_avg10_percent=1.5,
        some_avg60_percent=1.2,
        some_avg300_percent=0.8,
        some_total=2.5,
        full_avg10_percent=0.0,
        full_avg60_percent=0.0,
        full_avg300_percent=0.0,
        full_total=0.0,
    )
    assert cg.pressure.memory is not None and cg.pressure.memory.full_total == 0.35


def test_default_pid_is_self(limited: Tree) -> None:
    assert read_cgroup(limited.roots).pid == 4242
    assert LinuxBackend(procfs=limited.roots.procfs, sysfs=limited.roots.sysfs).cgroup().path == (
        "/kubepods.slice/pod7/ctr"
    )


def test_parent_limit_binds(limited: Tree) -> None:
    ctr = limited.sys / "fs" / "cgroup" / CTR
    (ctr / "memory.max").write_text("max\n")
    (ctr / "cpu.max").write_text("max 100000\n")
    cg = read_cgroup(limited.roots, 4242)
    assert cg.memory is not None and cg.memory.max is None and cg.memory.limit == 4 * GIB
    assert cg.cpu is not None and cg.cpu.quota is None and cg.cpu.effective_cpus == 4.0
    assert container_memory_limit(limited.roots) == 4 * GIB
    assert container_cpu_limit(limited.roots) == 4.0


def test_absent_controllers_give_none(limited: Tree) -> None:
    ctr = limited.sys / "fs" / "cgroup" / CTR
    (ctr / "cgroup.controllers").write_text("cpu\n")
    (ctr / "cpuset.cpus.effective").unlink()
    cg = read_cgroup(limited.roots, 4242)
    assert cg.memory is None and cg.pids is None and cg.io is None
    assert cg.cpu is not None and cg.cpu.cpus is None and cg.cpu.effective_cpus == 1.5


def test_root_cgroup(limited: Tree) -> None:
    (limited.proc / "4242" / "cgroup").write_text("0::/\n")
    cg = read_cgroup(limited.roots, 4242)
    assert cg.path == "/" and cg.directory == str(limited.sys / "fs" / "cgroup")
    assert cg.memory is not None and cg.memory.used is None and cg.memory.limit is None
    assert cg.cpu is not None and cg.cpu.usage == 987654.321 and cg.cpu.quota is None
    assert cg.pids is not None and cg.pids.max is None


def test_memory_and_cpu_carry_limits(limited: Tree, ne_tree: Tree) -> None:
    for name in ("meminfo", "stat", "loadavg", "vmstat"):
        shutil.copy(ne_tree.proc / name, limited.proc / name)
    backend = LinuxBackend(procfs=limited.roots.procfs, sysfs=limited.roots.sysfs)
    assert backend.memory().limit_bytes == 2 * GIB
    assert backend.cpu().effective_cpus == 1.5
    host = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs)
    assert host.memory().limit_bytes is None  # no cgroup file in that tree
    assert host.cpu().effective_cpus is None


def test_bind_mounted_subtree(limited: Tree) -> None:
    """A container that sees its own cgroup as the mount's root (mount root != /)."""
    mountinfo = limited.proc / "4242" / "mountinfo"
    text = mountinfo.read_text().replace(
        "0:24 / /sys/fs/cgroup ", "0:24 /kubepods.slice /sys/fs/cgroup/kubepods.slice "
    )
    mountinfo.write_text(text)
    cg = read_cgroup(limited.roots, 4242)
    assert cg.directory == str(limited.sys / "fs" / "cgroup" / CTR)
    assert cg.memory is not None and cg.memory.limit == 2 * GIB


def test_outside_the_mount(limited: Tree) -> None:
    (limited.proc / "4242" / "cgroup").write_text("0::/../../etc\n")
    with pytest.raises(NotSupported, match="outside"):
        read_cgroup(limited.roots, 4242)


def test_fallback_mount(limited: Tree) -> None:
    (limited.proc / "4242" / "mountinfo").write_text("")
    mount = find_cgroup2_mount(limited.roots)
    assert mount == (str(limited.sys / "fs" / "cgroup"), "/")
    assert read_cgroup(limited.roots, 4242).memory is not None


def test_cgroup_v1_is_unsupported(writable_ne_tree: Tree) -> None:
    """node_exporter's captured machine mounts only cgroup v1 hierarchies (proc/1/mountinfo)."""
    proc = writable_ne_tree.proc
    shutil.copy(proc / "1" / "mountinfo", proc / "10" / "mountinfo")
    (proc / "10" / "cgroup").write_text(
        "12:pids:/docker/abc\n11:devices:/docker/abc\n4:memory:/docker/abc\n"
        "3:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n"
    )
    assert find_cgroup2_mount(writable_ne_tree.roots) is None
    with pytest.raises(NotSupported, match="cgroup v1"):
        read_cgroup(writable_ne_tree.roots, 10)
    assert container_memory_limit(writable_ne_tree.roots) is None
    backend = LinuxBackend(procfs=str(proc), sysfs=writable_ne_tree.roots.sysfs)
    assert backend.memory().limit_bytes is None


def test_hybrid(limited: Tree) -> None:
    (limited.proc / "4242" / "cgroup").write_text(
        "9:name=systemd:/\n4:memory:/box\n3:cpu,cpuacct:/\n0::/\n"
    )
    mountinfo = limited.proc / "4242" / "mountinfo"
    mountinfo.write_text(
        mountinfo.read_text().replace(" /sys/fs/cgroup ", " /sys/fs/cgroup/unified ")
    )
    unified = limited.sys / "fs" / "cgroup" / "unified"
    unified.mkdir()
    (unified / "cgroup.controllers").write_text("\n")
    (unified / "cpu.stat").write_text("usage_usec 10\nuser_usec 6\nsystem_usec 4\n")
    cg = read_cgroup(limited.roots, 4242)
    assert cg.directory == str(unified) and cg.controllers == ()
    assert cg.memory is None and cg.pids is None
    assert cg.cpu is not None and cg.cpu.usage == 10e-6 and cg.cpu.quota is None
    assert cg.v1_controllers == ("cpu", "cpuacct", "memory")


def test_missing_process(limited: Tree) -> None:
    with pytest.raises(NoSuchProcess):
        read_cgroup(limited.roots, 999)
    (limited.proc / "77").mkdir()
    with pytest.raises(NotSupported):
        read_cgroup(limited.roots, 77)


def test_malformed_files(limited: Tree) -> None:
    ctr = limited.sys / "fs" / "cgroup" / CTR
    (ctr / "memory.max").write_text("lots\n")
    with pytest.raises(ParseError, match=r"memory\.max"):
        read_cgroup(limited.roots, 4242)
    assert container_memory_limit(limited.roots) is None  # memory() never fails because of it


# --- parsers -----------------------------------------------------------------------------------


def test_parse_proc_cgroup() -> None:
    info = parse_proc_cgroup(b"12:pids:/a\n3:cpu,cpuacct:/b:c\n1:name=systemd:/\n0::/x y\n", "c")
    assert info.v2_path == "/x y"
    assert info.v1 == {"pids": "/a", "cpu": "/b:c", "cpuacct": "/b:c", "name=systemd": "/"}
    assert parse_proc_cgroup(b"", "c").v2_path is None
    with pytest.raises(ParseError):
        parse_proc_cgroup(b"garbage\n", "c")
    with pytest.raises(ParseError):
        parse_proc_cgroup(b"x:y:z\n", "c")


def test_parse_values() -> None:
    assert parse_limit(b"max\n", "m") is None
    assert parse_limit(b"1024\n", "m") == 1024
    with pytest.raises(ParseError):
        parse_limit(b"-1\n", "m")
    assert parse_cpu_max(b"max 100000\n", "c") == (None, 100000)
    assert parse_cpu_max(b"50000 100000\n", "c") == (50000, 100000)
    for bad in (b"50000\n", b"1 0\n", b"a b\n", b""):
        with pytest.raises(ParseError):
            parse_cpu_max(bad, "c")
    assert parse_flat_keyed(b"a 1\nb 2\n\n", "f") == {"a": 1, "b": 2}
    with pytest.raises(ParseError):
        parse_flat_keyed(b"a 1 2\n", "f")
    assert parse_io_stat(b"8:0 rbytes=1 wbytes=2\n", "i") == [("8:0", {"rbytes": 1, "wbytes": 2})]
    for bad in (b"sda rbytes=1\n", b"8:0 rbytes\n", b"8:0 rbytes=x\n", b"8:0 =1\n"):
        with pytest.raises(ParseError):
            parse_io_stat(bad, "i")
    assert parse_controllers(b"cpu io memory\n", "c") == ("cpu", "io", "memory")
    with pytest.raises(ParseError):
        parse_controllers(b"\xff", "c")


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_fuzz_cgroup_parsers(data: bytes) -> None:
    for parse in (
        parse_proc_cgroup,
        parse_limit,
        parse_cpu_max,
        parse_flat_keyed,
        parse_io_stat,
        parse_controllers,
    ):
        try:
            parse(data, "fuzz")  # type: ignore[operator]
        except ParseError:
            pass


# --- this machine ------------------------------------------------------------------------------


def _own_cgroup_line() -> str | None:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            return line[3:]
    return None


@pytest.mark.live
def test_live_own_cgroup() -> None:
    path = _own_cgroup_line()
    if path is None:
        with pytest.raises(NotSupported):
            dm.cgroup()
        return
    cg = dm.cgroup()
    assert cg.pid == os.getpid() and cg.path == path
    assert os.path.isdir(cg.directory)
    v1 = {
        c
        for line in Path("/proc/self/cgroup").read_text().splitlines()
        for c in line.split(":")[1].split(",")
        if c and not c.startswith("name=")
    }
    assert set(cg.v1_controllers) == v1
    if cg.cpu is not None and cg.cpu.usage is not None:
        assert cg.cpu.usage > 0
    assert dm.cgroup(1).pid == 1


def _cgroup2_mount() -> str | None:
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        if " - cgroup2 " in line:
            return line.split()[4]
    return None


@pytest.fixture
def child_cgroup() -> Iterator[Path]:
    """A new cgroup directly under the cgroup2 mount, removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("creating a cgroup needs root")
    mount = _cgroup2_mount()
    if mount is None or _own_cgroup_line() is None:
        pytest.skip("no cgroup2 hierarchy on this machine")
    path = Path(mount) / f"darwin-metrics-test-{os.getpid()}"
    try:
        path.mkdir()
    except OSError as exc:
        pytest.skip(f"cannot create a cgroup under {mount}: {exc}")
    try:
        yield path
    finally:
        for _ in range(50):
            try:
                path.rmdir()
                break
            except OSError:
                time.sleep(0.05)


def _spawn_in(cgroup: Path, argv: list[str]) -> subprocess.Popen[str]:
    procs = str(cgroup / "cgroup.procs")

    def enter() -> None:
        with open(procs, "w") as f:
            f.write(str(os.getpid()))

    return subprocess.Popen(argv, preexec_fn=enter, stdout=subprocess.PIPE, text=True)


@pytest.mark.live
@pytest.mark.root
def test_live_child_in_new_cgroup(child_cgroup: Path) -> None:
    """A child placed in a cgroup made here is found there; where the memory and cpu controllers
    can be enabled for it, the limits written are read back through cgroup(), memory(), cpu()."""
    name = "/" + child_cgroup.name
    child = _spawn_in(child_cgroup, ["sleep", "30"])
    try:
        cg = dm.cgroup(child.pid)
        assert cg.path == name and cg.directory == str(child_cgroup)
    finally:
        child.kill()
        child.wait()

    controllers = (child_cgroup / "cgroup.controllers").read_text().split()
    if not {"memory", "cpu"} <= set(controllers):
        pytest.skip(
            "the memory and cpu controllers are not available to new cgroup2 groups here "
            f"(available: {controllers or 'none'}; on a hybrid system they are bound to cgroup "
            "v1): limits cannot be set, only the path was checked"
        )
    (child_cgroup / "memory.max").write_text(str(256 * 1024 * 1024))
    (child_cgroup / "cpu.max").write_text("50000 100000")
    code = (
        "import darwin_metrics as dm, os; c = dm.cgroup(); "
        "print(c.memory.max, c.memory.limit, c.cpu.quota, c.cpu.period, c.cpu.effective_cpus, "
        "dm.memory().limit_bytes, dm.cpu().effective_cpus)"
    )
    probe = _spawn_in(child_cgroup, [sys.executable, "-c", code])
    out, _ = probe.communicate(timeout=60)
    assert probe.returncode == 0
    assert out.split() == [
        str(256 * 1024 * 1024),
        str(256 * 1024 * 1024),
        "0.05",
        "0.1",
        "0.5",
        str(256 * 1024 * 1024),
        "0.5",
    ]
