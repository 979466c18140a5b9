"""snapshot() and capabilities() over a backend: failures become None, fields are listed."""

from __future__ import annotations

import json
from typing import Any

from darwin_metrics.backend import Backend
from darwin_metrics.collect import capabilities, take_snapshot
from darwin_metrics.errors import AccessDenied, ParseError
from darwin_metrics.records import to_dict
from darwin_metrics.records.memory import Memory, Pressure, Swap
from tests.conftest import Tree


class PartialBackend(Backend):
    name = "partial"

    def memory(self) -> Memory:
        return Memory(
            total=100,
            available=60,
            used=40,
            free=50,
            swap=Swap(total=0, used=0, free=0),
            pressure=Pressure(level="normal"),
        )

    def disks(self) -> tuple[()]:
        raise ParseError("/proc/diskstats", "garbage")

    def volumes(self, all: bool = False) -> tuple[()]:
        raise AccessDenied("no")


def test_snapshot_keeps_what_works() -> None:
    snap = take_snapshot(PartialBackend())
    assert snap.memory is not None and snap.memory.total == 100
    assert snap.cpu is None and snap.disks is None and snap.volumes is None
    assert snap.processes is None
    data = to_dict(snap)
    assert json.loads(json.dumps(data))["memory"]["used"] == 40


def test_capabilities_lists_present_fields_and_reasons() -> None:
    caps = capabilities(PartialBackend())
    by_name = {f.name: f for f in caps.families}
    assert caps.backend == "partial"
    mem = by_name["memory"]
    assert mem.supported
    assert "total" in mem.fields and "pressure.level" in mem.fields
    assert "buffers" not in mem.fields  # None here, so not offered
    assert not by_name["cpu"].supported
    assert "not available" in (by_name["cpu"].reason or "")
    assert "ParseError" in (by_name["disks"].reason or "")


def test_to_dict_makes_non_finite_floats_null() -> None:
    assert to_dict({"a": float("nan"), "b": (1.0, float("inf"))}) == {"a": None, "b": [1.0, None]}


def test_shared_sources_are_read_once_per_snapshot(ne_tree: Tree, monkeypatch: Any) -> None:
    """GPUs feed gpus, thermal and power; power supplies feed batteries, power and
    power_management: inside one snapshot each source is read once."""
    from darwin_metrics.linux import battery, gpu
    from darwin_metrics.linux.backend import LinuxBackend

    calls = {"gpus": 0, "supplies": 0}
    real_supplies = battery.read_power_sources

    def fake_gpus(roots: Any) -> tuple[()]:
        calls["gpus"] += 1
        return ()

    def counted_supplies(roots: Any) -> Any:
        calls["supplies"] += 1
        return real_supplies(roots)

    monkeypatch.setattr(gpu, "read_gpus", fake_gpus)
    monkeypatch.setattr(battery, "read_power_sources", counted_supplies)
    backend = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs)
    snap = take_snapshot(backend, include_processes=False)
    assert snap.batteries is not None and snap.power_management is not None
    assert calls == {"gpus": 1, "supplies": 1}
    # Outside a snapshot every call reads afresh.
    backend.batteries()
    backend.batteries()
    assert calls["supplies"] == 3
