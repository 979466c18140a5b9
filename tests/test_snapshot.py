"""snapshot() and capabilities() over a backend: failures become None, fields are listed."""

from __future__ import annotations

import json

from darwin_metrics.backend import Backend
from darwin_metrics.errors import AccessDenied, ParseError
from darwin_metrics.records import to_dict
from darwin_metrics.records.memory import Memory, Pressure, Swap
from darwin_metrics.snapshot import capabilities, take_snapshot


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
