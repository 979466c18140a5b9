"""The summary's temperature and fan sections, on records read from the captured tree and on
hand-made records (synthetic values)."""

from __future__ import annotations

import os

from darwin_metrics.cli.summary_sensors import fans_section, temperatures_section
from darwin_metrics.collect import take_snapshot
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.records import Sample, Snapshot
from darwin_metrics.records.sensors import Fan, Temperatures, ThermalZone
from darwin_metrics.records.thermal import PackageThrottle, Thermal
from tests.conftest import Tree


def render(sample: Sample) -> str:
    from rich.console import Console

    console = Console(width=110, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(temperatures_section(sample))
    console.print(fans_section(sample))
    return console.export_text()


def test_sections_on_captured_tree(ne_tree: Tree) -> None:
    backend = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs)
    snap = take_snapshot(backend, include_processes=False)
    out = render(Sample(timestamp=snap.timestamp, snapshot=snap))
    lines = [" ".join(line.strip("│ ").split()) for line in out.splitlines()]
    assert "cpu 55 °C 100 °C 10 platform_coretemp_0/Physical id 0" in lines
    assert "other 57 °C - 5 ieee80211_phy0_mt7996_phy0_2/temp1" in lines
    assert "not throttling" in lines
    assert "platform_applesmc_768/fan2 Right side 1998 RPM - automatic" in lines
    assert "nct6779/fan2 - 1098 RPM - -" in lines


def test_sections_on_hand_made_records() -> None:
    snap = Snapshot(
        timestamp=1.0,
        platform="linux",
        temperatures=Temperatures(
            zones=(ThermalZone(name="thermal_zone0", type="acpitz", kind="ambient", celsius=41.5),)
        ),
        fans=tuple(
            Fan(
                chip="c",
                name=f"fan{i}",
                index=i,
                rpm=1000 + i,
                duty_percent=50.0,
                mode="manual",
                path="/x",
            )
            for i in range(10)
        ),
        thermal=Thermal(
            throttling=True,
            sources=("cpu-package0",),
            packages=(PackageThrottle(package=0, count=3),),
        ),
    )
    out = render(Sample(timestamp=1.0, snapshot=snap))
    assert "ambient" in out and "42 °C" in out and "thermal_zone0 (acpitz)" in out
    assert "THROTTLING: cpu-package0" in out
    assert "c/fan7" in out and "c/fan8" not in out
    assert "... 2 more fans (darwin-metrics fan list)" in out


def test_sections_with_nothing_are_not_drawn() -> None:
    empty = Snapshot(timestamp=1.0, platform="linux", temperatures=Temperatures(), fans=())
    sample = Sample(timestamp=1.0, snapshot=empty)
    assert temperatures_section(sample) is None and fans_section(sample) is None
