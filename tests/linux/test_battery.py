"""Batteries and power adapters: captured trees, synthetic charge-based and peripheral supplies."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.parsers.power_supply import decode_battery, parse_uevent
from tests.conftest import Tree


def _supply(base: Path, name: str, attrs: dict[str, str]) -> None:
    d = base / "class" / "power_supply" / name
    d.mkdir(parents=True)
    for key, value in attrs.items():
        (d / key).write_text(value + "\n")


def test_node_exporter_bat0_matches_oracle(ne_tree: Tree) -> None:
    sources = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs).power_sources()
    (bat,) = sources.batteries
    # e2e-output.txt: energy_watthour 36.58, energy_full 45.07, energy_full_design 47.52,
    # power_watt 5.002, voltage_volt 11.66, voltage_min_design 10.8, capacity 81, cyclecount 0.
    assert bat.name == "BAT0"
    assert bat.energy_joules == pytest.approx(36.58 * 3600)
    assert bat.energy_full_joules == pytest.approx(45.07 * 3600)
    assert bat.energy_full_design_joules == pytest.approx(47.52 * 3600)
    assert bat.watts == pytest.approx(5.002)
    assert bat.volts == pytest.approx(11.66)
    assert bat.min_design_volts == pytest.approx(10.8)
    assert bat.charge_percent == 81.0
    assert bat.cycle_count == 0
    assert bat.status == "discharging"
    assert bat.present is True
    assert bat.technology == "Li-ion"
    assert bat.manufacturer == "LGC"
    assert bat.serial == "38109"
    assert bat.capacity_level == "Normal"
    assert (bat.charge_start_threshold_percent, bat.charge_stop_threshold_percent) == (95, 100)
    assert bat.health_percent == pytest.approx(100 * 45070000 / 47520000)
    # Discharging at 5.002 W with 36.58 Wh left: 36.58 / 5.002 hours.
    assert bat.time_to_empty == pytest.approx(36.58 * 3600 / 5.002)
    assert bat.time_to_full is None
    assert bat.plugged_in is False
    assert sources.adapters[0].name == "AC"
    assert sources.adapters[0].kind == "mains"
    assert sources.adapters[0].online is False
    assert sources.on_ac is False


def test_procfs_bat0_prefers_attribute_files_over_uevent(pf_tree: Tree) -> None:
    # In this capture uevent says VOLTAGE_NOW=11750000 but voltage_now holds 12229000: the files win.
    (bat,) = LinuxBackend(procfs=pf_tree.roots.procfs, sysfs=pf_tree.roots.sysfs).batteries()
    assert bat.volts == pytest.approx(12.229)
    assert bat.watts == pytest.approx(4.83)
    assert bat.charge_percent == 98.0
    assert bat.energy_full_joules == pytest.approx(50.06 * 3600)
    assert bat.health_percent == pytest.approx(100 * 50060000 / 47520000)


def test_charge_based_battery_peripheral_and_usb(tmp_path: Path) -> None:
    sys_root = tmp_path / "sys"
    _supply(
        sys_root,
        "BAT1",
        {
            "type": "Battery",
            "status": "Charging",
            "present": "1",
            "charge_now": "2000000",  # 2 Ah
            "charge_full": "4000000",
            "charge_full_design": "5000000",
            "current_now": "-1000000",  # wrong sign from the driver: normalised by status
            "voltage_now": "12000000",
            "voltage_min_design": "11000000",
            "temp": "315",
            "charge_control_start_threshold": "40",
            "charge_control_end_threshold": "80",
            "model_name": "SYN-1",
        },
    )
    _supply(
        sys_root,
        "hidpp_battery_0",
        {"type": "Battery", "scope": "Device", "capacity": "55", "status": "Discharging"},
    )
    _supply(
        sys_root,
        "ucsi-source-psy-USBC000:001",
        {"type": "USB", "online": "1", "voltage_now": "20000000", "current_max": "3250000"},
    )
    backend = LinuxBackend(procfs=str(tmp_path / "proc"), sysfs=str(sys_root))
    sources = backend.power_sources()
    (bat,) = sources.batteries
    assert bat.charge_coulombs == pytest.approx(2 * 3600)
    assert bat.charge_full_design_coulombs == pytest.approx(5 * 3600)
    # energy = charge x voltage_min_design, the same voltage for all three.
    assert bat.energy_joules == pytest.approx(2 * 11 * 3600)
    assert bat.energy_full_joules == pytest.approx(4 * 11 * 3600)
    assert bat.charge_percent == pytest.approx(50.0)
    assert bat.health_percent == pytest.approx(80.0)
    assert bat.amperes == pytest.approx(1.0)
    assert bat.watts == pytest.approx(12.0)
    assert bat.celsius == pytest.approx(31.5)
    # 2 Ah missing of 4 Ah full at 12 W: (4-2) Ah x 11 V / 12 W hours.
    assert bat.time_to_full == pytest.approx(2 * 11 * 3600 / 12.0)
    assert bat.time_to_empty is None
    assert (bat.charge_start_threshold_percent, bat.charge_stop_threshold_percent) == (40, 80)
    assert bat.plugged_in is True
    (mouse,) = sources.peripherals
    assert mouse.scope == "device"
    assert mouse.charge_percent == 55.0
    (usb,) = sources.adapters
    assert usb.kind == "usb"
    assert usb.online is True
    assert usb.watts == pytest.approx(65.0)
    assert sources.on_ac is True
    assert backend.batteries() == sources.batteries


def test_no_power_supplies(tmp_path: Path) -> None:
    backend = LinuxBackend(procfs=str(tmp_path), sysfs=str(tmp_path))
    sources = backend.power_sources()
    assert sources.batteries == () and sources.adapters == ()
    assert sources.on_ac is None


def test_malformed_attribute_is_none_not_fatal(tmp_path: Path) -> None:
    """The bad-attribute rule: the attribute is None (logged), the battery and family go on."""
    _supply(tmp_path, "BAT0", {"type": "Battery", "energy_now": "lots", "capacity": "55"})
    _supply(tmp_path, "BAT1", {"type": "Battery", "capacity": "70"})
    backend = LinuxBackend(procfs=str(tmp_path), sysfs=str(tmp_path))
    bat0, bat1 = backend.batteries()
    assert (bat0.name, bat0.energy_joules, bat0.charge_percent) == ("BAT0", None, 55.0)
    assert (bat1.name, bat1.charge_percent) == ("BAT1", 70.0)
    decoded = decode_battery("BAT0", {"energy_now": "lots"}, "/sys/class/power_supply/BAT0")
    assert decoded.energy_joules is None


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("energy_now", "-5000000"),
        ("energy_now", "9" * 5000),
        ("power_now", "-1"),
        ("charge_stop_threshold", "300"),
        ("capacity", "18446744073709551616"),
    ],
)
def test_impossible_values_are_none(key: str, text: str) -> None:
    attrs = {"status": "Discharging", "energy_now": "1000000", "power_now": "1000000", key: text}
    battery = decode_battery("BAT0", attrs, "/sys/class/power_supply/BAT0")
    assert battery.time_to_empty is None or battery.time_to_empty >= 0
    assert battery.charge_stop_threshold_percent is None
    if key == "energy_now":
        assert battery.energy_joules is None


def test_uevent_parser() -> None:
    data = b"POWER_SUPPLY_NAME=BAT0\nPOWER_SUPPLY_CAPACITY=81\n\n"
    assert parse_uevent(data, "uevent") == {"name": "BAT0", "capacity": "81"}
    with pytest.raises(ParseError):
        parse_uevent(b"garbage line\n", "uevent")


@given(st.binary(max_size=300))
def test_uevent_fuzz(data: bytes) -> None:
    try:
        parse_uevent(data, "uevent")
    except ParseError:
        pass


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "status",
                "capacity",
                "energy_now",
                "energy_full",
                "charge_now",
                "current_now",
                "voltage_now",
                "power_now",
                "temp",
                "present",
                "scope",
                "time_to_empty_now",
            ]
        ),
        st.one_of(st.text(max_size=12), st.integers(-(10**15), 10**15).map(str)),
    )
)
def test_decode_battery_fuzz(attrs: dict[str, str]) -> None:
    try:
        bat = decode_battery("BATX", attrs, "fuzz")
    except ParseError:
        return
    assert bat.charge_percent is None or 0.0 <= bat.charge_percent <= 100.0
    assert bat.watts is None or bat.watts >= 0
