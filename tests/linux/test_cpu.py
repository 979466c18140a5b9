"""cpu() on Linux: the captured trees, hand-built trees for the cases they lack, and this machine.

The captured trees were stitched from several machines, so they disagree with themselves in places
(node_exporter's ``/proc/stat`` lists 8 CPUs while its sysfs says ``online`` is ``0-3``); the tests
pin down what darwin-metrics reports for each source.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from darwin_metrics.errors import NotSupported, ParseError
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.records.cpu import CPU, CoreFrequency, CPUTimes, LoadAverage
from tests.conftest import Tree

needs_user_hz_100 = pytest.mark.skipif(
    os.sysconf("SC_CLK_TCK") != 100,
    reason="the captured /proc/stat files were written at USER_HZ=100",
)


def _cpu(tree: Tree) -> CPU:
    return LinuxBackend(procfs=tree.roots.procfs, sysfs=tree.roots.sysfs).cpu()


# --------------------------------------------------------------------------- node_exporter tree


@needs_user_hz_100
def test_node_exporter_identity_counts_and_counters(ne_tree: Tree) -> None:
    cpu = _cpu(ne_tree)
    assert cpu.model == "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"
    assert cpu.vendor == "GenuineIntel"
    assert cpu.architecture == platform.machine()  # the tree has no /proc/sys/kernel/arch
    assert cpu.logical_count == 4  # sys/devices/system/cpu/online = 0-3
    # topology: cpu0 (0,0) cpu1 (0,1) cpu2 (1,0) cpu3 (1,1) -> 4 cores in 2 packages
    assert cpu.physical_count == 4
    assert cpu.package_count == 2
    assert cpu.times == CPUTimes(
        user=3018.54,
        nice=6.12,
        system=1119.22,
        idle=89790.04,
        iowait=35.52,
        irq=0.02,
        softirq=39.44,
        steal=0.0,
        guest=0.44,
        guest_nice=0.36,
    )
    assert cpu.load == LoadAverage(one=0.21, five=0.37, fifteen=0.39)
    assert cpu.context_switches == 38014093
    assert cpu.interrupts == 8885917
    assert cpu.soft_interrupts == 5057579
    assert cpu.forks == 26442
    assert (cpu.procs_running, cpu.procs_blocked) == (2, 0)
    assert cpu.boot_time == 1418183276.0
    assert cpu.effective_cpus is None


@needs_user_hz_100
def test_node_exporter_cores(ne_tree: Tree) -> None:
    cores = _cpu(ne_tree).cores
    assert [c.index for c in cores] == list(range(8))  # /proc/stat has cpu0..cpu7
    c0, c2, c5 = cores[0], cores[2], cores[5]
    # cpu0 44490 19 21045 1087069 220 1 3410 0 2 1
    assert c0.times == CPUTimes(
        user=444.9,
        nice=0.19,
        system=210.45,
        idle=10870.69,
        iowait=2.2,
        irq=0.01,
        softirq=34.1,
        steal=0.0,
        guest=0.02,
        guest_nice=0.01,
    )
    assert c0.frequency == CoreFrequency(
        hertz=1_699_981_000.0,  # scaling_cur_freq 1699981 kHz
        min_hertz=None,  # no cpuinfo_min_freq in this tree
        max_hertz=None,
        scaling_min_hertz=800_000_000.0,
        scaling_max_hertz=3_700_000_000.0,
        governor="powersave",
        driver="intel_pstate",
    )
    assert (c0.package, c0.core_id, c0.online, c0.cluster) == (0, 0, True, None)
    assert c2.frequency.hertz == 8_000_000.0  # scaling_cur_freq 8000
    assert c2.frequency.scaling_min_hertz == 1_000_000.0  # scaling_min_freq 1000
    assert c2.frequency.scaling_max_hertz == 4_200_000_000.0
    assert (c2.package, c2.core_id) == (1, 0)
    # cpu5 has no sysfs directory: current clock from /proc/cpuinfo "cpu MHz : 800.083".
    assert c5.frequency == CoreFrequency(hertz=800_083_000.0)
    assert (c5.package, c5.core_id) == (None, None)
    assert c5.online is False  # not in online = 0-3


# ---------------------------------------------------------------------------------- procfs tree


@needs_user_hz_100
def test_procfs_tree(pf_tree: Tree) -> None:
    cpu = _cpu(pf_tree)
    assert cpu.model == "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"
    # No "online" file: the eight cpuN lines of /proc/stat.
    assert cpu.logical_count == 8
    # Topology only for cpu0 (package 0, core 0) and cpu1 (package 0, core 1).
    assert (cpu.physical_count, cpu.package_count) == (2, 1)
    assert cpu.load == LoadAverage(one=0.02, five=0.04, fifteen=0.05)
    assert cpu.interrupts == 73777505
    assert cpu.procs_blocked == 1
    assert cpu.times.guest == 0.0
    c0, c1, c2, c3 = cpu.cores[:4]
    # cpu0/cpufreq -> ../cpufreq/policy0
    assert c0.frequency == CoreFrequency(
        hertz=1_219_917_000.0,
        min_hertz=800_000_000.0,
        max_hertz=2_400_000_000.0,
        scaling_min_hertz=800_000_000.0,
        scaling_max_hertz=2_400_000_000.0,
        governor="powersave",
        driver="intel_pstate",
    )
    # cpu1/cpufreq has no scaling_cur_freq; cpuinfo_cur_freq (1200195, mode 0400) is read by root,
    # others fall back to /proc/cpuinfo "cpu MHz : 800.037".
    expected_current = 1_200_195_000.0 if os.geteuid() == 0 else 800_037_000.0
    assert c1.frequency == CoreFrequency(
        hertz=expected_current,
        min_hertz=1_200_000_000.0,
        max_hertz=3_300_000_000.0,
        scaling_min_hertz=1_200_000_000.0,
        scaling_max_hertz=3_300_000_000.0,
        governor="powersave",
        driver="intel_pstate",
    )
    assert c2.frequency == CoreFrequency(hertz=800_010_000.0)
    assert c0.online is True  # cpu0/online = 1
    assert c2.online is False  # offline = 2
    assert c3.online is True


# ------------------------------------------------------------------------- hand-built trees


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _stat(cpus: list[int]) -> str:
    lines = ["cpu  400 0 200 4000 0 0 0 0 0 0"]
    lines += [f"cpu{n} 100 0 50 1000 0 0 0 0 0 0" for n in cpus]
    return "\n".join([*lines, "intr 1", "ctxt 2", "btime 3", "processes 4", ""])


def _tree(tmp_path: Path, cpus: list[int]) -> tuple[Path, Path]:
    proc, sys = tmp_path / "proc", tmp_path / "sys"
    _write(proc / "stat", _stat(cpus))
    return proc, sys


def test_hybrid_clusters_and_policy_mapping(tmp_path: Path) -> None:
    """An Alder Lake-style part: P-cores 0-3 (SMT pairs), E-cores 4-7; cpufreq only as policies."""
    proc, sys = _tree(tmp_path, list(range(8)))
    _write(proc / "sys" / "kernel" / "arch", "x86_64\n")
    base = sys / "devices" / "system" / "cpu"
    _write(base / "online", "0-7\n")
    _write(sys / "devices" / "cpu_core" / "cpus", "0-3\n")
    _write(sys / "devices" / "cpu_atom" / "cpus", "4-7\n")
    for n in range(8):
        core = n // 2 if n < 4 else n - 2  # P-cores 0,0,1,1; E-cores 2..5
        _write(base / f"cpu{n}" / "topology" / "core_id", f"{core}\n")
        _write(base / f"cpu{n}" / "topology" / "physical_package_id", "0\n")
        _write(base / f"cpu{n}" / "topology" / "die_id", "0\n")
    p_policy = base / "cpufreq" / "policy0"
    _write(p_policy / "affected_cpus", "0 1 2 3\n")
    _write(p_policy / "scaling_cur_freq", "4700000\n")
    _write(p_policy / "cpuinfo_max_freq", "4900000\n")
    e_policy = base / "cpufreq" / "policy4"
    _write(e_policy / "affected_cpus", "4 5 6 7\n")
    _write(e_policy / "scaling_cur_freq", "<unknown>\n")
    _write(e_policy / "cpuinfo_cur_freq", "3600000\n")
    cpu = LinuxBackend(procfs=str(proc), sysfs=str(sys)).cpu()
    assert cpu.architecture == "x86_64"
    assert (cpu.logical_count, cpu.physical_count, cpu.package_count) == (8, 6, 1)
    assert [c.cluster for c in cpu.cores] == ["core"] * 4 + ["atom"] * 4
    assert cpu.cores[3].frequency.hertz == 4_700_000_000.0
    assert cpu.cores[3].frequency.max_hertz == 4_900_000_000.0
    assert cpu.cores[6].frequency.hertz == 3_600_000_000.0
    assert cpu.model is None and cpu.load is None and cpu.boot_time == 3.0


def test_offline_gap_and_cpuinfo_topology_fallback(tmp_path: Path) -> None:
    """CPU 1 offline (no /proc/stat line); no sysfs topology, so /proc/cpuinfo gives the cores."""
    proc, sys = _tree(tmp_path, [0, 2, 3])
    base = sys / "devices" / "system" / "cpu"
    _write(base / "online", "0,2-3\n")
    _write(base / "offline", "1\n")
    blocks = [
        f"processor\t: {n}\nvendor_id\t: AuthenticAMD\nmodel name\t: Test CPU\n"
        f"physical id\t: {n // 2}\ncore id\t: {n % 2}\ncpu cores\t: 2\ncpu MHz\t\t: 3000.5\n"
        for n in (0, 2, 3)
    ]
    _write(proc / "cpuinfo", "\n".join(blocks))
    cpu = LinuxBackend(procfs=str(proc), sysfs=str(sys)).cpu()
    assert [c.index for c in cpu.cores] == [0, 2, 3]
    assert cpu.logical_count == 3
    assert (cpu.physical_count, cpu.package_count) == (3, 2)  # (0,0) (1,0) (1,1)
    assert [(c.package, c.core_id) for c in cpu.cores] == [(0, 0), (1, 0), (1, 1)]
    assert cpu.cores[1].frequency == CoreFrequency(hertz=3_000_500_000.0)
    assert cpu.vendor == "AuthenticAMD"


def test_cpu_cores_fallback_without_core_id(tmp_path: Path) -> None:
    proc, sys = _tree(tmp_path, [0, 1, 2, 3])
    blocks = [f"processor\t: {n}\nphysical id\t: 0\ncpu cores\t: 2\n" for n in range(4)]
    _write(proc / "cpuinfo", "\n".join(blocks))
    cpu = LinuxBackend(procfs=str(proc), sysfs=str(sys)).cpu()
    assert (cpu.physical_count, cpu.package_count) == (2, 1)


def test_unknown_topology_is_none(tmp_path: Path) -> None:
    proc, sys = _tree(tmp_path, [0, 1])
    cpu = LinuxBackend(procfs=str(proc), sysfs=str(sys)).cpu()
    assert (cpu.logical_count, cpu.physical_count, cpu.package_count) == (2, None, None)
    assert cpu.cores[0].frequency == CoreFrequency()


def test_missing_stat_is_not_supported(tmp_path: Path) -> None:
    with pytest.raises(NotSupported):
        LinuxBackend(procfs=str(tmp_path), sysfs=str(tmp_path)).cpu()


def test_malformed_stat_raises_parse_error_naming_it(tmp_path: Path) -> None:
    proc, sys = _tree(tmp_path, [0])
    _write(tmp_path / "proc/stat", "cpu 1 2\n")
    with pytest.raises(ParseError) as info:
        LinuxBackend(procfs=str(proc), sysfs=str(sys)).cpu()
    assert info.value.source.endswith("proc/stat")


@pytest.mark.parametrize(
    ("relative", "content", "field"),
    [
        ("proc/loadavg", "x y z\n", lambda c: c.load),
        ("sys/devices/system/cpu/online", "3-1\n", lambda c: c.cores[0].online),
        (
            "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
            "fast\n",
            lambda c: c.cores[0].frequency.hertz,
        ),
        ("sys/devices/system/cpu/cpu0/topology/core_id", "zero\n", lambda c: c.cores[0].core_id),
        ("sys/devices/system/cpu/cpu0/online", "yes\n", lambda c: c.cores[0].online),
    ],
)
def test_malformed_attribute_is_none(
    tmp_path: Path, relative: str, content: str, field: Any
) -> None:
    """The bad-attribute rule: the attribute is None (logged); the core and cpu() go on."""
    proc, sys = _tree(tmp_path, [0])
    _write(tmp_path / relative, content)
    cpu = LinuxBackend(procfs=str(proc), sysfs=str(sys)).cpu()
    assert len(cpu.cores) == 1
    if not relative.endswith("online"):  # online falls back to the offline list, a bool
        assert field(cpu) is None


# ---------------------------------------------------------------------------------- live


@pytest.mark.live
def test_live_counts_match_psutil() -> None:
    cpu = LinuxBackend().cpu()
    assert cpu.logical_count == psutil.cpu_count(logical=True) == os.cpu_count()
    assert cpu.physical_count == psutil.cpu_count(logical=False)
    assert cpu.architecture == platform.machine()
    assert all(c.online for c in cpu.cores)
    assert len(cpu.cores) == cpu.logical_count


@pytest.mark.live
def test_live_times_match_psutil() -> None:
    """Total and per-core times agree with psutil read just before and after.

    Tolerance: each field may move by at most the CPU time available between the two psutil reads
    (elapsed wall time * CPU count) plus 0.05 s of rounding/accounting slack.
    """
    start = time.monotonic()
    before = psutil.cpu_times()
    before_per = psutil.cpu_times(percpu=True)
    cpu = LinuxBackend().cpu()
    after = psutil.cpu_times()
    tolerance = (time.monotonic() - start) * (os.cpu_count() or 1) + 0.05
    for name in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"):
        ours = getattr(cpu.times, name)
        low, high = getattr(before, name), getattr(after, name)
        assert min(low, high) - tolerance <= ours <= max(low, high) + tolerance, name
    assert len(before_per) == len(cpu.cores)
    for theirs, core in zip(before_per, cpu.cores, strict=True):
        assert abs(core.times.user - theirs.user) <= tolerance
        assert abs(core.times.system - theirs.system) <= tolerance


@pytest.mark.live
def test_live_counters_load_and_boot_time() -> None:
    """Counters lie between two psutil reads; load within 0.5 of os.getloadavg (it is recomputed
    every 5 s); boot time within 1 s of psutil's."""
    before = psutil.cpu_stats()
    load_before = os.getloadavg()
    cpu = LinuxBackend().cpu()
    load_after = os.getloadavg()
    after = psutil.cpu_stats()
    assert cpu.context_switches is not None and cpu.interrupts is not None
    assert before.ctx_switches <= cpu.context_switches <= after.ctx_switches
    assert before.interrupts <= cpu.interrupts <= after.interrupts
    assert cpu.soft_interrupts is not None
    assert before.soft_interrupts <= cpu.soft_interrupts <= after.soft_interrupts
    assert cpu.load is not None
    for ours, a, b in zip(
        (cpu.load.one, cpu.load.five, cpu.load.fifteen), load_before, load_after, strict=True
    ):
        assert min(a, b) - 0.5 <= ours <= max(a, b) + 0.5
    assert cpu.boot_time is not None
    assert abs(cpu.boot_time - psutil.boot_time()) <= 1.0


