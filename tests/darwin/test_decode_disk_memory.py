"""Disk and memory decoders: the captured IOBlockStorageDriver ``Statistics`` of an M1 MacBook Air
(ThomasKaiser ``ioreg -l``), and synthetic ``struct statfs`` / ``vm_statistics64`` records built
from the layouts in darwin_structs.json (no such captures exist)."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.darwin.decode import disk, memory
from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.darwin.ffi.structs import Statfs, VMStatistics64
from darwin_metrics.errors import ParseError
from darwin_metrics.records.memory import Pressure
from tests.darwin import formats


def test_block_storage_statistics(darwin_fixtures: Path) -> None:
    props = formats.ioreg_text(
        darwin_fixtures
        / "thomaskaiser_ioreg-l_MacBookAir10-1_M1_macOS11.0.1_excerpt_IOBlockStorageDriver_Statistics.txt"
    )
    io = disk.disk_io("disk0", props["Statistics"])
    assert io.name == "disk0"
    assert io.is_partition is False
    assert (io.major, io.minor) == (None, None)  # no IOMedia properties given
    media = {"BSD Name": "disk0", "BSD Major": 1, "BSD Minor": 0}
    assert (disk.disk_io("disk0", props["Statistics"], media).major, 0) == (1, 0)
    assert (io.reads, io.read_bytes) == (615801, 14160125952)
    assert (io.writes, io.write_bytes) == (201498, 3637972992)
    # "Total Time (Read)" = 186691814685 ns, "Total Time (Write)" = 17152832587 ns.
    assert io.read_time == pytest.approx(186.691814685)
    assert io.write_time == pytest.approx(17.152832587)


def test_statistics_without_counts_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        disk.disk_io("disk1", {"Bytes (Read)": 1})


def _statfs(mount_point: str, fs_type: str, flags: int, **kw: int) -> bytes:
    st = Statfs(
        f_bsize=4096,
        f_blocks=kw.get("blocks", 1000),
        f_bfree=kw.get("bfree", 600),
        f_bavail=kw.get("bavail", 500),
        f_files=kw.get("files", 100),
        f_ffree=kw.get("ffree", 40),
        f_flags=flags,
        f_fstypename=fs_type.encode(),
        f_mntonname=mount_point.encode(),
        f_mntfromname=b"/dev/disk3s1s1",
    )
    return bytes(st)


def test_statfs_volumes() -> None:
    # Synthetic getfsstat answer: root, the data volume, devfs and a USB stick.
    raw = (
        _statfs(
            "/",
            "apfs",
            k.MNT_RDONLY | k.MNT_LOCAL | k.MNT_ROOTFS | k.MNT_JOURNALED | k.MNT_SNAPSHOT,
        )
        + _statfs("/System/Volumes/Data", "apfs", k.MNT_LOCAL | k.MNT_DONTBROWSE | k.MNT_JOURNALED)
        + _statfs("/dev", "devfs", k.MNT_DONTBROWSE, blocks=0, bfree=0, bavail=0)
        + _statfs("/Volumes/STICK", "msdos", k.MNT_LOCAL | k.MNT_REMOVABLE | k.MNT_NOSUID)
    )
    mounts = disk.mounts(raw)
    assert [m.mount_point for m in mounts] == [
        "/",
        "/System/Volumes/Data",
        "/dev",
        "/Volumes/STICK",
    ]
    # The data volume is nobrowse, but it holds the user's files: shown by default.
    assert [disk.is_hidden(m) for m in mounts] == [False, False, True, False]
    assert [disk.is_pseudo(m) for m in mounts] == [False, False, True, False]
    root = disk.volume(mounts[0], space_used=12 * 4096)
    assert root.device == "/dev/disk3s1s1"
    assert root.options == ("ro", "local", "rootfs", "journaled", "snapshot")
    assert root.read_only is True
    assert root.total == 1000 * 4096
    assert root.free == 600 * 4096
    assert root.available == 500 * 4096
    # APFS: the volume's own use from ATTR_VOL_SPACEUSED, not blocks - free (the container's).
    assert root.used == 12 * 4096
    assert root.used_percent == pytest.approx(100 * 12 / (12 + 500))
    assert (root.inodes_total, root.inodes_used, root.inodes_free) == (100, 60, 40)
    stick = disk.volume(mounts[3])
    assert stick.used == 400 * 4096
    assert stick.options == ("rw", "nosuid", "removable", "local")
    assert disk.volume(mounts[2]).used_percent is None
    with pytest.raises(ParseError):
        disk.mounts(raw[:-1])


def _vm(**counts: int) -> bytes:
    return bytes(VMStatistics64(**counts))


def test_vm_statistics() -> None:
    # Synthetic counts for a 16 GiB Apple Silicon Mac (16 KiB kernel pages).
    page = 16384
    raw = _vm(
        free_count=20000,
        speculative_count=5000,
        active_count=300000,
        inactive_count=280000,
        wire_count=150000,
        purgeable_count=10000,
        internal_page_count=400000,
        external_page_count=200000,
        compressor_page_count=50000,
        swapins=7,
        swapouts=9,
    )
    total = 17179869184  # hw.memsize of the captured M1
    mem = memory.memory(
        raw,
        page_size=page,
        total=total,
        swap_usage=(2 * 2**30, 2**30, 2**30),
        pressure=memory.pressure(2, 43),
    )
    assert mem.free == 15000 * page
    assert mem.app == 390000 * page
    assert mem.wired == 150000 * page
    assert mem.compressed == 50000 * page
    assert mem.purgeable == 10000 * page
    assert mem.cached == 210000 * page
    assert mem.used == (390000 + 150000 + 50000) * page
    assert mem.available == total - mem.used
    assert (mem.active, mem.inactive) == (300000 * page, 280000 * page)
    assert (mem.swap.total, mem.swap.used, mem.swap.free) == (2 * 2**30, 2**30, 2**30)
    assert (mem.swap.swapped_in, mem.swap.swapped_out) == (7 * page, 9 * page)
    assert mem.pressure == Pressure(level="warning", free_percent=43.0)


def test_pressure_levels() -> None:
    assert memory.pressure(1, 90).level == "normal"
    assert memory.pressure(4, 3).level == "critical"
    assert memory.pressure(3, None) == Pressure(level=None, free_percent=None)
    assert memory.pressure(None, 101).free_percent is None


def test_vm_statistics_short_or_bad_page_size() -> None:
    raw = _vm(free_count=1)
    pressure = memory.pressure(1, 50)
    with pytest.raises(ParseError):
        memory.memory(
            raw[:96], page_size=4096, total=1 << 30, swap_usage=(0, 0, 0), pressure=pressure
        )
    with pytest.raises(ParseError):
        memory.memory(raw, page_size=4095, total=1 << 30, swap_usage=(0, 0, 0), pressure=pressure)
    assert ctypes.sizeof(VMStatistics64) == 152


@given(st.binary(max_size=400), st.sampled_from([4096, 16384, 3, 0]))
def test_fuzz_memory(raw: bytes, page: int) -> None:
    try:
        mem = memory.memory(
            raw, page_size=page, total=1 << 34, swap_usage=(0, 0, 0), pressure=memory.pressure(1, 1)
        )
    except ParseError:
        return
    assert 0 <= mem.used <= mem.total


@given(st.binary(max_size=5000))
def test_fuzz_statfs(raw: bytes) -> None:
    try:
        for mount in disk.mounts(raw):
            disk.volume(mount, None)
    except ParseError:
        pass


@given(st.dictionaries(st.text(max_size=20), st.one_of(st.integers(), st.floats(), st.text())))
def test_fuzz_statistics(stats: dict[str, object]) -> None:
    try:
        disk.disk_io("disk0", stats)
    except ParseError:
        pass


def test_swap_usage_from_xsw_usage() -> None:
    from darwin_metrics.darwin.ffi.structs import XswUsage

    raw = bytes(XswUsage(xsu_total=2 << 30, xsu_avail=1536 << 20, xsu_used=512 << 20,
                         xsu_pagesize=16384, xsu_encrypted=1))  # fmt: skip
    assert memory.swap_usage(raw) == (2 << 30, 512 << 20, 1536 << 20)
    with pytest.raises(ParseError):
        memory.swap_usage(raw[:24])
    with pytest.raises(ParseError):
        memory.swap_usage(bytes(XswUsage(xsu_total=1, xsu_used=2)))
