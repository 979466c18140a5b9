"""CPU decoders on captured Mac data: sysctl dumps (M1, three Intel Macs), the M1 device-tree
``cpus``/``cpuN`` nodes and ``pmgr`` DVFS tables (DarwinDumped JSON and ThomasKaiser ``ioreg -l``).

Hand-made inputs (perflevel sysctls, kHz tables, ticks) are marked synthetic where they appear."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.darwin.decode import cpu
from darwin_metrics.errors import ParseError
from darwin_metrics.records.cpu import CPUCluster, CPUTimes
from tests.darwin import formats

M1_E = (600e6, 972e6, 1332e6, 1704e6, 2064e6)
M1_P = (
    600e6, 828e6, 1056e6, 1284e6, 1500e6, 1728e6, 1956e6, 2184e6, 2388e6, 2592e6, 2772e6,
    2988e6, 3096e6, 3144e6, 3204e6,
)  # fmt: skip


def _sysctl(darwin_fixtures: Path, *names: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        values.update(formats.sysctl_text(darwin_fixtures / name))
    return values


@pytest.fixture
def m1_values(darwin_fixtures: Path) -> dict[str, str]:
    return _sysctl(
        darwin_fixtures,
        "darwindumped_MacBookPro17-1_M1_macOS11_sysctl_hw.txt",
        "darwindumped_MacBookPro17-1_M1_macOS11_sysctl_cpu.txt",
    )


@pytest.fixture
def m1_registry(
    darwin_fixtures: Path,
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    d = darwin_fixtures
    cpus = formats.ioregviewer(
        d / "darwindumped_MacBookPro17-1_M1_ioreg_cpus_core_counts.ioregviewer.json.txt"
    )
    cpu0 = formats.ioregviewer(
        d / "darwindumped_MacBookPro17-1_M1_ioreg_cpu0_E_cluster.ioregviewer.json.txt"
    )
    cpu7 = formats.ioregviewer(
        d / "darwindumped_MacBookPro17-1_M1_ioreg_cpu7_P_cluster.ioregviewer.json.txt"
    )
    pmgr = formats.ioregviewer(
        d / "darwindumped_MacBookPro17-1_M1_ioreg_pmgr_voltage_states.ioregviewer.json.txt"
    )
    return cpus, [cpu0, cpu7], pmgr


def test_m1_identity(m1_values: dict[str, str]) -> None:
    # sysctl_cpu.txt: machdep.cpu.brand_string: Apple M1; sysctl_hw.txt: hw.cputype 16777228.
    assert cpu.architecture(m1_values) == "arm64"
    assert cpu.vendor(m1_values) == "Apple"
    # hw.perflevel* appeared in macOS 12; this is macOS 11.
    assert cpu.perf_levels(m1_values) == ()


def test_intel_identity(darwin_fixtures: Path) -> None:
    values = _sysctl(
        darwin_fixtures,
        "darwindumped_MacBookPro15-1_intel_macOS10.14_sysctl_hw.txt",
        "darwindumped_MacBookPro15-1_intel_macOS10.14_sysctl_cpu.txt",
    )
    # hw.cputype: 7 (CPU_TYPE_X86 without the ABI64 bit, as sysctl reports it).
    assert cpu.architecture(values) == "x86_64"
    assert cpu.vendor(values) == "GenuineIntel"
    topo = cpu.topology(values, None, [], None)
    assert topo.clusters == ()
    times = [CPUTimes(user=1.0, system=2.0, idle=3.0, nice=0.0)] * 12  # synthetic ticks
    record = cpu.build_cpu(values, times, topo)
    assert record.model == "Intel(R) Core(TM) i7-8850H CPU @ 2.60GHz"
    assert (record.logical_count, record.physical_count, record.package_count) == (12, 6, 1)
    assert record.nominal_hertz == 2_600_000_000.0
    # Intel Macs state only nominal limits: hw.cpufrequency_min/max, both 2600000000.
    assert record.cores[11].frequency.min_hertz == 2_600_000_000.0
    assert record.cores[11].frequency.max_hertz == 2_600_000_000.0
    assert record.cores[0].frequency.hertz is None
    assert record.cores[0].cluster is None
    assert record.times.user == pytest.approx(12.0)


def test_intel_macos11_and_older(darwin_fixtures: Path) -> None:
    air = _sysctl(
        darwin_fixtures,
        "darwindumped_MacBookAir9-1_intel_macOS11_sysctl_hw.txt",
        "darwindumped_MacBookAir9-1_intel_macOS11_sysctl_cpu.txt",
    )
    record = cpu.build_cpu(air, [], cpu.topology(air, None, [], None))
    assert record.model == "Intel(R) Core(TM) i7-1060NG7 CPU @ 1.20GHz"
    assert (record.logical_count, record.physical_count) == (8, 4)
    assert record.nominal_hertz == 1_200_000_000.0
    old = _sysctl(darwin_fixtures, "darwindumped_MacBookPro11-3_intel_macOS10.10_sysctl_hw.txt")
    record = cpu.build_cpu(old, [], cpu.topology(old, None, [], None))
    assert record.architecture == "x86_64"
    assert record.model is None  # no machdep.* in this dump
    assert record.nominal_hertz == 2_300_000_000.0


def test_m1_registry_nodes(m1_registry: Any) -> None:
    cpus, nodes, _ = m1_registry
    # cpus: e-core-count <04000000>, p-core-count <04000000>.
    assert cpu.core_counts(cpus) == {"E": 4, "P": 4}
    # cpu0: cluster-type <"E">, logical-cpu-id 0; cpu7: <"P">, 7.
    assert cpu.core_clusters(nodes) == {0: "E", 7: "P"}


def test_m1_pmgr_tables(m1_registry: Any) -> None:
    _, _, pmgr = m1_registry
    tables = cpu.voltage_tables(pmgr)
    assert sorted(tables) == [1, 5]
    assert tables[1] == M1_E
    assert tables[5] == M1_P
    # The GPU table voltage-states9 (no -sram) is not a CPU table; both -sram ones reach 2 GHz.
    assert cpu.cpu_tables(pmgr) == [M1_E, M1_P]


def test_m1_topology(m1_values: dict[str, str], m1_registry: Any) -> None:
    cpus, nodes, pmgr = m1_registry
    topo = cpu.topology(m1_values, cpus, nodes, pmgr)
    assert topo.clusters == (
        CPUCluster(
            name="Performance", type="P", logical_count=4, physical_count=4, cores=(7,),
            min_hertz=600e6, max_hertz=3204e6,
        ),
        CPUCluster(
            name="Efficiency", type="E", logical_count=4, physical_count=4, cores=(0,),
            min_hertz=600e6, max_hertz=2064e6,
        ),
    )  # fmt: skip
    assert topo.core_range == {0: (600e6, 2064e6), 7: (600e6, 3204e6)}
    times = [CPUTimes(user=1.0, system=0.5, idle=8.0, nice=0.0) for _ in range(8)]  # synthetic
    record = cpu.build_cpu(m1_values, times, topo, load=(1.5, 1.25, 1.0), boot_time=1612391267.0)
    assert record.model == "Apple M1"
    assert record.vendor == "Apple"
    assert (record.logical_count, record.physical_count, record.package_count) == (8, 8, 1)
    assert record.nominal_hertz is None
    assert record.cores[0].cluster == "E"
    assert record.cores[7].cluster == "P"
    assert record.cores[7].frequency.max_hertz == 3204e6
    assert record.cores[3].cluster is None  # its cpuN node is not in the capture
    assert record.load is not None and record.load.five == 1.25
    assert record.times.idle == pytest.approx(64.0)


def test_thomaskaiser_m1_macos11_0_1(darwin_fixtures: Path, m1_registry: Any) -> None:
    d = darwin_fixtures
    pmgr = formats.ioreg_text(
        d / "thomaskaiser_ioreg-l_MacBookAir10-1_M1_macOS11.0.1_excerpt_pmgr_voltage_states.txt"
    )
    cpus = formats.ioreg_text(
        d / "thomaskaiser_ioreg-l_MacBookAir10-1_M1_macOS11.0.1_excerpt_cpus.txt"
    )
    cpu0 = formats.ioreg_text(
        d / "thomaskaiser_ioreg-l_MacBookAir10-1_M1_macOS11.0.1_excerpt_cpu0_E_cluster.txt"
    )
    # The MacBookAir10,1 has the same DVFS tables as the MacBookPro17,1.
    assert cpu.cpu_tables(pmgr) == [M1_E, M1_P]
    # macOS 11.0.1's cpus node has max_cpus but no e-/p-core-count.
    assert cpu.core_counts(cpus) == {}
    assert cpu.core_clusters([cpu0]) == {0: "E"}
    # Only E cores known: the two tables cannot be told apart, so no frequencies are claimed.
    topo = cpu.topology({}, cpus, [cpu0], pmgr)
    assert topo.clusters == (
        CPUCluster(name="Efficiency", type="E", logical_count=1, physical_count=1, cores=(0,)),
    )
    assert topo.core_range == {}
    # With a P core known too the tables pair up.
    _, (_, cpu7), _ = m1_registry
    topo = cpu.topology({}, cpus, [cpu0, cpu7], pmgr)
    assert topo.core_range == {0: (600e6, 2064e6), 7: (600e6, 3204e6)}


def test_perflevels_two_tier(m1_registry: Any) -> None:
    # Synthetic macOS 12+ sysctls for the same M1 (hw.perflevel0 is the fastest level).
    values = {
        "hw.nperflevels": 2, "hw.cputype": 16777228,
        "hw.perflevel0.name": "Performance", "hw.perflevel0.physicalcpu": 4, "hw.perflevel0.logicalcpu": 4,
        "hw.perflevel1.name": "Efficiency", "hw.perflevel1.physicalcpu": 4, "hw.perflevel1.logicalcpu": 4,
    }  # fmt: skip
    cpus, nodes, pmgr = m1_registry
    topo = cpu.topology(values, cpus, nodes, pmgr)
    assert [c.name for c in topo.clusters] == ["Performance", "Efficiency"]
    assert [c.type for c in topo.clusters] == ["P", "E"]
    assert [c.max_hertz for c in topo.clusters] == [3204e6, 2064e6]
    assert [c.cores for c in topo.clusters] == [(7,), (0,)]


def test_three_tiers_in_khz_match_by_rank_only() -> None:
    # Synthetic M5-like layout: three levels, registry letters E/M/P, tables in kHz.
    values = {
        "hw.nperflevels": 3,
        "hw.perflevel0.name": "Super", "hw.perflevel0.logicalcpu": 4,
        "hw.perflevel1.name": "Performance", "hw.perflevel1.logicalcpu": 6,
        "hw.perflevel2.name": "Efficiency", "hw.perflevel2.logicalcpu": 4,
    }  # fmt: skip

    def table(*khz: int) -> bytes:
        return b"".join(struct.pack("<II", f, 800) for f in khz)

    pmgr = {
        "voltage-states1-sram": table(1_000_000, 2_600_000),
        "voltage-states5-sram": table(1_200_000, 3_900_000),
        "voltage-states22-sram": table(1_300_000, 4_600_000),
        "voltage-states9-sram": table(0, 400_000, 1_600_000),  # a GPU-like table, ignored
    }
    nodes = [
        {"logical-cpu-id": 0, "cluster-type": b"E\0"},
        {"logical-cpu-id": 9, "cluster-type": b"M\0"},
    ]
    topo = cpu.topology(values, {}, nodes, pmgr)
    assert [(c.name, c.type, c.max_hertz) for c in topo.clusters] == [
        ("Super", None, 4.6e9),
        ("Performance", None, 3.9e9),
        ("Efficiency", None, 2.6e9),
    ]
    assert topo.clusters[2].min_hertz == 1.0e9
    # Which letter is which tier is not known for three tiers: no per-core range is claimed.
    assert topo.core_range == {}
    assert topo.core_cluster == {0: "E", 9: "M"}


def test_tick_times() -> None:
    # Synthetic: two CPUs, USER SYSTEM IDLE NICE ticks of 1/100 s.
    raw = struct.pack("<8I", 100, 50, 1000, 7, 200, 0, 4294967295, 0)
    first, second = cpu.tick_times(raw)
    assert first == CPUTimes(user=1.0, system=0.5, idle=10.0, nice=0.07)
    assert second.idle == pytest.approx(42949672.95)
    assert cpu.total_times([first, second]).user == pytest.approx(3.0)
    with pytest.raises(ParseError):
        cpu.tick_times(raw[:-1])


def test_voltage_table_rejects_partial_entries() -> None:
    with pytest.raises(ParseError):
        cpu.voltage_table(b"\x00" * 12)


@given(st.binary(max_size=200))
def test_fuzz_ticks_and_tables(raw: bytes) -> None:
    for decode in (cpu.tick_times, cpu.voltage_table):
        try:
            decode(raw)
        except ParseError:
            pass


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "hw.nperflevels",
                "hw.perflevel0.name",
                "hw.perflevel1.name",
                "hw.cputype",
                "hw.logicalcpu",
                "hw.cpufrequency_min",
                "hw.cpufrequency_max",
                "machdep.cpu.brand_string",
                "e-core-count",
                "voltage-states1-sram",
                "voltage-states5-sram",
            ]
        ),
        st.one_of(
            st.integers(-(2**70), 2**70), st.text(max_size=8), st.binary(max_size=24), st.none()
        ),
    )
)
def test_fuzz_topology(values: dict[str, Any]) -> None:
    nodes = [
        {"logical-cpu-id": values.get("hw.logicalcpu"), "cluster-type": values.get("e-core-count")}
    ]
    try:
        topo = cpu.topology(values, values, nodes, values)
        cpu.build_cpu(values, [], topo)
    except ParseError:
        pass
