"""amdgpu on the captured prometheus/procfs tree (``class/drm/card0``: a Radeon RX Vega, 1002:687f),
plus the synthetic hwmon directory in ``tests/data/gpu/amdgpu_hwmon`` (see its README)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.amdgpu import read_amd_gpus
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.drm import GpuNames, list_cards, read_gpu_hwmon
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.gpu import read_gpus
from darwin_metrics.linux.parsers.gpu import (
    DpmClock,
    parse_dpm_clock,
    parse_int_attr,
    parse_link_speed,
    parse_pci_id,
    parse_uevent,
)
from darwin_metrics.nvml import NvmlSession
from tests.conftest import HANDMADE, Tree

GPU_DATA = HANDMADE / "gpu"
#: No name databases: names fall back to the PCI ids.
NO_NAMES = GpuNames(amdgpu_ids=(), pci_ids=())
SYNTHETIC_NAMES = GpuNames(
    amdgpu_ids=(str(GPU_DATA / "amdgpu.ids"),), pci_ids=(str(GPU_DATA / "pci.ids"),)
)
NO_NVML = NvmlSession(load=lambda: None)


@pytest.fixture
def drm_tree(pf_tree: Tree, tmp_path: Path) -> Roots:
    """A writable copy of pf_tree's ``class/drm`` (card0 amdgpu, card1 i915 with connectors)."""
    sys = tmp_path / "sys"
    shutil.copytree(pf_tree.sys / "class" / "drm", sys / "class" / "drm", symlinks=True)
    return Roots(procfs=str(tmp_path / "proc"), sysfs=str(sys))


def card0(roots: Roots) -> Path:
    return Path(roots.sysfs) / "class" / "drm" / "card0" / "device"


def add_hwmon(roots: Roots) -> None:
    shutil.copytree(GPU_DATA / "amdgpu_hwmon", card0(roots) / "hwmon")


def test_card0_exact_values(pf_tree: Tree) -> None:
    (gpu,) = read_amd_gpus(pf_tree.roots, NO_NAMES)
    assert gpu.index == 0
    assert gpu.vendor == "amd"
    assert gpu.name == "AMD GPU [1002:687f]"
    assert gpu.device_index == 0
    assert gpu.driver == "amdgpu"
    assert gpu.pci_bus_id == "0000:09:00.0"
    assert gpu.uuid == "0123456789abcdef"
    assert gpu.vbios_version == "115-D050PIL-100"
    assert gpu.suspended is None
    assert gpu.utilization_percent == 4.0
    assert gpu.memory_utilization_percent is None  # no mem_busy_percent in the capture
    assert gpu.memory_total == 8573157376
    assert gpu.memory_used == 1490378752
    assert gpu.memory_free == 8573157376 - 1490378752
    assert gpu.memory_visible_total == 8573157376
    assert gpu.memory_visible_used == 1490378752
    assert gpu.gtt_total == 8573157376
    assert gpu.gtt_used == 144560128
    assert gpu.graphics_hertz == 852_000_000  # "0: 852Mhz *"
    assert gpu.graphics_max_hertz == 1_630_000_000  # "7: 1630Mhz"
    assert gpu.memory_hertz == 167_000_000  # "0: 167Mhz *"
    assert gpu.memory_max_hertz == 945_000_000  # "3: 945Mhz"
    assert gpu.performance_level == "manual"
    assert gpu.pcie_link_generation == 3  # 8.0 GT/s PCIe
    assert gpu.pcie_link_width == 16
    assert gpu.pcie_link_generation_max == 3
    assert gpu.pcie_link_width_max == 16
    # No hwmon in the capture: sensors are unknown, not zero.
    assert gpu.temperature_celsius is None
    assert gpu.power_watts is None
    assert gpu.fan_percent is None
    # NVIDIA-only fields.
    assert gpu.throttle_reasons is None
    assert gpu.processes is None
    assert gpu.lost is False