@pytest.mark.live
def test_live_frequency_matches_psutil() -> None:
    """Current clock within 5 % of psutil's (both sample a moving value); psutil reports MHz."""
    theirs = psutil.cpu_freq(percpu=True)
    cpu = LinuxBackend().cpu()
    if not theirs or any(c.frequency.hertz is None for c in cpu.cores):
        pytest.skip("this machine reports no CPU clock")
    assert len(theirs) == len(cpu.cores)
    for freq, core in zip(theirs, cpu.cores, strict=True):
        assert core.frequency.hertz is not None
        assert core.frequency.hertz == pytest.approx(freq.current * 1e6, rel=0.05)


def test_layout_is_cached_until_the_online_set_changes(tmp_path: Path) -> None:
    proc, sys = _tree(tmp_path, [0, 1])
    online = sys / "devices" / "system" / "cpu" / "online"
    _write(online, "0-1\n")
    _write(proc / "cpuinfo", "processor\t: 0\nmodel name\t: First\n")
    backend = LinuxBackend(procfs=str(proc), sysfs=str(sys))
    assert backend.cpu().model == "First"
    _write(proc / "cpuinfo", "processor\t: 0\nmodel name\t: Second\n")
    assert backend.cpu().model == "First"  # identity and topology are read once
    _write(online, "0\n")  # CPU 1 goes offline: the layout is read again
    _write(proc / "stat", _stat([0]))
    cpu = backend.cpu()
    assert (cpu.model, cpu.logical_count, len(cpu.cores)) == ("Second", 1, 1)
