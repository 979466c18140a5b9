"""memory() on Linux: the captured trees, hand-built trees, the pressure rule, and this machine."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import psutil
import pytest

from darwin_metrics.errors import NotSupported, ParseError
from darwin_metrics.linux import fs
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.memory import available_estimate, pressure_level
from darwin_metrics.records.memory import Memory, PressureStall, Swap
from tests.conftest import HANDMADE, Tree

PAGE = os.sysconf("SC_PAGE_SIZE")
KIB = 1024


def _memory(tree: Tree) -> Memory:
    return LinuxBackend(procfs=tree.roots.procfs, sysfs=tree.roots.sysfs).memory()


def test_node_exporter_tree(ne_tree: Tree) -> None:
    mem = _memory(ne_tree)
    assert mem.total == 3742148 * KIB
    assert mem.free == 225472 * KIB
    assert mem.buffers == 22040 * KIB
    assert mem.cached == (930888 + 44772) * KIB  # Cached + SReclaimable
    assert mem.shared == 593840 * KIB
    assert mem.active == 2233416 * KIB
    assert mem.inactive == 1028728 * KIB
    assert mem.slab == 98932 * KIB
    # No MemAvailable in this (pre-3.14) file: MemFree + Buffers + Cached + SReclaimable - Shmem.
    assert mem.available == (225472 + 22040 + 930888 + 44772 - 593840) * KIB == 644435968
    assert mem.used == mem.total - mem.available == 3187523584
    assert mem.swap == Swap(
        total=4194300 * KIB,
        used=(4194300 - 3155360) * KIB,
        free=3155360 * KIB,
        swapped_in=1476 * PAGE,  # vmstat pswpin
        swapped_out=35045 * PAGE,
    )
    assert mem.limit_bytes is None
    pressure = mem.pressure
    assert pressure.memory == PressureStall(
        some_avg10_percent=0.0,
        some_avg60_percent=0.0,
        some_avg300_percent=0.0,
        some_total=0.0,
        full_avg10_percent=0.0,
        full_avg60_percent=0.0,
        full_avg300_percent=0.0,
        full_total=0.0,
    )
    assert pressure.cpu is not None and pressure.cpu.some_total == 14.036781
    assert pressure.io is not None and pressure.io.full_total == 159.229614
    assert pressure.io.some_avg60_percent == 0.34
    assert pressure.irq == PressureStall(
        full_avg10_percent=0.0, full_avg60_percent=0.0, full_avg300_percent=0.0, full_total=0.008494
    )
    assert pressure.level == "normal"  # memory PSI all zero


def test_procfs_tree(pf_tree: Tree) -> None:
    mem = _memory(pf_tree)
    assert mem.total == 15666184 * KIB == 16042172416
    assert mem.free == 440324 * KIB
    assert mem.buffers == 1020128 * KIB
    assert mem.cached == (12007640 + 1738124) * KIB
    assert mem.shared == 1308 * KIB
    assert mem.slab == 1807264 * KIB
    assert mem.available == (440324 + 1020128 + 12007640 + 1738124 - 1308) * KIB
    assert mem.swap == Swap(total=0, used=0, free=0, swapped_in=None, swapped_out=None)  # no vmstat
    pressure = mem.pressure
    assert pressure.memory == PressureStall(
        some_avg10_percent=0.10,
        some_avg60_percent=2.00,
        some_avg300_percent=3.85,
        some_total=15e-6,
        full_avg10_percent=0.20,
        full_avg60_percent=3.00,
        full_avg300_percent=4.95,
        full_total=25e-6,
    )
    assert pressure.cpu == PressureStall(
        some_avg10_percent=0.10, some_avg60_percent=2.00, some_avg300_percent=3.85, some_total=15e-6
    )
    assert pressure.irq is None  # no /proc/pressure/irq in this tree
    assert pressure.level == "normal"  # full avg10 0.20 < 1, some avg10 0.10 < 10


# --------------------------------------------------------------------------- hand-built trees


def _proc(tmp_path: Path, meminfo: str) -> Path:
    proc = tmp_path / "proc"
    proc.mkdir()
    shutil.copy(HANDMADE / "cpu_memory" / meminfo, proc / "meminfo")
    return proc


def test_modern_meminfo_without_psi_uses_fallback_level(tmp_path: Path) -> None:
    proc = _proc(tmp_path, "meminfo_modern")
    mem = LinuxBackend(procfs=str(proc), sysfs=str(tmp_path / "sys")).memory()
    assert mem.total == 16384000 * KIB
    assert mem.available == 8192000 * KIB  # MemAvailable
    assert mem.used == 8192000 * KIB
    assert mem.cached == (4096000 + 256000) * KIB
    assert mem.swap == Swap(
        total=2097148 * KIB,
        used=1048574 * KIB,
        free=1048574 * KIB,
        swapped_in=None,
        swapped_out=None,
    )
    assert mem.pressure.memory is None and mem.pressure.cpu is None
    assert mem.pressure.level == "normal"  # 50 % available


def test_huge_meminfo(tmp_path: Path) -> None:
    proc = _proc(tmp_path, "meminfo_huge")
    mem = LinuxBackend(procfs=str(proc), sysfs=str(tmp_path)).memory()
    assert mem.total == 18014398509481983 * KIB
    assert mem.buffers is None and mem.cached is None and mem.shared is None
    # Fallback with only MemFree known: equal to total, so nothing used.
    assert mem.available == mem.total and mem.used == 0


@pytest.mark.parametrize(
    ("meminfo", "error"),
    [
        ("meminfo_truncated", ParseError),
        ("meminfo_bad_unit", ParseError),
        ("empty", ParseError),
    ],
)
def test_malformed_meminfo(tmp_path: Path, meminfo: str, error: type[Exception]) -> None:
    proc = _proc(tmp_path, meminfo)
    with pytest.raises(error) as info:
        LinuxBackend(procfs=str(proc), sysfs=str(tmp_path)).memory()
    assert isinstance(info.value, ParseError) and info.value.source == str(proc / "meminfo")


def test_meminfo_without_swap_lines_is_a_parse_error(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "meminfo").write_text("MemTotal: 100 kB\nMemFree: 50 kB\n")
    with pytest.raises(ParseError, match="SwapTotal"):
        LinuxBackend(procfs=str(proc), sysfs=str(tmp_path)).memory()


def test_missing_meminfo_is_not_supported(tmp_path: Path) -> None:
    with pytest.raises(NotSupported):
        LinuxBackend(procfs=str(tmp_path), sysfs=str(tmp_path)).memory()


def test_malformed_psi_is_none(tmp_path: Path) -> None:
    """The bad-attribute rule: one malformed pressure file is None; memory() goes on."""
    proc = _proc(tmp_path, "meminfo_modern")
    (proc / "pressure").mkdir()
    shutil.copy(HANDMADE / "cpu_memory" / "pressure_bad_avg", proc / "pressure" / "io")
    memory = LinuxBackend(procfs=str(proc), sysfs=str(tmp_path)).memory()
    assert memory.total > 0


def test_psi_disabled_gives_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ne_tree: Tree
) -> None:
    """With ``psi=0`` the kernel answers EOPNOTSUPP on open: every PSI field is None and the level
    comes from the available-memory fallback."""
    real = fs.read_file

    def refuse_psi(path: str) -> bytes:
        if os.sep + "pressure" + os.sep in path:
            raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP), path)
        return real(path)

    monkeypatch.setattr(fs, "read_file", refuse_psi)
    pressure = _memory(ne_tree).pressure
    assert (pressure.memory, pressure.cpu, pressure.io, pressure.irq) == (None, None, None, None)
    # available 644435968 / total 3831959552 = 16.8 % -> normal (warning starts below 15 %)
    assert pressure.level == "normal"


# ------------------------------------------------------------------------------ the level rule


def _psi(some: float | None, full: float | None) -> PressureStall:
    return PressureStall(some_avg10_percent=some, full_avg10_percent=full)


@pytest.mark.parametrize(
    ("some", "full", "level"),
    [
        (0.0, 0.0, "normal"),
        (9.99, 0.99, "normal"),
        (10.0, 0.0, "warning"),
        (0.0, 1.0, "warning"),
        (39.99, 9.99, "warning"),
        (40.0, 0.0, "critical"),
        (0.0, 10.0, "critical"),
        (None, 12.0, "critical"),  # a file with only a full line
        (45.0, None, "critical"),  # cpu-style file with only some
    ],
)
def test_level_from_psi(some: float | None, full: float | None, level: str) -> None:
    # PSI wins over the available-memory fallback, which here would say critical.
    assert pressure_level(_psi(some, full), available=1, total=100) == level


@pytest.mark.parametrize(
    ("available", "level"),
    [
        (0, "critical"),
        (4, "critical"),
        (5, "warning"),
        (14, "warning"),
        (15, "normal"),
        (100, "normal"),
    ],
)
def test_level_fallback_from_available(available: int, level: str) -> None:
    assert pressure_level(None, available=available, total=100) == level
    assert pressure_level(PressureStall(), available=available, total=100) == level


def test_level_unknown_without_total() -> None:
    assert pressure_level(None, available=0, total=0) is None


def test_available_estimate() -> None:
    assert available_estimate({"MemAvailable": 7, "MemFree": 1}) == 7
    info = {
        "MemTotal": 100,
        "MemFree": 10,
        "Buffers": 5,
        "Cached": 50,
        "SReclaimable": 5,
        "Shmem": 20,
    }
    assert available_estimate(info) == 50
    assert available_estimate({"MemTotal": 100, "MemFree": 1, "Shmem": 50}) == 0  # clamped at 0
    assert available_estimate({"MemTotal": 10, "MemFree": 5, "Cached": 50}) == 10  # at total


# ---------------------------------------------------------------------------------- live


def _free_b() -> tuple[int, int]:
    """Total memory and swap from ``free -b``. On the loaded shared VM ``free`` now and then
    printed nothing (exit 0, 2-3 runs in 100 while other sessions installed packages), so an empty
    answer is asked again, up to three times; anything else unexpected fails with the output."""
    for _ in range(3):
        done = subprocess.run(
            ["/usr/bin/free", "-b"], capture_output=True, text=True, check=True, timeout=30
        )
        rows = {line.split()[0]: line.split() for line in done.stdout.splitlines() if line.strip()}
        if rows:
            break
    assert "Mem:" in rows and "Swap:" in rows, f"free -b said {done.stdout!r} {done.stderr!r}"
    return int(rows["Mem:"][1]), int(rows["Swap:"][1])


@pytest.mark.live
def test_live_totals_match_psutil_and_free() -> None:
    mem = LinuxBackend().memory()
    assert mem.total == psutil.virtual_memory().total
    assert mem.swap.total == psutil.swap_memory().total
    if os.path.exists("/usr/bin/free"):
        assert (mem.total, mem.swap.total) == _free_b()


@pytest.mark.live
def test_live_available_near_psutil() -> None:
    """Available and free move while we read; tolerance: 1 % of total or 64 MiB, the larger."""
    theirs = psutil.virtual_memory()
    mem = LinuxBackend().memory()
    tolerance = max(mem.total // 100, 64 * 2**20)
    assert abs(mem.available - theirs.available) <= tolerance
    assert abs(mem.free - theirs.free) <= tolerance
    assert abs(mem.used - theirs.used) <= tolerance
    assert mem.shared == pytest.approx(theirs.shared, abs=tolerance)
    assert mem.pressure.level in ("normal", "warning", "critical")


@pytest.mark.live
def test_live_psi_counters_only_grow() -> None:
    if not os.path.exists("/proc/pressure/memory"):
        pytest.skip("kernel without PSI")
    first = LinuxBackend().memory().pressure
    second = LinuxBackend().memory().pressure
    for a, b in ((first.cpu, second.cpu), (first.io, second.io), (first.memory, second.memory)):
        assert a is not None and b is not None
        assert a.some_total is not None and b.some_total is not None
        assert a.some_total <= b.some_total
