"""disks() on Linux: /proc/diskstats and /sys/block parsing, partition detection, live cross-check."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.disk import classify, name_rule_parent, read_disks
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers.diskstats import (
    DiskStat,
    disk_io,
    parse_block_stat,
    parse_dev_numbers,
    parse_diskstats,
)
from darwin_metrics.records.disk import DiskIO
from tests.conftest import HANDMADE, Tree

DATA = HANDMADE / "disk"


def by_name(disks: tuple[DiskIO, ...]) -> dict[str, DiskIO]:
    return {d.name: d for d in disks}


# --- captured trees ---------------------------------------------------------------------------


def test_ne_diskstats_exact(ne_tree: Tree) -> None:
    disks = read_disks(ne_tree.roots)
    assert len(disks) == 51
    assert [d.name for d in disks[:3]] == ["ram0", "ram1", "ram2"]
    d = by_name(disks)
    # "8 0 sda 25354637 34367663 1003346126 18492372 28444756 11134226 505697032 63877960 0 9653880 82621804"
    assert d["sda"] == DiskIO(
        name="sda",
        major=8,
        minor=0,
        is_partition=False,
        parent=None,
        reads=25354637,
        reads_merged=34367663,
        read_bytes=1003346126 * 512,
        read_time=18492.372,
        writes=28444756,
        writes_merged=11134226,
        write_bytes=505697032 * 512,
        write_time=63877.96,
        in_flight=0,
        busy_time=9653.88,
        weighted_time=82621.804,
    )
    assert d["sda"].read_bytes == 513713216512
    # 15 counters: "8 16 sdb 326552 841 9657779 84 41822 2895 1972905 5007 0 60730 67070 68851 0 1925173784 11130"
    sdb = d["sdb"]
    assert (sdb.major, sdb.minor, sdb.reads, sdb.write_bytes) == (8, 16, 326552, 1972905 * 512)
    assert (sdb.discards, sdb.discards_merged, sdb.discard_bytes) == (68851, 0, 1925173784 * 512)
    assert sdb.discard_time == pytest.approx(11.13)
    assert sdb.flushes is None and sdb.flush_time is None
    # 17 counters: "... sdc ... 18851 0 125173784 11130 1555 1944"
    sdc = d["sdc"]
    assert (sdc.discards, sdc.discard_bytes, sdc.flushes) == (18851, 125173784 * 512, 1555)
    assert sdc.flush_time == pytest.approx(1.944)
    # 11 counters: no discard or flush fields at all
    assert d["vda2"].discards is None and d["vda2"].flushes is None
    assert d["vda2"].write_time == pytest.approx(2069152.216)


def test_ne_partitions(ne_tree: Tree) -> None:
    d = by_name(read_disks(ne_tree.roots))
    # sda and dm-5 have /sys/block entries in this tree; the rest follow the name rule.
    assert (d["sda"].is_partition, d["sda"].parent) == (False, None)
    assert (d["dm-5"].is_partition, d["dm-5"].parent) == (False, None)
    for part, disk in [
        ("sda1", "sda"),
        ("sda4", "sda"),
        ("mmcblk0p1", "mmcblk0"),
        ("mmcblk0p2", "mmcblk0"),
        ("vda1", "vda"),
        ("nvme0n1p1", "nvme0n1"),
        ("nvme0n1p2", "nvme0n1"),
        ("sdb2", "sdb"),
        ("sdc1", "sdc"),
    ]:
        assert (d[part].is_partition, d[part].parent) == (True, disk), part
    for whole in ["ram10", "loop7", "dm-0", "mmcblk0", "fd0", "vda", "sr0", "nvme0n1", "sdb"]:
        assert (d[whole].is_partition, d[whole].parent) == (False, None), whole
    assert sum(x.is_partition for x in d.values()) == 13


def test_pf_diskstats_exact(pf_tree: Tree) -> None:
    disks = read_disks(pf_tree.roots)
    assert len(disks) == 52
    sdc = [x for x in disks if x.name == "sdc"]
    # "8 0 sdc 14202 71 579164 21861 2995 1589 180500 40875 0 11628 55200 0 0 0 0 127 182"
    assert len(sdc) == 1
    assert (sdc[0].major, sdc[0].minor, sdc[0].reads, sdc[0].read_bytes) == (
        8,
        0,
        14202,
        579164 * 512,
    )
    assert (sdc[0].flushes, sdc[0].flush_time) == (127, 0.182)
    assert sdc[0].busy_time == pytest.approx(11.628)
    d = by_name(disks)
    assert (d["sdc2"].is_partition, d["sdc2"].parent) == (True, "sdc")
    assert (d["dm-0"].is_partition, d["dm-0"].parent) == (False, None)


def test_pf_sysfs_stat_fallback(pf_tree: Tree, tmp_path: Path) -> None:
    """Without /proc/diskstats the counters come from /sys/block/*/stat (only sda, dm-0..2 have one)."""
    roots = Roots(procfs=str(tmp_path), sysfs=pf_tree.roots.sysfs)
    d = by_name(read_disks(roots))
    assert sorted(d) == ["dm-0", "dm-1", "dm-2", "sda"]
    # sda/stat: "9652963 396792 759304206 412943 8422549 6731723 286915323 13947418 0 5658367 19174573 1 2 3 12"
    sda = d["sda"]
    assert (sda.major, sda.minor) == (None, None)  # no `dev` attribute in this tree
    assert (sda.reads, sda.reads_merged, sda.read_bytes) == (9652963, 396792, 759304206 * 512)
    assert (sda.discards, sda.discards_merged, sda.discard_bytes) == (1, 2, 3 * 512)
    assert sda.discard_time == pytest.approx(0.012)
    # dm-1/stat: "1234567 0 98765432 100000 567890 0 45678900 200000 0 50000 300000"
    assert d["dm-1"].write_bytes == 45678900 * 512
    assert d["dm-1"].busy_time == pytest.approx(50.0)
    assert d["dm-1"].discards is None


def test_backend_disks(pf_tree: Tree) -> None:
    backend = LinuxBackend(procfs=pf_tree.roots.procfs, sysfs=pf_tree.roots.sysfs)
    assert backend.disks() == read_disks(pf_tree.roots)


# --- hand-made trees and files --------------------------------------------------------------


def test_synthetic_tree_sysfs_rules() -> None:
    roots = Roots(procfs=str(DATA / "proc"), sysfs=str(DATA / "sys"))
    disks = read_disks(roots)
    assert [(x.name, x.is_partition, x.parent) for x in disks] == [
        ("sdx", False, None),
        ("sdx1", True, "sdx"),
        ("sdx2", True, "sdx"),
        ("nvme1n1", False, None),
        ("nvme1n1p1", True, "nvme1n1"),
        ("dm-9", False, None),
        ("loop3", False, None),
    ]
    sdx = disks[0]
    assert (sdx.major, sdx.minor, sdx.in_flight, sdx.flushes) == (8, 48, 2, 45678)
    assert sdx.flush_time == pytest.approx(22.334)
    assert sdx.discard_bytes == 8123456 * 512


def test_partition_parent_from_sysfs_path() -> None:
    """Rule 2 finds the parent in the resolved sysfs path, even when the name rule could not."""
    roots = Roots(procfs=str(DATA / "proc"), sysfs=str(DATA / "sys"))
    assert classify(roots, "sdx1", frozenset({"sdx1"}), set()) == (True, "sdx")
    assert classify(roots, "nvme1n1p1", frozenset({"nvme1n1p1"}), set()) == (True, "nvme1n1")
    assert classify(roots, "dm-9", frozenset({"dm-9"}), set()) == (False, None)
    # not in sysfs at all: the name rule
    assert classify(roots, "sdz3", frozenset({"sdz", "sdz3"}), set()) == (True, "sdz")
    assert classify(roots, "sdz3", frozenset({"sdz3"}), set()) == (False, None)


def test_synthetic_tree_sysfs_fallback_matches_diskstats() -> None:
    with_proc = read_disks(Roots(procfs=str(DATA / "proc"), sysfs=str(DATA / "sys")))
    fallback = read_disks(
        Roots(procfs=str(DATA / "proc-without-diskstats"), sysfs=str(DATA / "sys"))
    )
    assert sorted(with_proc, key=lambda x: x.name) == sorted(fallback, key=lambda x: x.name)


@pytest.mark.parametrize(
    ("name", "names", "parent"),
    [
        ("sda1", {"sda"}, "sda"),
        ("sda12", {"sda"}, "sda"),
        ("nvme0n1p3", {"nvme0n1"}, "nvme0n1"),
        ("mmcblk0p1", {"mmcblk0"}, "mmcblk0"),
        ("md127p1", {"md127"}, "md127"),
        ("sdp1", {"sdp"}, "sdp"),
        ("ram10", {"ram1"}, None),
        ("loop0", set(), None),
        ("nvme0n1", {"nvme0"}, None),
        ("dm-3", {"dm-"}, "dm-"),  # only if a device were really named "dm-"
        ("sda", {"sda"}, None),
        ("123", {"1"}, None),
    ],
)
def test_name_rule(name: str, names: set[str], parent: str | None) -> None:
    assert name_rule_parent(name, frozenset(names | {name})) == parent


def test_edge_empty() -> None:
    assert parse_diskstats((DATA / "diskstats_empty").read_bytes()) == ()


def test_edge_truncated() -> None:
    with pytest.raises(ParseError, match="6 counters"):
        parse_diskstats((DATA / "diskstats_truncated").read_bytes())


def test_edge_garbage() -> None:
    with pytest.raises(ParseError) as info:
        parse_diskstats((DATA / "diskstats_garbage").read_bytes(), "/x/diskstats")
    assert info.value.source == "/x/diskstats"


def test_edge_huge() -> None:
    (stat,) = parse_diskstats((DATA / "diskstats_huge").read_bytes())
    io = disk_io(stat, is_partition=False, parent=None)
    top = 18446744073709551615
    assert io.reads == top and io.read_bytes == top * 512 and io.flushes == top
    assert io.busy_time == top / 1000


def test_edge_old_partition_line() -> None:
    """Kernels before 2.6.25 printed 4 counters for partitions (iostats.rst example)."""
    hda, hda1 = parse_diskstats((DATA / "diskstats_old_partition").read_bytes())
    assert len(hda.counters) == 11
    io = disk_io(hda1, is_partition=True, parent="hda")
    assert (io.reads, io.read_bytes, io.writes, io.write_bytes) == (
        35486,
        38030 * 512,
        38030,
        38030 * 512,
    )
    assert io.read_time is None and io.busy_time is None and io.reads_merged is None


def test_edge_future_counters_kept_to_17() -> None:
    (stat,) = parse_diskstats((DATA / "diskstats_future").read_bytes())
    assert stat.counters == tuple(range(1, 18))


@pytest.mark.parametrize("count", [0, 1, 5, 12, 13, 14, 16])
def test_unknown_counter_counts_rejected(count: int) -> None:
    line = "8 0 sda " + " ".join(["1"] * count)
    with pytest.raises(ParseError):
        parse_diskstats(line.encode())


def test_negative_rejected() -> None:
    with pytest.raises(ParseError):
        parse_diskstats(b"8 0 sda 1 2 3 -4 5 6 7 8 9 10 11\n")


def test_block_stat_and_dev() -> None:
    assert parse_block_stat(b"1 2 3 4\n", "x", "s").counters == (1, 2, 3, 4)
    with pytest.raises(ParseError):
        parse_block_stat(b"", "x", "s")
    assert parse_dev_numbers("259:5\n", "d") == (259, 5)
    for bad in ["", "8", "8:", ":1", "a:b", "8:1:2"]:
        with pytest.raises(ParseError):
            parse_dev_numbers(bad, "d")


# --- fuzzing --------------------------------------------------------------------------------


@given(st.binary(max_size=400))
def test_fuzz_diskstats(data: bytes) -> None:
    try:
        result = parse_diskstats(data)
    except ParseError:
        return
    for stat in result:
        assert isinstance(stat, DiskStat)
        disk_io(stat, is_partition=False, parent=None)


@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), min_size=1, max_size=20))
def test_fuzz_diskstats_numbers(values: list[int]) -> None:
    data = ("8 0 sda " + " ".join(map(str, values)) + "\n").encode()
    try:
        (stat,) = parse_diskstats(data)
    except ParseError:
        assert len(values) not in (4, 11, 15, 17) and len(values) < 17
        return
    io = disk_io(stat, is_partition=False, parent=None)
    assert io.reads == values[0]


@given(st.binary(max_size=200), st.text(max_size=20))
def test_fuzz_block_stat(data: bytes, text: str) -> None:
    try:
        parse_block_stat(data, "x", "s")
    except ParseError:
        pass
    try:
        parse_dev_numbers(text, "d")
    except ParseError:
        pass


# --- live -----------------------------------------------------------------------------------


@pytest.mark.live
def test_live_against_psutil() -> None:
    """Counters within a small tolerance of psutil's (both read /proc/diskstats, a moment apart).

    Tolerance: operation counts may grow by 1000 and bytes by 64 MiB between the two reads; times
    by 10 s. Partitions are those psutil and we both list.
    """
    psutil = pytest.importorskip("psutil")
    ours = by_name(read_disks(Roots()))
    theirs = psutil.disk_io_counters(perdisk=True, nowrap=False)
    common = set(ours) & set(theirs)
    assert common, (sorted(ours), sorted(theirs))
    for name in common:
        a, b = ours[name], theirs[name]
        assert abs(a.reads - b.read_count) <= 1000
        assert abs(a.writes - b.write_count) <= 1000
        assert abs(a.read_bytes - b.read_bytes) <= 64 * 2**20
        assert abs(a.write_bytes - b.write_bytes) <= 64 * 2**20
        assert a.read_time is not None and abs(a.read_time * 1000 - b.read_time) <= 10_000
        assert a.busy_time is not None and abs(a.busy_time * 1000 - b.busy_time) <= 10_000


@pytest.mark.live
def test_live_whole_disks_match_sys_block() -> None:
    import os

    disks = read_disks(Roots())
    whole = {d.name for d in disks if not d.is_partition}
    assert whole == set(os.listdir("/sys/block")) & {d.name for d in disks}
    for d in disks:
        if d.is_partition:
            assert d.parent in whole
            assert os.path.exists(f"/sys/block/{d.parent}/{d.name}/partition")


@pytest.mark.live
def test_live_counters_monotonic() -> None:
    first = by_name(read_disks(Roots()))
    time.sleep(0.05)
    second = by_name(read_disks(Roots()))
    for name, a in first.items():
        if name in second:
            b = second[name]
            assert b.reads >= a.reads and b.writes >= a.writes and b.read_bytes >= a.read_bytes