def test_names_from_amdgpu_ids(pf_tree: Tree) -> None:
    (gpu,) = read_amd_gpus(pf_tree.roots, SYNTHETIC_NAMES)
    assert gpu.name == "AMD Radeon RX Vega"  # 687F revision C1


def test_name_from_pci_ids_when_revision_unknown(drm_tree: Roots) -> None:
    (card0(drm_tree) / "revision").write_text("0xff\n")
    (gpu,) = read_amd_gpus(drm_tree, SYNTHETIC_NAMES)
    assert gpu.name == "Vega 10 XL/XT [Radeon RX Vega 56/64]"


def test_product_name_wins(drm_tree: Roots) -> None:
    (card0(drm_tree) / "product_name").write_text("Radeon Pro W6800\n")
    (gpu,) = read_amd_gpus(drm_tree, SYNTHETIC_NAMES)
    assert gpu.name == "Radeon Pro W6800"


def test_synthetic_hwmon(drm_tree: Roots) -> None:
    add_hwmon(drm_tree)
    (gpu,) = read_amd_gpus(drm_tree, NO_NAMES)
    assert gpu.temperature_celsius == 45.0
    assert gpu.junction_celsius == 52.0
    assert gpu.memory_celsius == 60.0
    assert gpu.slowdown_celsius == 100.0
    assert gpu.shutdown_celsius == 105.0
    assert gpu.power_watts == 35.0
    assert gpu.power_limit_watts == 220.0
    assert gpu.fan_rpm == 1200.0
    assert gpu.fan_percent == pytest.approx(40.0)  # pwm1 102 of 255
    assert gpu.energy_joules is None
    # pp_dpm tables win over hwmon freq1/freq2.
    assert gpu.graphics_hertz == 852_000_000


def test_power_input_when_no_average_and_freq_fallback(drm_tree: Roots) -> None:
    add_hwmon(drm_tree)
    hw = card0(drm_tree) / "hwmon" / "hwmon3"
    (hw / "power1_average").unlink()
    (hw / "power1_input").write_text("41500000\n")
    (card0(drm_tree) / "pp_dpm_sclk").unlink()
    (gpu,) = read_amd_gpus(drm_tree, NO_NAMES)
    assert gpu.power_watts == 41.5
    assert gpu.graphics_hertz == 852_000_000  # from hwmon freq1_input
    assert gpu.graphics_max_hertz is None


def test_unlabelled_temperatures_go_by_channel(drm_tree: Roots) -> None:
    add_hwmon(drm_tree)
    hw = card0(drm_tree) / "hwmon" / "hwmon3"
    for n in (1, 2, 3):
        (hw / f"temp{n}_label").unlink()
    hw_values = read_gpu_hwmon(list_cards(drm_tree, ("amdgpu",))[0])
    assert (hw_values.temperature, hw_values.temperature_junction) == (45.0, 52.0)
    assert hw_values.temperature_memory == 60.0


def test_runtime_suspended_gpu_is_not_woken(drm_tree: Roots) -> None:
    add_hwmon(drm_tree)
    power = card0(drm_tree) / "power"
    power.mkdir()
    (power / "runtime_status").write_text("suspended\n")
    (gpu,) = read_amd_gpus(drm_tree, NO_NAMES)
    assert gpu.suspended is True
    assert gpu.memory_total == 8573157376  # does not wake the device
    assert gpu.vbios_version == "115-D050PIL-100"
    for field in (
        "utilization_percent",
        "graphics_hertz",
        "memory_hertz",
        "temperature_celsius",
        "power_watts",
        "fan_percent",
        "pcie_link_generation",
    ):
        assert getattr(gpu, field) is None, field
    (power / "runtime_status").write_text("active\n")
    (gpu,) = read_amd_gpus(drm_tree, NO_NAMES)
    assert gpu.suspended is False
    assert gpu.temperature_celsius == 45.0


