"""Battery decoders on three captured AppleSmartBattery nodes (M1 MacBookPro17,1 and Intel
MacBookPro15,1 from DarwinDumped; M1 MacBookAir10,1 from ThomasKaiser's ``ioreg -l``), plus
synthetic IOPS descriptions (keys as in IOKit's IOPSKeys.h)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.darwin.decode import battery as decode
from darwin_metrics.errors import ParseError
from tests.darwin import formats


@pytest.fixture
def m1(darwin_fixtures: Path) -> dict[str, Any]:
    return formats.ioregviewer(
        darwin_fixtures
        / "darwindumped_MacBookPro17-1_M1_ioreg_AppleSmartBattery.ioregviewer.json.txt"
    )


@pytest.fixture
def intel(darwin_fixtures: Path) -> dict[str, Any]:
    return formats.ioregviewer(
        darwin_fixtures
        / "darwindumped_MacBookPro15-1_intel_ioreg_AppleSmartBattery.ioregviewer.json.txt"
    )


@pytest.fixture
def air(darwin_fixtures: Path) -> dict[str, Any]:
    return formats.ioreg_text(
        darwin_fixtures
        / "thomaskaiser_ioreg-l_MacBookAir10-1_M1_macOS11.0.1_excerpt_AppleSmartBattery.txt"
    )


def test_m1_full_on_adapter(m1: dict[str, Any]) -> None:
    bat = decode.battery(None, m1)
    # ExternalConnected Yes, IsCharging No, FullyCharged Yes.
    assert (bat.status, bat.plugged_in, bat.present) == ("full", True, True)
    # MaxCapacity = 100 is a percentage on Apple Silicon; CurrentCapacity = 100 (%).
    assert bat.charge_percent == 100.0
    # AppleRawCurrentCapacity 5154, AppleRawMaxCapacity 5154, DesignCapacity 5103 (mAh).
    assert bat.charge_coulombs == pytest.approx(5154 * 3.6)
    assert bat.charge_full_coulombs == pytest.approx(5154 * 3.6)
    assert bat.charge_full_design_coulombs == pytest.approx(5103 * 3.6)
    assert bat.health_percent == pytest.approx(100 * 5154 / 5103)
    assert bat.cycle_count == 10
    assert bat.volts == pytest.approx(12.928)  # Voltage 12928 mV
    assert bat.amperes == 0.0  # Amperage 0
    assert bat.watts == 0.0
    assert bat.celsius == pytest.approx(30.64)  # Temperature 3064
    assert bat.adapter_watts == 65.0  # AdapterDetails.Watts
    # AvgTimeToEmpty/AvgTimeToFull = 65535, and the battery is neither charging nor discharging.
    assert (bat.time_to_empty, bat.time_to_full) == (None, None)
    assert bat.model == "bq20z451"
    assert bat.serial == "D860492AA76L4D6EC"
    assert bat.manufacturer is None
    assert bat.name == "AppleSmartBattery"


def test_intel_discharging(intel: dict[str, Any]) -> None:
    bat = decode.battery(None, intel)
    assert (bat.status, bat.plugged_in) == ("discharging", False)
    # MaxCapacity 6997 and CurrentCapacity 6577 are mAh on Intel.
    assert bat.charge_percent == pytest.approx(100 * 6577 / 6997)
    assert bat.charge_coulombs == pytest.approx(6577 * 3.6)
    assert bat.charge_full_coulombs == pytest.approx(6997 * 3.6)
    assert bat.charge_full_design_coulombs == pytest.approx(7336 * 3.6)
    assert bat.health_percent == pytest.approx(100 * 6997 / 7336)
    assert bat.cycle_count == 68
    # Amperage 18446744073709547910 printed unsigned is -3706 mA.
    assert bat.amperes == pytest.approx(-3.706)
    assert bat.volts == pytest.approx(11.846)
    assert bat.watts == pytest.approx(11.846 * 3.706)
    assert bat.celsius == pytest.approx(30.26)
    assert bat.time_to_empty == 106 * 60.0  # AvgTimeToEmpty 106 min
    assert bat.time_to_full is None
    assert bat.adapter_watts is None
    assert bat.manufacturer == "DSY"
    assert bat.serial == "F5D83675LLFJ67VAV"  # BatterySerialNumber


def test_macbook_air_ioreg_text(air: dict[str, Any]) -> None:
    bat = decode.battery(None, air)
    assert bat.status == "full"
    assert bat.charge_percent == 100.0
    assert bat.charge_full_coulombs == pytest.approx(4349 * 3.6)  # AppleRawMaxCapacity
    assert bat.health_percent == pytest.approx(100 * 4349 / 4382)
    assert bat.cycle_count == 1
    assert bat.volts == pytest.approx(12.963)
    assert bat.celsius == pytest.approx(29.64)  # "Temperature" = 2964
    assert bat.adapter_watts == 30.0
    assert bat.serial is None  # "Serial" = "---"


def test_signed_amperage_as_the_cf_converter_gives_it(intel: dict[str, Any]) -> None:
    # Read as kCFNumberSInt64Type the registry number already carries its sign.
    signed = dict(intel, Amperage=-3706)
    assert decode.battery(None, signed).amperes == pytest.approx(-3.706)


def test_iops_description_wins(m1: dict[str, Any]) -> None:
    # Synthetic IOPS description while charging, joined with the captured M1 registry node.
    iops = {
        "Name": "InternalBattery-0",
        "Type": "InternalBattery",
        "Current Capacity": 57,
        "Max Capacity": 100,
        "Is Charging": True,
        "Is Present": True,
        "Power Source State": "AC Power",
        "Time to Full Charge": 42,
        "Time to Empty": 0,
        "Hardware Serial Number": "F8Y0000000000",
    }
    bat = decode.battery(iops, m1, {"Watts": 96})
    assert (bat.name, bat.status, bat.charge_percent) == ("InternalBattery-0", "charging", 57.0)
    assert bat.time_to_full == 42 * 60.0
    assert bat.time_to_empty is None
    assert bat.serial == "F8Y0000000000"
    assert bat.adapter_watts == 96.0  # the adapter details come before the registry copy
    # -1 means "still calculating"; the registry's AvgTimeToFull is 65535: no estimate at all.
    assert decode.battery(dict(iops, **{"Time to Full Charge": -1}), m1).time_to_full is None


def test_iops_on_battery_power() -> None:
    iops = {
        "Type": "InternalBattery",
        "Current Capacity": 80,
        "Max Capacity": 100,
        "Is Charging": False,
        "Power Source State": "Battery Power",
        "Time to Empty": 315,
    }
    bat = decode.battery(iops, None)
    assert (bat.status, bat.plugged_in, bat.charge_percent, bat.time_to_empty) == (
        "discharging",
        False,
        80.0,
        315 * 60.0,
    )
    assert bat.adapter_watts is None


def test_power_sources(m1: dict[str, Any], air: dict[str, Any]) -> None:
    sources = decode.power_sources(
        [{"Type": "UPS", "Name": "UPS"}, {"Type": "InternalBattery", "Name": "InternalBattery-0"}],
        m1,
        air["AdapterDetails"],
    )
    assert [b.name for b in sources.batteries] == ["InternalBattery-0"]
    (adapter,) = sources.adapters
    # AdapterDetails: "Name" = "30W USB-C Power Adapter", "Watts" = 30.
    assert (adapter.name, adapter.kind, adapter.online, adapter.watts) == (
        "30W USB-C Power Adapter",
        "usb",
        True,
        30.0,
    )
    assert sources.on_ac is True
    desktop = decode.power_sources([], None, None)
    assert (desktop.batteries, desktop.adapters, desktop.on_ac) == ((), (), None)


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**65), 2**65),
    st.floats(allow_nan=True),
    st.text(max_size=6),
    st.binary(max_size=6),
    st.dictionaries(st.sampled_from(["Watts", "Name"]), st.integers(-5, 500), max_size=2),
)
_KEYS = st.sampled_from(
    [
        "CurrentCapacity", "MaxCapacity", "AppleRawMaxCapacity", "AppleRawCurrentCapacity",
        "DesignCapacity", "Voltage", "Amperage", "Temperature", "ExternalConnected", "IsCharging",
        "FullyCharged", "AvgTimeToEmpty", "AvgTimeToFull", "CycleCount", "AdapterDetails", "Serial",
        "Current Capacity", "Max Capacity", "Power Source State", "Time to Empty", "Name", "Type",
    ]
)  # fmt: skip


@given(st.dictionaries(_KEYS, _VALUES), st.dictionaries(_KEYS, _VALUES))
def test_fuzz(iops: dict[str, Any], smart: dict[str, Any]) -> None:
    try:
        bat = decode.battery(iops, smart, smart)
        decode.power_sources([iops], smart, iops)
    except ParseError:
        return
    assert bat.charge_percent is None or 0.0 <= bat.charge_percent <= 100.0
