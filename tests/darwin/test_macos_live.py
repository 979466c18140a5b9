"""Validation on a real Mac (skipped elsewhere): darwin-metrics against the system's own tools.

Run on a Mac with ``make test`` or just::

    python -m pytest -m darwin tests/darwin/test_macos_live.py -v

Tolerances are stated per check. Counters are bracketed (tool before <= ours <= tool after) so
traffic during the test cannot fail it; gauges get a margin for what can change in a second.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
from typing import Any

import pytest

import darwin_metrics as dm
from darwin_metrics.darwin.decode import cpu as cpu_decode

pytestmark = [pytest.mark.darwin, pytest.mark.live]

MIB = 1 << 20


def run(*argv: str) -> str:
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} not found")
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout


def sysctl(name: str) -> str:
    return run("sysctl", "-n", name).strip()


def ioreg_plist(*args: str) -> list[dict[str, Any]]:
    out = subprocess.run(["ioreg", "-a", *args], capture_output=True, check=True, timeout=60).stdout
    if not out.strip():
        return []
    data = plistlib.loads(out)
    return data if isinstance(data, list) else [data]


# --- CPU -------------------------------------------------------------------------------------


def test_cpu_identity_matches_sysctl() -> None:
    cpu = dm.cpu()
    assert cpu.model == sysctl("machdep.cpu.brand_string")
    assert cpu.logical_count == int(sysctl("hw.logicalcpu"))
    assert cpu.physical_count == int(sysctl("hw.physicalcpu"))
    assert len(cpu.cores) == int(sysctl("hw.ncpu"))
    machine = run("uname", "-m").strip()
    translated = subprocess.run(
        ["sysctl", "-n", "sysctl.proc_translated"], capture_output=True, text=True
    )
    expect = "arm64" if translated.stdout.strip() == "1" else machine
    assert cpu.architecture == expect


def test_cpu_clusters_match_sysctl_and_ioreg() -> None:
    cpu = dm.cpu()
    levels = subprocess.run(["sysctl", "-n", "hw.nperflevels"], capture_output=True, text=True)
    if levels.returncode == 0 and levels.stdout.strip():
        names = [sysctl(f"hw.perflevel{i}.name") for i in range(int(levels.stdout))]
        assert [c.name for c in cpu.clusters] == names
        for i, cluster in enumerate(cpu.clusters):
            assert cluster.logical_count == int(sysctl(f"hw.perflevel{i}.logicalcpu"))
    pmgr = ioreg_plist("-r", "-n", "pmgr", "-d", "1")
    if pmgr:
        # ioreg's own serialisation of the same property decodes to the same frequencies.
        tops = {max(t) for t in cpu_decode.cpu_tables(pmgr[0])}
        for cluster in cpu.clusters:
            assert cluster.max_hertz is None or cluster.max_hertz in tops


def test_cpu_times_match_psutil() -> None:
    import psutil

    ours = dm.cpu()
    theirs = psutil.cpu_times(percpu=True)
    assert len(theirs) == len(ours.cores)
    for core, ref in zip(ours.cores, theirs, strict=True):
        # Same counters read a moment apart: within 1 s of accumulated time per core.
        assert abs(core.times.user - ref.user) < 1.0
        assert abs(core.times.idle - ref.idle) < 1.0


# --- Memory ----------------------------------------------------------------------------------


def _vm_stat() -> tuple[int, dict[str, int]]:
    text = run("vm_stat")
    page = int(re.search(r"page size of (\d+) bytes", text).group(1))  # type: ignore[union-attr]
    pages = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(.+?):\s+(\d+)\.$", text, re.M)}
    return page, pages


def test_memory_matches_vm_stat_and_sysctl() -> None:
    mem = dm.memory()
    page, pages = _vm_stat()
    assert mem.total == int(sysctl("hw.memsize"))
    # Gauges read a moment apart: within 256 MiB (or 5 %) of vm_stat.
    margin = max(256 * MIB, mem.total // 20)
    assert abs(mem.wired - pages["Pages wired down"] * page) < margin  # type: ignore[operator]
    assert abs(mem.compressed - pages["Pages occupied by compressor"] * page) < margin  # type: ignore[operator]
    assert abs(mem.purgeable - pages["Pages purgeable"] * page) < margin  # type: ignore[operator]
    level = {"1": "normal", "2": "warning", "4": "critical"}[
        sysctl("kern.memorystatus_vm_pressure_level")
    ]
    assert mem.pressure.level == level
    swap = run("sysctl", "-n", "vm.swapusage")
    total_mb = float(re.search(r"total = ([\d.]+)M", swap).group(1))  # type: ignore[union-attr]
    assert abs(mem.swap.total / MIB - total_mb) < 1.0


# --- Disks and volumes -----------------------------------------------------------------------


def test_disks_match_iostat() -> None:
    before = run("iostat", "-Id")
    disks = {d.name: d for d in dm.disks()}
    after = run("iostat", "-Id")
    assert disks, "no physical disk found"
    # iostat -Id: a line of disk names, a "KB/t xfrs MB" header, then cumulative values.
    names = before.split("\n")[0].split()
    lo = before.strip().split("\n")[-1].split()
    hi = after.strip().split("\n")[-1].split()
    for i, name in enumerate(names):
        if name not in disks:
            continue
        d = disks[name]
        # MB column rounds to 0.01 MB; transfers are exact counts: bracketed by the two runs.
        total_mb = (d.read_bytes + d.write_bytes) / MIB
        assert float(lo[3 * i + 2]) - 0.01 <= total_mb <= float(hi[3 * i + 2]) + 0.01
        assert int(lo[3 * i + 1]) <= d.reads + d.writes <= int(hi[3 * i + 1])


def test_volumes_match_df() -> None:
    vols = {v.mount_point: v for v in dm.volumes(all=True)}
    for line in run("df", "-k").splitlines()[1:]:
        fields = line.split()
        mount = " ".join(fields[8:]) if len(fields) > 8 else fields[-1]
        if mount not in vols or not vols[mount].total:
            continue
        v = vols[mount]
        assert v.total is not None
        # df -k: 1024-byte blocks; Size and Avail within 1 % (space changes while we read).
        assert abs(v.total - int(fields[1]) * 1024) <= v.total // 100 + MIB
        assert v.available is not None
        assert abs(v.available - int(fields[3]) * 1024) <= v.total // 100 + 64 * MIB
    assert "/" in {v.mount_point for v in dm.volumes()}
    assert not any(v.mount_point.startswith("/System/Volumes/") for v in dm.volumes())


# --- Network ---------------------------------------------------------------------------------


def _netstat_bytes() -> dict[str, tuple[int, int]]:
    rows: dict[str, tuple[int, int]] = {}
    lines = run("netstat", "-ib").splitlines()
    header = lines[0].split()
    ib, ob = header.index("Ibytes"), header.index("Obytes")
    for line in lines[1:]:
        fields = line.split()
        if len(fields) == len(header) and fields[2].startswith("<Link#"):
            rows[fields[0].rstrip("*")] = (int(fields[ib]), int(fields[ob]))
    return rows


def test_interface_counters_bracketed_by_netstat() -> None:
    before = _netstat_bytes()
    ours = {i.name: i for i in dm.interfaces()}
    after = _netstat_bytes()
    checked = 0
    for name, (ib0, ob0) in before.items():
        if name not in ours or name not in after or ours[name].counters is None:
            continue
        c = ours[name].counters
        assert c is not None
        assert ib0 <= c.rx_bytes <= after[name][0], name
        assert ob0 <= c.tx_bytes <= after[name][1], name
        checked += 1
    assert checked > 0
    assert ours["lo0"].kind == "loopback"


def test_listening_tcp_ports_match_netstat() -> None:
    text = run("netstat", "-an", "-p", "tcp")
    listed = {int(m.group(1)) for m in re.finditer(r"[.:](\d+)\s+\S+\s+LISTEN", text)}
    ours = {c.local_port for c in dm.connections("tcp") if c.state == "LISTEN"}
    # Listening sockets rarely change within a second: all but a couple must agree.
    assert len(listed ^ ours) <= 2


# --- Batteries -------------------------------------------------------------------------------


def test_battery_matches_pmset_and_ioreg() -> None:
    text = run("pmset", "-g", "batt")
    match = re.search(r"(\d+)%;\s*([a-zA-Z ]+);", text)
    batteries = dm.batteries()
    if match is None:
        assert batteries == ()
        return
    (bat,) = batteries
    assert bat.charge_percent is not None and abs(bat.charge_percent - int(match.group(1))) <= 1
    state = match.group(2).strip()
    expected = {"charging": "charging", "discharging": "discharging", "charged": "full"}.get(state)
    if expected is not None and state != "AC attached":
        assert bat.status == expected
    (node,) = ioreg_plist("-r", "-c", "AppleSmartBattery")
    assert bat.cycle_count == node["CycleCount"]
    assert bat.charge_full_design_coulombs == pytest.approx(node["DesignCapacity"] * 3.6)
    assert bat.volts is not None and abs(bat.volts * 1000 - node["Voltage"]) < 100  # mV
    assert bat.celsius is not None and abs(bat.celsius - node["Temperature"] / 100) < 2


# --- Processes -------------------------------------------------------------------------------


def test_own_process_matches_psutil() -> None:
    import psutil

    me = dm.process(os.getpid())
    ref = psutil.Process()
    times = ref.cpu_times()
    assert abs(me.cpu_times.user - times.user) < 0.5
    assert abs(me.memory.rss - ref.memory_info().rss) < 64 * MIB
    assert me.translated == (sysctl("sysctl.proc_translated") == "1")
    assert me.memory.footprint is not None and me.memory.footprint > 0
    assert len(dm.threads(os.getpid())) == ref.num_threads()
    assert os.getpid() in {p.pid for p in dm.processes()}