def test_connectors_and_other_entries_are_not_cards(drm_tree: Roots) -> None:
    drm = Path(drm_tree.sysfs) / "class" / "drm"
    # Real sysfs lists connectors beside the cards (as links); the capture nests them.
    os.symlink("card1/card1-DP-1", drm / "card1-DP-1")
    os.symlink("card1/card1-DP-5", drm / "card1-DP-5")
    (drm / "renderD128").mkdir()
    (drm / "version").write_text("drm 1.1.0 20060810\n")
    cards = list_cards(drm_tree, ("amdgpu", "i915", "xe"))
    assert [c.name for c in cards] == ["card1", "card0"]  # 0000:00:02.0 before 0000:09:00.0
    assert [c.driver for c in cards] == ["i915", "amdgpu"]


def test_multi_gpu_stable_order_by_pci_address(drm_tree: Roots) -> None:
    drm = Path(drm_tree.sysfs) / "class" / "drm"
    # card10 is a second amdgpu at a lower PCI address; a 'card[0-9]' glob would miss it.
    shutil.copytree(drm / "card0", drm / "card10", symlinks=True)
    uevent = drm / "card10" / "device" / "uevent"
    uevent.write_text(uevent.read_text().replace("0000:09:00.0", "0000:03:00.0"))
    (drm / "card10" / "device" / "unique_id").write_text("fedcba9876543210\n")
    gpus = read_amd_gpus(drm_tree, NO_NAMES)
    assert [(g.index, g.device_index, g.pci_bus_id) for g in gpus] == [
        (0, 10, "0000:03:00.0"),
        (1, 0, "0000:09:00.0"),
    ]
    assert [g.uuid for g in gpus] == ["fedcba9876543210", "0123456789abcdef"]


def test_bad_attribute_is_none_not_an_error(drm_tree: Roots) -> None:
    add_hwmon(drm_tree)
    (card0(drm_tree) / "gpu_busy_percent").write_text("busy\n")
    (card0(drm_tree) / "pp_dpm_sclk").write_text("garbage\n")
    (card0(drm_tree) / "hwmon" / "hwmon3" / "temp1_input").write_text("\x00\x01\n")
    (gpu,) = read_amd_gpus(drm_tree, NO_NAMES)
    assert gpu.utilization_percent is None
    assert gpu.graphics_hertz == 852_000_000  # falls back to hwmon freq1_input
    assert gpu.temperature_celsius is None
    assert gpu.junction_celsius == 52.0
    assert gpu.memory_total == 8573157376


def test_combined_gpus_on_pf_tree(pf_tree: Tree) -> None:
    gpus = read_gpus(pf_tree.roots, NO_NVML, NO_NAMES)
    assert [(g.index, g.vendor, g.device_index) for g in gpus] == [(0, "amd", 0), (1, "intel", 1)]


def test_backend_and_snapshot(pf_tree: Tree) -> None:
    from darwin_metrics import nvml
    from darwin_metrics.collect import FAMILIES

    backend = LinuxBackend(procfs=pf_tree.roots.procfs, sysfs=pf_tree.roots.sysfs)
    # A captured tree never asks NVML; were it to, this backend's session finds no library.
    nvml._SESSIONS.of(backend.roots).put("nvml", NvmlSession(load=lambda: None))
    gpus = backend.gpus()
    assert [g.vendor for g in gpus] == ["amd", "intel"]
    assert gpus[0].memory_total == 8573157376
    assert "gpus" in [name for name, _ in FAMILIES]


# --- parsers --------------------------------------------------------------------------------


