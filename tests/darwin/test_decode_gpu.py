"""GPU decoder on the captured registry data: the M1 AGX accelerator (MacBookPro17,1 and the
MacBookAir10,1 ``ioreg -l`` excerpt), and the two GPUs of an Intel MacBookPro15,1 (Radeon Pro
``Baffin`` and the UHD 630 ``IntelAccelerator``). Expected values are the captures' own numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from darwin_metrics.darwin.decode import gpu
from tests.darwin import formats

M1 = "darwindumped_MacBookPro17-1_M1_ioreg_AGXAcceleratorG13G_PerformanceStatistics.ioregviewer.json.txt"
AMD = "darwindumped_MacBookPro15-1_intel_ioreg_AMDRadeon_Baffin_PerformanceStatistics.ioregviewer.json.txt"
INTEL = "darwindumped_MacBookPro15-1_intel_ioreg_IntelAccelerator_PerformanceStatistics.ioregviewer.json.txt"
COMPAT = "darwindumped_MacBookPro17-1_M1_ioreg_IOAccelerator_compat.ioregviewer.json.txt"
AIR = "thomaskaiser_ioreg-l_MacBookAir10-1_M1_macOS11.0.1_excerpt_AGXAcceleratorG13G_PerformanceStatistics.txt"


def test_m1(darwin_fixtures: Path) -> None:
    g = gpu.gpu(0, formats.ioregviewer(darwin_fixtures / M1))
    assert g is not None
    assert (g.vendor, g.name, g.core_count, g.driver) == (
        "apple", "Apple M1", 8, "AGXAcceleratorG13G_B0",
    )  # fmt: skip
    assert (g.utilization_percent, g.renderer_utilization_percent) == (62.0, 61.0)
    assert g.tiler_utilization_percent == 62.0
    assert (g.memory_used, g.memory_allocated) == (649658368, 11101880320)
    assert (g.unified_memory, g.memory_total, g.memory_free) == (True, None, None)
    assert (g.temperature_celsius, g.fan_rpm, g.graphics_hertz) == (None, None, None)


def test_m1_air_ioreg_text(darwin_fixtures: Path) -> None:
    props = formats.ioreg_text(darwin_fixtures / AIR)
    g = gpu.gpu(0, props)
    assert g is not None and (g.vendor, g.name, g.core_count) == ("apple", "Apple M1", 8)
    stats = props["PerformanceStatistics"]
    assert g.utilization_percent == float(stats["Device Utilization %"])
    assert g.memory_used == stats["In use system memory"]


def test_amd_discrete(darwin_fixtures: Path) -> None:
    parent = {"model": b"Radeon Pro 560X\0", "VRAM,totalMB": 4096}  # synthetic IOPCIDevice
    g = gpu.gpu(1, formats.ioregviewer(darwin_fixtures / AMD), parent)
    assert g is not None
    assert (g.vendor, g.name, g.suspended) == ("amd", "Radeon Pro 560X", False)
    assert (g.utilization_percent, g.temperature_celsius, g.power_watts) == (3.0, 72.0, 18.0)
    assert (g.graphics_hertz, g.memory_hertz) == (214_000_000, 300_000_000)
    assert (g.memory_used, g.memory_free, g.memory_total) == (1119055872, 3046911936, 4096 << 20)
    assert (g.fan_rpm, g.fan_percent, g.unified_memory) == (0.0, 0.0, None)
    alone = gpu.gpu(1, formats.ioregviewer(darwin_fixtures / AMD))
    assert alone is not None and (alone.name, alone.memory_total) == (None, None)


def test_intel_integrated(darwin_fixtures: Path) -> None:
    g = gpu.gpu(2, formats.ioregviewer(darwin_fixtures / INTEL))
    assert g is not None
    assert (g.vendor, g.driver, g.utilization_percent) == ("intel", "IntelAccelerator", 0.0)
    assert g.memory_total == 1536 << 20  # VRAM,totalMB: its share of system memory


def test_compat_node_is_not_a_gpu(darwin_fixtures: Path) -> None:
    assert gpu.gpu(0, formats.ioregviewer(darwin_fixtures / COMPAT)) is None


def test_utilization_clamped_and_negative_counters() -> None:
    props = {"IOClass": "AGXAcceleratorG14X", "PerformanceStatistics": {
        "Device Utilization %": 130, "Renderer Utilization %": -4,
        "In use system memory": -5}}  # fmt: skip
    g = gpu.gpu(0, props)
    assert g is not None
    assert (g.utilization_percent, g.renderer_utilization_percent, g.memory_used) == (
        100.0, 0.0, None,
    )  # fmt: skip
    assert gpu.vendor({"CFBundleIdentifier": "com.nvidia.web.GeForceWeb"}) == "nvidia"


def test_gpu_table_and_powermetrics_oracle(darwin_fixtures: Path) -> None:
    import plistlib

    from darwin_metrics.darwin.decode import ioreport

    pmgr = formats.ioregviewer(
        darwin_fixtures
        / "darwindumped_MacBookPro17-1_M1_ioreg_pmgr_voltage_states.ioregviewer.json.txt"
    )
    table = gpu.gpu_table(pmgr)
    # The M1 GPU's states, as powermetrics lists them on the same model.
    assert table == (396e6, 528e6, 720e6, 924e6, 1128e6, 1278e6)
    raw = (
        darwin_fixtures / "pumas_powermetrics_plist_MacBookPro17-1_M1_macOS13.3.xml"
    ).read_bytes()
    sample = plistlib.loads(next(p for p in raw.split(b"\0") if p.strip()))["gpu"]
    assert [s["freq"] * 1e6 for s in sample["dvfm_states"]] == list(table)
    states = [("OFF", round(sample["idle_ratio"] * 1e9))]
    states += [(f"P{i}", round(s["used_ratio"] * 1e9)) for i, s in enumerate(sample["dvfm_states"])]
    r = ioreport.residency(states, table)
    assert r.hertz == pytest.approx(sample["freq_hz"] * 1e6, rel=0.001)  # 714.8 MHz
    assert gpu.gpu_table({"voltage-states9": bytes(16)}) == ()
    assert gpu.gpu_table(None) == ()
