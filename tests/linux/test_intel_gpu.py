"""Intel GPUs: pf_tree's ``class/drm/card1`` (i915, 8086:5917, with connectors card1-DP-1/5),
plus synthetic frequency files from ``tests/data/gpu/i915`` and ``tests/data/gpu/xe``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.linux.drm import GpuNames
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.intel_gpu import read_intel_gpus
from darwin_metrics.linux.parsers.gpu import lookup_pci_ids, parse_amdgpu_ids
from tests.conftest import HANDMADE, Tree

GPU_DATA = HANDMADE / "gpu"
NO_NAMES = GpuNames(amdgpu_ids=(), pci_ids=())
SYNTHETIC_NAMES = GpuNames(amdgpu_ids=(), pci_ids=(str(GPU_DATA / "pci.ids"),))


@pytest.fixture
def drm_tree(pf_tree: Tree, tmp_path: Path) -> Roots:
    sys = tmp_path / "sys"
    shutil.copytree(pf_tree.sys / "class" / "drm", sys / "class" / "drm", symlinks=True)
    return Roots(procfs=str(tmp_path / "proc"), sysfs=str(sys))


def drm(roots: Roots) -> Path:
    return Path(roots.sysfs) / "class" / "drm"


def test_card1_identity(pf_tree: Tree) -> None:
    (gpu,) = read_intel_gpus(pf_tree.roots, NO_NAMES)
    assert gpu.index == 0
    assert gpu.vendor == "intel"
    assert gpu.name == "Intel GPU [8086:5917]"
    assert gpu.device_index == 1
    assert gpu.driver == "i915"
    assert gpu.pci_bus_id == "0000:00:02.0"
    # The capture has no gt_*_freq_mhz files.
    assert gpu.graphics_hertz is None
    assert gpu.graphics_actual_hertz is None
    assert gpu.memory_total is None


def test_name_from_pci_ids(pf_tree: Tree) -> None:
    (gpu,) = read_intel_gpus(pf_tree.roots, SYNTHETIC_NAMES)
    assert gpu.name == "UHD Graphics 620"


def test_i915_frequencies(drm_tree: Roots) -> None:
    for f in (GPU_DATA / "i915").iterdir():
        shutil.copy(f, drm(drm_tree) / "card1" / f.name)
    (gpu,) = read_intel_gpus(drm_tree, NO_NAMES)
    assert gpu.graphics_hertz == 350_000_000
    assert gpu.graphics_actual_hertz == 300_000_000
    assert gpu.graphics_max_hertz == 1_100_000_000
    assert gpu.graphics_min_hertz == 300_000_000


def test_xe_card_and_order(drm_tree: Roots) -> None:
    card = drm(drm_tree) / "card2"
    device = card / "device"
    device.mkdir(parents=True)
    os.symlink("../../../../bus/pci/drivers/xe", device / "driver")
    (device / "uevent").write_text("DRIVER=xe\nPCI_ID=8086:56A0\nPCI_SLOT_NAME=0000:03:00.0\n")
    shutil.copytree(GPU_DATA / "xe" / "tile0", device / "tile0")
    hwmon = device / "hwmon" / "hwmon5"
    hwmon.mkdir(parents=True)
    (hwmon / "power1_max").write_text("190000000\n")
    (hwmon / "energy1_input").write_text("123456789000\n")
    (hwmon / "temp2_label").write_text("pkg\n")
    (hwmon / "temp2_input").write_text("48000\n")
    i915, xe = read_intel_gpus(drm_tree, SYNTHETIC_NAMES)
    assert (i915.pci_bus_id, xe.pci_bus_id) == ("0000:00:02.0", "0000:03:00.0")
    assert (i915.index, xe.index) == (0, 1)
    assert xe.driver == "xe"
    assert xe.name == "DG2 [Arc A770]"
    assert xe.device_index == 2
    assert xe.graphics_hertz == 1_200_000_000
    assert xe.graphics_actual_hertz == 1_150_000_000
    assert xe.graphics_max_hertz == 2_050_000_000
    assert xe.graphics_min_hertz == 300_000_000
    assert xe.power_limit_watts == 190.0
    assert xe.energy_joules == 123456.789
    assert xe.temperature_celsius == 48.0


def test_suspended_intel_gpu_reads_frequencies_but_not_hwmon(drm_tree: Roots) -> None:
    card1 = drm(drm_tree) / "card1"
    for f in (GPU_DATA / "i915").iterdir():
        shutil.copy(f, card1 / f.name)
    (card1 / "device" / "power").mkdir()
    (card1 / "device" / "power" / "runtime_status").write_text("suspended\n")
    hwmon = card1 / "device" / "hwmon" / "hwmon2"
    hwmon.mkdir(parents=True)
    (hwmon / "energy1_input").write_text("5000000\n")
    (gpu,) = read_intel_gpus(drm_tree, NO_NAMES)
    assert gpu.suspended is True
    assert gpu.graphics_hertz == 350_000_000
    assert gpu.energy_joules is None


def test_lookup_pci_ids() -> None:
    text = (GPU_DATA / "pci.ids").read_text()
    assert lookup_pci_ids(text, 0x8086, 0x5917) == ("Intel Corporation", "UHD Graphics 620")
    assert lookup_pci_ids(text, 0x1002, 0x687F) == (
        "Advanced Micro Devices, Inc. [AMD/ATI]",
        "Vega 10 XL/XT [Radeon RX Vega 56/64]",
    )
    assert lookup_pci_ids(text, 0x8086, 0x1234) == ("Intel Corporation", None)
    assert lookup_pci_ids(text, 0x1234, 0x0000) == (None, None)
    # The subsystem line "1043 04c4" is not a device of vendor 1002.
    assert lookup_pci_ids(text, 0x1002, 0x1043) == ("Advanced Micro Devices, Inc. [AMD/ATI]", None)


def test_parse_amdgpu_ids() -> None:
    table = parse_amdgpu_ids((GPU_DATA / "amdgpu.ids").read_text())
    assert table == {
        (0x687F, 0xC0): "AMD Radeon RX Vega 64 (synthetic C0)",
        (0x687F, 0xC1): "AMD Radeon RX Vega",
        (0x73BF, 0xC1): "AMD Radeon RX 6900 XT",
    }


def test_system_amdgpu_ids_if_installed() -> None:
    path = Path("/usr/share/libdrm/amdgpu.ids")
    if not path.exists():
        pytest.skip("libdrm's amdgpu.ids is not installed here")
    table = parse_amdgpu_ids(path.read_text())
    assert table[(0x687F, 0xC1)] == "AMD Radeon RX Vega"


@given(st.binary(max_size=400), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
def test_fuzz_name_databases(data: bytes, vendor: int, device: int) -> None:
    text = data.decode("utf-8", "replace")
    vendor_name, device_name = lookup_pci_ids(text, vendor, device)
    assert vendor_name is None or isinstance(vendor_name, str)
    assert device_name is None or isinstance(device_name, str)
    for key, name in parse_amdgpu_ids(text).items():
        assert 0 <= key[0] <= 0xFFFF and 0 <= key[1] <= 0xFF
        assert name
