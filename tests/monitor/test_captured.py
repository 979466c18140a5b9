"""The Monitor over a captured tree (node_exporter's): the production readers and detectors on
fixed data, and no kernel push sources (they would describe this machine, not the capture)."""

from __future__ import annotations

import msgspec

from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.monitor import Monitor, ThresholdCrossed, VolumeUnmounted
from darwin_metrics.records.disk import Volume
from tests.conftest import Tree


def test_captured_tree_polls_and_reports_changes(ne_tree: Tree) -> None:
    backend = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs)
    monitor = Monitor(interval=0.1, backend=backend)
    monitor.threshold("memory.total>0")
    first = monitor.tick()
    assert [type(e) for e in first] == [ThresholdCrossed]
    sample = monitor.last_sample
    assert sample is not None and sample.snapshot.memory is not None
    assert sample.snapshot.memory.total == backend.memory().total
    assert monitor.tick() == []  # the same capture again: nothing changed

    volumes = backend.volumes()
    assert volumes
    original = backend.volumes

    def one_less(all: bool = False) -> tuple[Volume, ...]:
        return original(all=all)[1:]

    backend.volumes = one_less  # type: ignore[method-assign]
    gone = [e for e in monitor.tick() if isinstance(e, VolumeUnmounted)]
    assert [e.mount_point for e in gone] == [volumes[0].mount_point]
    assert not gone[0].pushed

    with monitor:
        assert monitor.stats.pushed_sources == ()


def test_events_encode_as_tagged_json() -> None:
    event = ThresholdCrossed(
        observed_at=1.5,
        rule="cpu.percent>90",
        path="cpu.percent",
        value=95.0,
        threshold=90.0,
        direction="above",
        active=True,
    )
    data = msgspec.json.decode(msgspec.json.encode(event))
    assert data["event"] == "threshold_crossed" and data["pushed"] is False
    assert msgspec.json.decode(msgspec.json.encode(event), type=ThresholdCrossed) == event
