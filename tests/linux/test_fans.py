"""Fans: hwmon tachometers and PWM channels on the captured tree, the hand-made overlay
(tests/data/sensors, synthetic) and node_exporter's oracle."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.fans import read_fans
from darwin_metrics.records.sensors import Fan
from tests.conftest import Tree
from tests.support import sensor_tree
from tests.support.sensor_tree import oracle


@pytest.fixture(scope="module")
def synthetic(ne_tree: Tree, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tree]:
    yield sensor_tree.template(ne_tree, tmp_path_factory)


def by_id(fans: tuple[Fan, ...]) -> dict[str, Fan]:
    return {f.id: f for f in fans}


def test_ne_fans_exact(ne_tree: Tree) -> None:
    fans = read_fans(ne_tree.roots)
    assert [
        (f.id, f.label, f.rpm, f.min_rpm, f.max_rpm, f.target_rpm, f.mode, f.enable) for f in fans
    ] == [
        # applesmc: the old layout, attributes in hwmon2/device; fanN_manual=0 -> automatic
        ("platform_applesmc_768/fan1", "Left side", 0, 2160, 6156, 2160, "automatic", None),
        ("platform_applesmc_768/fan2", "Right side", 1998, 2000, 5700, 2000, "automatic", None),
        # nct6779: pwm1 (enable 5, SmartFan IV) has no tachometer; fan2 has no PWM
        ("nct6779/fan1", None, None, None, None, None, "automatic", 5),
        ("nct6779/fan2", None, 1098, 0, None, 27000, None, None),
        # asus-nb-wmi: two hwmon directories share one device
        ("platform_asus_nb_wmi_asus/fan1", None, None, None, None, None, "automatic", 2),
        (
            "platform_asus_nb_wmi_asus_wmi_sensors/fan1",
            None,
            None,
            None,
            None,
            None,
            "automatic",
            2,
        ),
    ]
    f = by_id(fans)
    assert f["nct6779/fan1"].drive == "pwm"  # pwm1_mode 1
    assert f["nct6779/fan1"].min_duty_percent == pytest.approx(100 / 255)  # start/floor 1
    assert f["nct6779/fan1"].duty_percent is None  # no plain pwm1 in the capture
    assert f["nct6779/fan2"].alarm is False
    assert all(not fan.controllable for fan in fans)  # no pwmN duty file anywhere
    applesmc = f["platform_applesmc_768/fan1"]
    assert applesmc.safe_rpm is None  # fan1_safe is empty in the capture
    assert applesmc.path == os.path.realpath(ne_tree.sys / "devices/platform/applesmc.768")


def test_fans_match_node_exporter_oracle(ne_tree: Tree) -> None:
    fans = by_id(read_fans(ne_tree.roots))
    for metric, field in (
        ("node_hwmon_fan_rpm", "rpm"),
        ("node_hwmon_fan_min_rpm", "min_rpm"),
        ("node_hwmon_fan_max_rpm", "max_rpm"),
        ("node_hwmon_fan_target_rpm", "target_rpm"),
        ("node_hwmon_fan_output", "target_rpm"),  # applesmc's fanN_output
        ("node_hwmon_fan_alarm", "alarm"),
    ):
        expected = oracle(metric)
        assert expected, metric
        for labels, value in expected.items():
            d = dict(labels)
            assert getattr(fans[f"{d['chip']}/{d['sensor']}"], field) == value, (metric, d)
    for labels, value in oracle("node_hwmon_fan_manual").items():
        d = dict(labels)
        assert fans[f"{d['chip']}/{d['sensor']}"].mode == ("manual" if value else "automatic")
    for metric, field in (("node_hwmon_pwm_enable", "enable"), ("node_hwmon_pwm_mode", "drive")):
        for labels, value in oracle(metric).items():
            d = dict(labels)
            fan = fans[f"{d['chip']}/fan{d['sensor'].removeprefix('pwm')}"]
            ours = getattr(fan, field)
            assert ours == ({0: "dc", 1: "pwm"}[int(value)] if field == "drive" else value)
    # every tachometer the oracle knows, and no other, carries an rpm
    assert {k for k, f in fans.items() if f.rpm is not None} == {
        f"{dict(k)['chip']}/{dict(k)['sensor']}" for k in oracle("node_hwmon_fan_rpm")
    }


def test_synthetic_pwm_channels(synthetic: Tree) -> None:
    fans = by_id(read_fans(synthetic.roots))
    nct = fans["nct6779/fan1"]
    assert (nct.rpm, nct.min_rpm, nct.mode, nct.enable) == (870, 300, "automatic", 5)
    assert nct.duty_percent == pytest.approx(60.0)  # pwm1 153 / 255
    assert nct.controllable is (os.geteuid() == 0)
    amd = fans["0000:00:03_1_0000:0a:00_0/fan1"]
    assert (amd.chip_name, amd.rpm, amd.min_rpm, amd.max_rpm, amd.target_rpm) == (
        "amdgpu",
        1520,
        0,
        3300,
        1500,
    )
    assert amd.duty_percent == pytest.approx(77 * 100 / 255)
    assert (amd.mode, amd.enable, amd.min_duty_percent) == ("automatic", 2, 0.0)
    # pwm-fan: pwm1_enable is a regulator policy, the duty always holds -> manual
    pwmfan = fans["platform_pwm_fan/fan1"]
    assert (pwmfan.chip_name, pwmfan.rpm, pwmfan.mode, pwmfan.enable) == (
        "pwmfan",
        None,
        "manual",
        1,
    )
    assert pwmfan.duty_percent == pytest.approx(100 * 100 / 255)
    # the faulty chip: a negative fan1_input is no reading; fan2 reads 0 (stopped or no signal)
    assert (fans["it8728/fan1"].rpm, fans["it8728/fan2"].rpm, fans["it8728/fan2"].min_rpm) == (
        None,
        0,
        200,
    )


def test_not_root_means_not_controllable(synthetic: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert not any(f.controllable for f in read_fans(synthetic.roots))


def test_backend_snapshot_and_capabilities(ne_tree: Tree) -> None:
    from darwin_metrics.collect import capabilities, take_snapshot

    backend = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs)
    assert backend.fans() == read_fans(ne_tree.roots)
    snap = take_snapshot(backend, include_processes=False)
    assert snap.fans is not None and len(snap.fans) == 6
    caps = {c.name: c for c in capabilities(backend).families}
    assert caps["fans"].supported
    assert "[].rpm" in caps["fans"].fields


def test_no_hwmon_means_no_fans(tmp_path: os.PathLike[str]) -> None:
    backend = LinuxBackend(procfs=str(tmp_path), sysfs=str(tmp_path))
    assert backend.fans() == ()
    temps = backend.temperatures()
    assert (temps.sensors, temps.zones, temps.cooling_devices) == ((), (), ())
