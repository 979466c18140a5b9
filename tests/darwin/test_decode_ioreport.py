"""IOReport decoders: energy-to-watts and residency-to-frequency maths on constructed samples
(expected values worked out by hand here), channel classification on the captured M1 Ultra and
M5 Max ``Energy Model`` channel lists, and the powermetrics plists as an oracle: their cluster
frequencies and cpu/gpu power follow from their own residencies and energies by the same maths."""

from __future__ import annotations

import plistlib
from pathlib import Path
from typing import Any

import pytest

from darwin_metrics.darwin.decode import ioreport
from darwin_metrics.darwin.decode.ioreport import EnergyChannel
from darwin_metrics.errors import ParseError

ULTRA = "allsmi_ioreport_energy_model_channels_M1Ultra_Mac13-2.tsv"
M5MAX = "allsmi_ioreport_energy_model_channels_M5Max_Mac17-7.tsv"
M1_PLIST = "pumas_powermetrics_plist_MacBookPro17-1_M1_macOS13.3.xml"
ULTRA_PLIST = "pumas_powermetrics_plist_M2Ultra.xml"


def channels(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            name, unit = line.split("\t")
            rows.append((name, unit))
    return rows


def plist(path: Path) -> dict[str, Any]:
    first = next(p for p in path.read_bytes().split(b"\0") if p.strip())
    data: dict[str, Any] = plistlib.loads(first)
    return data


def test_units() -> None:
    assert ioreport.unit_factor("mJ") == 1e-3
    assert ioreport.unit_factor(" nJ  ") == 1e-9  # labels come padded
    assert ioreport.unit_factor("uJ") == 1e-6
    with pytest.raises(ParseError):
        ioreport.unit_factor("mW")


def test_classification_m1_ultra(darwin_fixtures: Path) -> None:
    rows = channels(darwin_fixtures / ULTRA)
    assert len(rows) == 321
    rails = {name: ioreport.rail_of(name) for name, _ in rows}
    used = sorted({r for r in rails.values() if r})
    assert used == ["ane", "cpu-die0", "cpu-die1", "dram", "gpu"]
    # Exactly one channel per CPU rail (the die totals), none of the per-core or cluster ones.
    assert [n for n, r in rails.items() if r == "cpu-die0"] == ["DIE_0_CPU Energy"]
    assert [n for n, r in rails.items() if r == "gpu"] == ["GPU Energy"]
    assert [n for n, r in rails.items() if r == "ane"] == ["ANE0_0", "ANE0_1"]
    assert rails["DIE_0_PACC0_CPU3"] is None and rails["GPU SRAM0_0"] is None
    # Mixed units, each converted on its own: GPU Energy is nJ.
    sample = [EnergyChannel(n, u, 1000) for n, u in rows]
    by_name = {r.name: r for r in ioreport.energy_rails(sample)}
    assert by_name["gpu"].joules == pytest.approx(1e-6)
    assert by_name["cpu-die1"].joules == pytest.approx(1.0)
    assert by_name["ane"].joules == pytest.approx(2.0)  # two engines, summed
    assert by_name["cpu-die0"].domain == "cpu" and by_name["cpu-die0"].source == "ioreport"


def test_classification_m5_max(darwin_fixtures: Path) -> None:
    rows = channels(darwin_fixtures / M5MAX)
    assert len(rows) == 364
    rails = ioreport.energy_rails(EnergyChannel(n, u, 5) for n, u in rows)
    assert [r.name for r in rails] == ["cpu", "gpu", "ane", "dram"]
    # CPU Energy alone, not MCPU0/MCPU1/PCPU (its clusters) on top of it.
    assert rails[0].joules == pytest.approx(5e-3)


def test_energy_to_watts_by_hand() -> None:
    # 1500 mJ then 4500 mJ, 2 s apart: 3 J / 2 s = 1.5 W.
    before = ioreport.energy_rails([EnergyChannel("CPU Energy", "mJ", 1500)])[0].joules
    after = ioreport.energy_rails([EnergyChannel("CPU Energy", "mJ", 4500)])[0].joules
    assert before is not None and after is not None
    assert ioreport.watts(before, after, 2.0) == pytest.approx(1.5)
    assert ioreport.watts(after, before, 2.0) is None  # went backwards
    assert ioreport.watts(before, after, 0.0) is None
    skipped = ioreport.energy_rails(
        [EnergyChannel("GPU Energy", "W", 1), EnergyChannel("DRAM0", "mJ", -5)]
    )
    assert skipped == ()


def test_residency_by_hand() -> None:
    # IDLE 50, then 600 MHz for 30 and 1200 MHz for 20: active 50 %,
    # average (600e6*30 + 1200e6*20) / 50 = 840 MHz.
    states = [("IDLE", 50), ("V0P6", 30), ("V1P2", 20)]
    r = ioreport.residency(states, [600e6, 1200e6])
    assert r.hertz == pytest.approx(840e6)
    assert r.active_percent == pytest.approx(50.0)
    assert ioreport.residency(states, [600e6]).hertz is None  # table does not match
    idle = ioreport.residency([("IDLE", 10), ("V0", 0)], [600e6])
    assert (idle.hertz, idle.active_percent) == (None, 0.0)
    assert ioreport.residency([], []).active_percent is None


@pytest.mark.parametrize("name", [M1_PLIST, ULTRA_PLIST])
def test_powermetrics_oracle(darwin_fixtures: Path, name: str) -> None:
    data = plist(darwin_fixtures / name)
    elapsed = data["elapsed_ns"] / 1e9
    processor = data["processor"]
    # powermetrics' power is its energy (mJ) over its interval (mW).
    watts = ioreport.watts(0.0, processor["cpu_energy"] / 1e3, elapsed)
    assert watts is not None
    assert watts * 1e3 == pytest.approx(processor["cpu_power"], rel=0.02)
    for cluster in processor["clusters"]:
        table = [s["freq"] * 1e6 for s in cluster["dvfm_states"]]
        active = 1 - cluster["idle_ratio"]
        busy = [("state", round(s["used_ratio"] * active * 1e9)) for s in cluster["dvfm_states"]]
        states = [("IDLE", round(cluster["idle_ratio"] * 1e9)), *busy]
        r = ioreport.residency(states, table)
        if r.hertz is None:  # a cluster that never left idle
            continue
        assert r.hertz == pytest.approx(cluster["freq_hz"], rel=0.01)
        assert min(table) <= r.hertz <= max(table)
        # used_ratio is a share of active time in one plist and of the interval in the other, so
        # only the range of the active residency is checked against it.
        assert r.active_percent is not None and 0.0 < r.active_percent <= 100.0


def test_core_residencies_by_hand() -> None:
    from darwin_metrics.darwin.decode.ioreport import StateChannel

    # Cores 0-1 are E, 2-3 P. ECPU1 is core 1, PCPU0 core 2.
    clusters = {0: "E", 1: "E", 2: "P", 3: "P"}
    tables = {0: (600e6, 1200e6), 1: (600e6, 1200e6), 2: (600e6, 2000e6, 3000e6)}
    channels = [
        StateChannel("ECPU1", (("IDLE", 75), ("V0", 15), ("V1", 10))),
        StateChannel("PCPU0", (("DOWN", 0), ("IDLE", 50), ("V0", 0), ("V1", 25), ("V2", 25))),
        StateChannel("PCPU1", (("IDLE", 10), ("V0", 10))),  # core 3: no table
        StateChannel("ECPU9", (("IDLE", 1),)),  # no such core
        StateChannel("GPUPH", (("OFF", 1),)),
    ]
    found = ioreport.core_residencies(channels, clusters, tables)
    assert sorted(found) == [1, 2, 3]
    # (600*15 + 1200*10) / 25 = 840 MHz, active 25 %.
    assert found[1].hertz == pytest.approx(840e6) and found[1].active_percent == pytest.approx(25)
    # (2000*25 + 3000*25) / 50 = 2500 MHz, active 50 %.
    assert found[2].hertz == pytest.approx(2500e6) and found[2].active_percent == pytest.approx(50)
    assert (found[3].hertz, found[3].active_percent) == (None, 50.0)


def test_core_tables_from_the_m1_pmgr(darwin_fixtures: Path) -> None:
    from darwin_metrics.darwin.decode import cpu
    from tests.darwin import formats

    pmgr = formats.ioregviewer(
        darwin_fixtures
        / "darwindumped_MacBookPro17-1_M1_ioreg_pmgr_voltage_states.ioregviewer.json.txt"
    )
    topo = cpu.Topology(
        clusters=(),
        core_cluster={0: "E", 7: "P"},
        core_range={0: (600e6, 2064e6), 7: (600e6, 3204e6)},
    )
    tables = cpu.core_tables(topo, pmgr)
    assert len(tables[0]) == 5 and tables[0][-1] == 2064e6  # the M1 E cluster's five states
    assert len(tables[7]) == 15 and tables[7][-1] == 3204e6  # the P cluster's fifteen
    assert cpu.core_tables(topo, None) == {}
