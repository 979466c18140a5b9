"""Temperatures: hwmon chips, thermal zones and cooling devices on the captured trees, the
hand-made overlay (tests/data/sensors, synthetic) and node_exporter's oracle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.parsers.sensors import chip_id, classify_sensor, classify_zone
from darwin_metrics.linux.sensors import read_temperatures
from darwin_metrics.records.sensors import Temperatures, TemperatureSensor
from tests.conftest import Tree
from tests.support import sensor_tree
from tests.support.sensor_tree import oracle


@pytest.fixture(scope="module")
def synthetic(ne_tree: Tree, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tree]:
    """The node_exporter tree with the hand-made overlay (read-only use)."""
    yield sensor_tree.template(ne_tree, tmp_path_factory)


def by_id(temps: Temperatures) -> dict[str, TemperatureSensor]:
    return {s.id: s for s in temps.sensors}


# -- the captured node_exporter tree --------------------------------------------------------------


def test_ne_hwmon_sensors_exact(ne_tree: Tree) -> None:
    temps = read_temperatures(ne_tree.roots)
    got = [
        (
            s.chip,
            s.chip_name,
            s.sensor,
            s.label,
            s.kind,
            s.celsius,
            s.max_celsius,
            s.critical_celsius,
        )
        for s in temps.sensors
    ]
    coretemp = [
        ("temp1", "Physical id 0", 55.0),
        ("temp2", "Core 0", 54.0),
        ("temp3", "Core 1", 52.0),
        ("temp4", "Core 2", 53.0),
        ("temp5", "Core 3", 50.0),
    ]
    expected = [
        (f"platform_coretemp_{n}", "coretemp", t, label, "cpu", value, 84.0, 100.0)
        for n in (0, 1)
        for t, label, value in coretemp
    ]
    expected += [
        ("hwmon4", None, "temp1", "foosensor", "other", 55.0, 100.0, 100.0),
        ("hwmon4", None, "temp2", "foosensor", "other", 54.0, 100.0, 100.0),
        ("ieee80211_phy0_mt7996_phy0_0", "mt7996_phy0_0", "temp1", None, "other", 55.0, None, None),
        ("ieee80211_phy0_mt7996_phy0_1", "mt7996_phy0_1", "temp1", None, "other", 56.0, None, None),
        ("ieee80211_phy0_mt7996_phy0_2", "mt7996_phy0_2", "temp1", None, "other", 57.0, None, None),
    ]
    assert got == expected
    core0 = by_id(temps)["platform_coretemp_0/temp2"]
    assert core0.critical_alarm is False
    assert core0.alarm is None
    assert core0.min_celsius is None
    assert core0.device is not None
    assert Path(core0.device).relative_to(ne_tree.sys) == Path("devices/platform/coretemp.0")
    # hwmon4 is a plain directory without a device link or a name file
    assert by_id(temps)["hwmon4/temp1"].device is None


def test_ne_bogus_and_non_temperature_attributes_ignored(ne_tree: Tree) -> None:
    chips = {s.chip for s in read_temperatures(ne_tree.roots).sensors}
    assert "bogus" not in chips  # bogus1_* is not a temperature
    assert "nct6779" not in chips  # in0/in1, intrusion, fan2: no temperatures
    assert "platform_applesmc_768" not in chips


def test_ne_thermal_zone_and_cooling_device(ne_tree: Tree) -> None:
    temps = read_temperatures(ne_tree.roots)
    (zone,) = temps.zones
    assert (zone.name, zone.type, zone.kind, zone.celsius) == (
        "thermal_zone0",
        "cpu-thermal",
        "cpu",
        12.376,
    )
    assert zone.policy == "step_wise"
    assert zone.mode is None
    assert zone.trip_points == ()
    (cooling,) = temps.cooling_devices
    assert (cooling.name, cooling.type, cooling.current_state, cooling.max_state) == (
        "cooling_device0",
        "Processor",
        0,
        3,
    )


def test_pf_zones_and_cooling_devices(pf_tree: Tree) -> None:
    temps = read_temperatures(pf_tree.roots)
    assert temps.sensors == ()
    assert [(z.name, z.type, z.kind, z.celsius, z.mode) for z in temps.zones] == [
        ("thermal_zone0", "bcm2835_thermal", "cpu", 49.925, None),
        ("thermal_zone1", "acpitz", "ambient", -44.0, "enabled"),
    ]
    assert [(c.name, c.type, c.current_state, c.max_state) for c in temps.cooling_devices] == [
        ("cooling_device0", "Processor", 0, 50),
        ("cooling_device1", "TFN1", None, 50),  # no cur_state file
        ("cooling_device2", "intel_powerclamp", None, 27),  # cur_state -1
    ]
    assert temps.highest() == 49.925
    assert temps.highest("ambient") == -44.0
    assert temps.highest("gpu") is None


# -- node_exporter's oracle ----------------------------------------------------------------------


def test_matches_node_exporter_oracle(ne_tree: Tree) -> None:
    sensors = by_id(read_temperatures(ne_tree.roots))
    oracle_chips = {dict(k)["chip"] for k in oracle("node_hwmon_chip_names")} | {"hwmon4"}
    fields = {
        "node_hwmon_temp_celsius": "celsius",
        "node_hwmon_temp_max_celsius": "max_celsius",
        "node_hwmon_temp_crit_celsius": "critical_celsius",
        "node_hwmon_temp_crit_alarm_celsius": "critical_alarm",
    }
    for metric, field in fields.items():
        expected = oracle(metric)
        assert expected, metric
        for labels, value in expected.items():
            d = dict(labels)
            ours = getattr(sensors[f"{d['chip']}/{d['sensor']}"], field)
            assert float(ours) == value, (metric, labels)
        # and we report nothing for those chips that the oracle does not have
        ours_present = {
            (s.chip, s.sensor)
            for s in sensors.values()
            if s.chip in oracle_chips and getattr(s, field) is not None
        }
        assert ours_present == {(dict(k)["chip"], dict(k)["sensor"]) for k in expected}, metric
    names = {dict(k)["chip"]: dict(k)["chip_name"] for k in oracle("node_hwmon_chip_names")}
    for s in sensors.values():
        if s.chip in names:
            assert s.chip_name == names[s.chip]
    labels = {
        (dict(k)["chip"], dict(k)["sensor"]): dict(k)["label"]
        for k in oracle("node_hwmon_sensor_label")
    }
    for s in sensors.values():
        if (s.chip, s.sensor) in labels:
            assert s.label == labels[(s.chip, s.sensor)]


def test_zones_and_cooling_match_oracle(ne_tree: Tree) -> None:
    temps = read_temperatures(ne_tree.roots)
    for labels, value in oracle("node_thermal_zone_temp").items():
        d = dict(labels)
        zone = next(z for z in temps.zones if z.name == f"thermal_zone{d['zone']}")
        assert zone.type == d["type"]
        assert zone.celsius == value
    for metric, field in (
        ("node_cooling_device_cur_state", "current_state"),
        ("node_cooling_device_max_state", "max_state"),
    ):
        for labels, value in oracle(metric).items():
            d = dict(labels)
            device = next(
                c for c in temps.cooling_devices if c.name == f"cooling_device{d['name']}"
            )
            assert device.type == d["type"]
            assert getattr(device, field) == value


# -- the hand-made overlay (synthetic) ------------------------------------------------------------


def test_nvme_hwmon_and_unset_limits(synthetic: Tree) -> None:
    sensors = by_id(read_temperatures(synthetic.roots))
    composite = sensors["nvme_nvme0/temp1"]
    assert (composite.chip_name, composite.label, composite.kind) == (
        "nvme",
        "Composite",
        "storage",
    )
    assert composite.celsius == 43.85
    assert (composite.max_celsius, composite.min_celsius, composite.critical_celsius) == (
        84.85,
        -0.15,
        94.85,
    )
    assert composite.alarm is False
    # 65261850 m°C (0xFFFF K) and -273150 m°C (0 K) are NVMe's "no threshold"
    for sensor, label, value in (
        ("temp2", "Sensor 1", 43.85),
        ("temp3", "Sensor 2", 45.85),
        ("temp9", "Sensor 8", 43.85),
    ):
        s = sensors[f"nvme_nvme0/{sensor}"]
        assert (s.label, s.celsius, s.max_celsius, s.min_celsius, s.kind) == (
            label,
            value,
            None,
            None,
            "storage",
        )


def test_amdgpu_chip(synthetic: Tree) -> None:
    sensors = by_id(read_temperatures(synthetic.roots))
    assert chip_id("/sys/devices/pci0000:00/0000:00:03.1/0000:0a:00.0", "amdgpu", "x") == (
        "0000:00:03_1_0000:0a:00_0"
    )
    amd = [s for s in sensors.values() if s.chip_name == "amdgpu"]
    assert [(s.chip, s.sensor, s.label, s.kind, s.celsius, s.critical_celsius) for s in amd] == [
        ("0000:00:03_1_0000:0a:00_0", "temp1", "edge", "gpu", 51.0, 100.0),
        ("0000:00:03_1_0000:0a:00_0", "temp2", "junction", "gpu", 58.0, 110.0),
        ("0000:00:03_1_0000:0a:00_0", "temp3", "mem", "gpu", 62.0, 100.0),
    ]
    edge = amd[0]
    assert edge.emergency_celsius == 105.0
    assert edge.critical_hysteresis_celsius is None  # -273150: amdgpu's "not set"


def test_broken_sensor_is_skipped_not_the_chip(synthetic: Tree) -> None:
    sensors = [s for s in read_temperatures(synthetic.roots).sensors if s.chip_name == "it8728"]
    # temp1 unparsable, temp3 has no input, temp4 empty: only temp2 remains
    assert [(s.chip, s.sensor, s.celsius) for s in sensors] == [("it8728", "temp2", 41.0)]
    assert sensors[0].max_celsius is None  # "garbage"
    assert sensors[0].critical_celsius is None  # 25 digits: not a sysfs integer


def test_nct6779_labels_classified(synthetic: Tree) -> None:
    sensors = by_id(read_temperatures(synthetic.roots))
    assert [
        (sensors[f"nct6779/temp{i}"].label, sensors[f"nct6779/temp{i}"].kind) for i in (1, 2, 3, 4)
    ] == [
        ("SYSTIN", "ambient"),
        ("CPUTIN", "cpu"),
        ("PCH_CHIP_TEMP", "chipset"),
        ("AUXTIN0", "other"),
    ]
    systin = sensors["nct6779/temp1"]
    assert (systin.celsius, systin.critical_celsius, systin.near_critical) == (45.0, 95.0, False)


def test_trip_points_and_failing_zone(synthetic: Tree) -> None:
    zones = {z.name: z for z in read_temperatures(synthetic.roots).zones}
    zone0 = zones["thermal_zone0"]
    assert zone0.mode == "enabled"
    assert [(t.index, t.type, t.celsius, t.hysteresis_celsius) for t in zone0.trip_points] == [
        (0, "passive", 85.0, 2.0),
        (1, "critical", 95.0, 0.0),
        (2, "active", 60.0, None),
    ]
    assert zone0.critical_celsius == 95.0
    zone1 = zones["thermal_zone1"]
    assert (zone1.type, zone1.kind, zone1.celsius) == ("x86_pkg_temp", "cpu", None)
    assert [(t.index, t.type, t.celsius) for t in zone1.trip_points] == [(0, "critical", 100.0)]


def test_highest_and_of_kind(synthetic: Tree) -> None:
    temps = read_temperatures(synthetic.roots)
    assert temps.highest() == 62.0  # amdgpu mem
    assert temps.highest("cpu") == 55.0
    assert temps.highest("storage") == 45.85
    assert {s.chip for s in temps.of_kind("gpu")} == {"0000:00:03_1_0000:0a:00_0"}


def test_backend_and_snapshot(ne_tree: Tree) -> None:
    from darwin_metrics.collect import capabilities, take_snapshot

    backend = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs)
    assert backend.temperatures() == read_temperatures(ne_tree.roots)
    snap = take_snapshot(backend, include_processes=False)
    assert snap.temperatures is not None
    assert len(snap.temperatures.sensors) == 15
    caps = {c.name: c for c in capabilities(backend).families}
    assert caps["temperatures"].supported
    assert "sensors[].celsius" in caps["temperatures"].fields


# -- classification rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chip", "label", "index", "sensor_type", "kind"),
    [
        ("coretemp", "Package id 0", 1, None, "cpu"),
        ("k10temp", "Tctl", 1, None, "cpu"),
        ("k10temp", "Tccd1", 3, None, "cpu"),
        ("zenpower", "Tdie", 1, None, "cpu"),
        ("amdgpu", "mem", 3, None, "gpu"),
        ("nouveau", None, 1, None, "gpu"),
        ("nvme", "Composite", 1, None, "storage"),
        ("drivetemp", None, 1, None, "storage"),
        ("jc42", None, 1, None, "memory"),
        ("spd5118", None, 1, None, "memory"),
        ("acpitz", None, 1, None, "ambient"),
        ("iwlwifi_1", None, 1, None, "other"),
        ("pch_cannonlake", None, 1, None, "chipset"),
        ("BAT0", None, 1, None, "battery"),
        ("thinkpad", None, 1, None, "cpu"),
        ("thinkpad", None, 2, None, "other"),
        ("thinkpad", "GPU", 4, None, "gpu"),
        ("nct6798", "SYSTIN", 1, None, "ambient"),
        ("nct6798", "CPUTIN", 2, None, "cpu"),
        ("nct6798", "PECI Agent 0", 7, None, "cpu"),
        ("nct6798", "PCH_CHIP_CPU_MAX_TEMP", 8, None, "cpu"),
        ("nct6798", "PCH_CHIP_TEMP", 9, None, "chipset"),
        ("nct6798", "AUXTIN1", 4, None, "other"),
        ("it8728", None, 1, 6, "cpu"),  # tempN_type 6: Intel PECI
        ("it8728", None, 2, 4, "other"),  # thermistor
        ("dell_smm", "SODIMM", 2, None, "memory"),
        ("dell_smm", "Ambient", 3, None, "ambient"),
        ("asus_wmi_sensors", "Motherboard Temperature", 2, None, "ambient"),
        ("asus_wmi_sensors", "Chipset Temperature", 3, None, "chipset"),
        ("cpu_thermal", None, 1, None, "cpu"),
        ("gpu_thermal", None, 1, None, "gpu"),
        (None, "foosensor", 1, None, "other"),
        (None, None, 1, None, "other"),
    ],
)
def test_classify_sensor(
    chip: str | None, label: str | None, index: int, sensor_type: int | None, kind: str
) -> None:
    assert classify_sensor(chip, label, index=index, sensor_type=sensor_type) == kind


@pytest.mark.parametrize(
    ("zone_type", "kind"),
    [
        ("x86_pkg_temp", "cpu"),
        ("cpu-thermal", "cpu"),
        ("cpu0-thermal", "cpu"),
        ("bcm2835_thermal", "cpu"),
        ("soc_thermal", "cpu"),
        ("B0D4", "cpu"),
        ("TCPU", "cpu"),
        ("acpitz", "ambient"),
        ("TSKN", "ambient"),
        ("pch_skylake", "chipset"),
        ("iwlwifi_1", "other"),
        ("gpu-thermal", "gpu"),
        ("TMEM", "memory"),
        ("TBAT", "battery"),
        ("INT3400 Thermal", "other"),
        ("SEN1", "other"),
    ],
)
def test_classify_zone(zone_type: str, kind: str) -> None:
    assert classify_zone(zone_type) == kind


@pytest.mark.parametrize(
    ("device", "name", "directory", "shared", "ident"),
    [
        ("/s/devices/platform/coretemp.0", "coretemp", "/s/x/hwmon0", False, "platform_coretemp_0"),
        (
            "/s/devices/platform/applesmc.768",
            "applesmc",
            "/s/x/hwmon2",
            False,
            "platform_applesmc_768",
        ),
        (
            "/s/devices/platform/asus-nb-wmi",
            "asus",
            "/s/x/hwmon6",
            True,
            "platform_asus_nb_wmi_asus",
        ),
        ("/s/devices/nvme/nvme0", "nvme", "/s/x/hwmon3", False, "nvme_nvme0"),
        (None, "nct6779", "/s/x/hwmon3", False, "nct6779"),
        (None, None, "/s/class/hwmon/hwmon4", False, "hwmon4"),
        (None, "  ", "/s/class/hwmon/hwmon4/", False, "hwmon4"),
    ],
)
def test_chip_id(
    device: str | None, name: str | None, directory: str, shared: bool, ident: str
) -> None:
    assert chip_id(device, name, directory, shared=shared) == ident


@pytest.mark.live
def test_live_against_psutil() -> None:
    """This machine: every hwmon temperature psutil sees, we see too, within 5 °C (live drift);
    fans within 10 % of their speed. (On a VM without hwmon both sides are empty.)"""
    psutil = pytest.importorskip("psutil")
    backend = LinuxBackend()
    ours = backend.temperatures().sensors
    theirs = psutil.sensors_temperatures()
    for chip_name, entries in theirs.items():
        mine = [s for s in ours if s.chip_name == chip_name]
        if not mine:
            continue  # psutil's thermal-zone fallback or its coretemp platform scan
        assert len(mine) >= len(entries)
        for entry in entries:
            candidates = [s.celsius for s in mine if (s.label or "") == entry.label]
            assert candidates and min(abs(c - entry.current) for c in candidates) <= 5.0
    fans = backend.fans()
    for chip_name, entries in psutil.sensors_fans().items():
        speeds = [f.rpm for f in fans if f.chip_name == chip_name and f.rpm is not None]
        for entry in entries:
            assert any(abs(rpm - entry.current) <= 0.1 * entry.current + 50 for rpm in speeds)