def test_parse_dpm_clock() -> None:
    text = "0: 852Mhz *\n1: 991Mhz \n7: 1630Mhz \n"
    assert parse_dpm_clock(text, "t") == DpmClock(
        levels=(852_000_000, 991_000_000, 1_630_000_000), current=852_000_000
    )
    assert parse_dpm_clock("S: 19Mhz\n0: 500Mhz\n1: 2800Mhz *\n", "t").current == 2_800_000_000
    assert parse_dpm_clock("0: 96Mhz\n1: 456Mhz\n", "t").current is None
    assert parse_dpm_clock("0: 96Mhz\n", "t").maximum == 96_000_000
    for bad in ("", "\n\n", "0: 8.0GT/s, x16 *", "level zero", "0: Mhz"):
        with pytest.raises(ParseError):
            parse_dpm_clock(bad, "t")


def test_parse_link_speed() -> None:
    assert parse_link_speed("8.0 GT/s PCIe", "t") == 3
    assert parse_link_speed("2.5 GT/s PCIe", "t") == 1
    assert parse_link_speed("16.0 GT/s PCIe\n", "t") == 4
    assert parse_link_speed("5 GT/s", "t") == 2
    assert parse_link_speed("32.0 GT/s PCIe", "t") == 5
    assert parse_link_speed("Unknown", "t") is None
    assert parse_link_speed("Unknown speed", "t") is None
    assert parse_link_speed("7.0 GT/s PCIe", "t") is None
    with pytest.raises(ParseError):
        parse_link_speed("fast", "t")


def test_parse_uevent_and_ids() -> None:
    assert parse_uevent("DRIVER=amdgpu\nPCI_SLOT_NAME=0000:09:00.0\n\n", "t") == {
        "DRIVER": "amdgpu",
        "PCI_SLOT_NAME": "0000:09:00.0",
    }
    with pytest.raises(ParseError):
        parse_uevent("no equals sign\n", "t")
    assert parse_pci_id("0x687f\n", "t") == 0x687F
    with pytest.raises(ParseError):
        parse_pci_id("687f", "t")
    assert parse_int_attr("-1\n", "t") == -1
    with pytest.raises(ParseError):
        parse_int_attr("1 2", "t")


_PARSERS = (parse_dpm_clock, parse_link_speed, parse_uevent, parse_pci_id, parse_int_attr)


@given(st.binary(max_size=300))
def test_fuzz_sysfs_parsers(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    for parser in _PARSERS:
        try:
            parser(text, "fuzz")
        except ParseError:
            pass


_DPM_LINE = st.builds(
    "{}: {}{} {}".format,
    st.one_of(st.integers(0, 15).map(str), st.just("S")),
    st.integers(0, 10**9),
    st.sampled_from(["Mhz", "MHz", "mhz"]),
    st.sampled_from(["", "*"]),
)


@given(st.lists(_DPM_LINE, min_size=1, max_size=16))
def test_fuzz_dpm_tables(lines: list[str]) -> None:
    table = parse_dpm_clock("\n".join(lines) + "\n", "fuzz")
    assert len(table.levels) == len(lines)
    assert all(level % 1_000_000 == 0 for level in table.levels)
    starred = [line for line in lines if line.endswith("*")]
    assert (table.current is None) == (not starred)


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "temp1_input",
                "temp1_label",
                "temp1_crit",
                "power1_average",
                "power1_cap",
                "fan1_input",
                "pwm1",
                "energy1_input",
                "freq1_input",
            ]
        ),
        st.binary(max_size=40),
    )
)
def test_fuzz_hwmon_directory(files: dict[str, bytes]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        device = Path(tmp) / "sys" / "class" / "drm" / "card0" / "device"
        hw = device / "hwmon" / "hwmon0"
        hw.mkdir(parents=True)
        (device / "uevent").write_text("DRIVER=amdgpu\nPCI_SLOT_NAME=0000:01:00.0\n")
        for name, content in files.items():
            (hw / name).write_bytes(content)
        roots = Roots(procfs=str(Path(tmp) / "proc"), sysfs=str(Path(tmp) / "sys"))
        (gpu,) = read_amd_gpus(roots, NO_NAMES)
        assert gpu.fan_percent is None or 0 <= gpu.fan_percent <= 100
