"""RAPL, hwmon power and energy, and power-management settings."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.hwrates import power_rates
from darwin_metrics.linux import fs, power
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.parsers.powercap import split_zone_name
from darwin_metrics.linux.power import read_power
from darwin_metrics.rates import counter_delta as _delta
from tests.conftest import Tree


def counter_delta(previous: int, current: int, wrap: int | None) -> float | None:
    """The one counter_delta (rates.py) told that a wrap may be any amount up to ``wrap``."""
    return _delta(previous, current, modulus=wrap, max_delta=wrap)


def _zone(sys_root: Path, name: str, attrs: dict[str, str]) -> Path:
    d = sys_root / "class" / "powercap" / name
    d.mkdir(parents=True, exist_ok=True)
    for key, value in attrs.items():
        (d / key).write_text(value + "\n")
    return d


def test_rapl_on_node_exporter_tree_matches_oracle(ne_tree: Tree) -> None:
    result = read_power(ne_tree.roots)
    package = result.rail("package-0")
    core = result.rail("core")
    assert package is not None and core is not None
    # e2e-output.txt: node_rapl_package_joules_total 240422.366267, core 118821.284256.
    assert package.joules == pytest.approx(240422.366267)
    assert core.joules == pytest.approx(118821.284256)
    assert package.energy_range_joules == pytest.approx(262143.32885)
    assert (package.domain, package.index) == ("package", 0)
    assert package.limit_watts == pytest.approx(4090.0)
    assert package.max_watts == pytest.approx(95.0)
    assert core.limit_watts is None  # constraint_0_power_limit_uw is 0: no limit set
    # One reading: watts are a rate (two readings), never a fake zero.
    assert package.watts is None
    assert result.package is None


def test_procfs_tree_splits_package_10(pf_tree: Tree) -> None:
    result = read_power(pf_tree.roots)
    rail = result.rail("package-10")
    assert rail is not None
    assert (rail.domain, rail.index) == ("package", 10)


def test_rapl_watts_across_a_wrap(tmp_path: Path) -> None:
    zone = _zone(
        tmp_path,
        "intel-rapl:0",
        {"name": "package-0", "energy_uj": "262143000000", "max_energy_range_uj": "262143328850"},
    )
    roots = fs.Roots(procfs=str(tmp_path), sysfs=str(tmp_path))
    first = read_power(roots)
    assert first.rail("package-0").watts is None  # type: ignore[union-attr]
    # 2 s later the counter wrapped: 328850 µJ to the top, then 19671150 µJ more = 20 J in 2 s.
    (zone / "energy_uj").write_text("19671150\n")
    second = read_power(roots)
    (rate,) = power_rates(first, second, 2.0)
    assert (rate.name, rate.source, rate.domain) == ("package-0", "rapl", "package")
    assert rate.watts == pytest.approx(10.0)
    # a counter that went back by more than half its range was reset: no rate, never a negative
    (zone / "energy_uj").write_text("5\n")
    assert power_rates(second, read_power(roots), 2.0)[0].watts is None
    # readings too far apart (the counter may have wrapped twice) give no rate
    assert power_rates(first, second, 600.0)[0].watts is None


def test_power_never_sleeps_nor_keeps_state(tmp_path: Path) -> None:
    zone = _zone(
        tmp_path,
        "intel-rapl:0",
        {"name": "package-0", "energy_uj": "1000000", "max_energy_range_uj": "262143328850"},
    )
    roots = fs.Roots(procfs=str(tmp_path), sysfs=str(tmp_path))
    assert read_power(roots) == read_power(roots)
    (zone / "energy_uj").write_text("1500000\n")  # +0.5 J
    assert read_power(roots).rail("package-0").joules == pytest.approx(1.5)  # type: ignore[union-attr]


def test_unreadable_energy_reports_needs_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _zone(
        tmp_path,
        "intel-rapl:0",
        {"name": "package-0", "energy_uj": "5", "max_energy_range_uj": "262143328850"},
    )
    real = fs.read_file

    def denied(path: str) -> bytes:
        if path.endswith("energy_uj"):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(power.fs, "read_file", denied)
    roots = fs.Roots(procfs=str(tmp_path), sysfs=str(tmp_path))
    rail = read_power(roots).rail("package-0")
    assert rail is not None
    assert rail.watts is None and rail.joules is None
    assert rail.unavailable_reason == "needs root"


def test_hwmon_power_and_energy(tmp_path: Path) -> None:
    gpu = tmp_path / "class" / "hwmon" / "hwmon2"
    gpu.mkdir(parents=True)
    (gpu / "name").write_text("amdgpu\n")
    (gpu / "power1_average").write_text("35000000\n")
    (gpu / "power1_cap").write_text("150000000\n")
    (gpu / "power1_label").write_text("PPT\n")
    cpu = tmp_path / "class" / "hwmon" / "hwmon3"
    cpu.mkdir(parents=True)
    (cpu / "name").write_text("amd_energy\n")
    (cpu / "energy1_input").write_text("1000000\n")
    (cpu / "energy1_label").write_text("Esocket0\n")
    roots = fs.Roots(procfs=str(tmp_path), sysfs=str(tmp_path))
    before = read_power(roots)
    (cpu / "energy1_input").write_text("101000000\n")  # +100 J in 4 s
    result = read_power(roots)
    rates = {r.name: r.watts for r in power_rates(before, result, 4.0)}
    ppt = result.rail("amdgpu/PPT")
    sock = result.rail("amd_energy/Esocket0")
    assert ppt is not None and sock is not None
    assert ppt.watts == pytest.approx(35.0)
    assert ppt.limit_watts == pytest.approx(150.0)
    assert sock.watts is None and rates == {"amd_energy/Esocket0": pytest.approx(25.0)}
    assert sock.joules == pytest.approx(101.0)


def test_hwmon_power_of_an_old_layout_chip(tmp_path: Path) -> None:
    """Attributes in ``hwmonN/device/`` (old drivers) are rails too; ``hwmonN/`` wins."""
    device = tmp_path / "devices" / "platform" / "oldchip.0"
    chip = device / "hwmon" / "hwmon0"
    chip.mkdir(parents=True)
    (chip / "device").symlink_to(device)
    (tmp_path / "class" / "hwmon").mkdir(parents=True)
    (tmp_path / "class" / "hwmon" / "hwmon0").symlink_to(chip)
    (device / "name").write_text("oldchip\n")
    (device / "power1_input").write_text("2000000\n")
    (device / "power1_label").write_text("VIN\n")
    (device / "energy1_input").write_text("5000000\n")
    (chip / "energy1_input").write_text("7000000\n")  # the hwmon directory wins
    roots = fs.Roots(procfs=str(tmp_path), sysfs=str(tmp_path))
    rails = {r.name: r for r in read_power(roots).rails}
    assert rails["oldchip/VIN"].watts == pytest.approx(2.0)
    assert rails["oldchip/VIN"].path == f"{device.resolve()}/power1"
    assert rails["oldchip/energy1"].joules == pytest.approx(7.0)
    assert set(rails) == {"oldchip/VIN", "oldchip/energy1"}


def test_battery_power_is_a_rail(ne_tree: Tree) -> None:
    backend = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs)
    rail = backend.power().rail("BAT0")
    assert rail is not None and rail.source == "battery"
    assert rail.watts == pytest.approx(5.002)


def test_power_management_on_captured_trees(ne_tree: Tree, pf_tree: Tree) -> None:
    ne = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs).power_management()
    assert [c.cpu for c in ne.cores] == [0, 1, 2, 3]
    assert ne.on_ac is False
    pf = LinuxBackend(procfs=pf_tree.roots.procfs, sysfs=pf_tree.roots.sysfs).power_management()
    assert [(c.cpu, c.governor, c.driver) for c in pf.cores] == [
        (0, "powersave", "intel_pstate"),
        (1, "powersave", "intel_pstate"),
    ]
    assert pf.cores[0].available_governors == ("performance", "powersave")


def test_platform_profile_and_epp(tmp_path: Path) -> None:
    acpi = tmp_path / "firmware" / "acpi"
    acpi.mkdir(parents=True)
    (acpi / "platform_profile").write_text("balanced\n")
    (acpi / "platform_profile_choices").write_text("low-power balanced performance\n")
    freq = tmp_path / "devices" / "system" / "cpu" / "cpu0" / "cpufreq"
    freq.mkdir(parents=True)
    (freq / "scaling_governor").write_text("powersave\n")
    (freq / "energy_performance_preference").write_text("balance_power\n")
    (freq / "energy_performance_available_preferences").write_text(
        "default performance balance_performance balance_power power\n"
    )
    pm = LinuxBackend(procfs=str(tmp_path), sysfs=str(tmp_path)).power_management()
    assert pm.platform_profile == "balanced"
    assert pm.platform_profile_choices == ("low-power", "balanced", "performance")
    assert pm.cores[0].energy_performance_preference == "balance_power"
    assert "balance_power" in pm.cores[0].available_preferences
    assert pm.on_ac is None


def test_counter_delta_and_zone_names() -> None:
    assert counter_delta(10, 15, 100) == 5
    assert counter_delta(90, 5, 100) == 15
    assert counter_delta(90, 5, None) is None
    assert split_zone_name("package-10") == ("package", 10)
    assert split_zone_name("core") == ("core", None)
    assert split_zone_name("psys") == ("psys", None)


@given(st.integers(0, 2**40), st.integers(0, 2**40), st.one_of(st.none(), st.integers(1, 2**40)))
def test_counter_delta_never_negative(prev: int, cur: int, wrap: int | None) -> None:
    delta = counter_delta(prev, cur, wrap)
    assert delta is None or delta >= 0


@given(st.binary(max_size=40))
def test_energy_file_fuzz(data: bytes) -> None:
    from darwin_metrics.errors import ParseError
    from darwin_metrics.linux.parsers.powercap import parse_microunits

    try:
        assert parse_microunits(data.decode("latin-1"), "energy_uj") >= 0
    except ParseError:
        pass
