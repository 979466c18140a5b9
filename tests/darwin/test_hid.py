"""HID temperature sensors of Apple Silicon: the decoder on the documented sensor names, and the
IOHIDEventSystemClient calls on stand-ins (matching dictionary, releases of client, service list,
names and events)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from darwin_metrics.darwin.decode import hid
from tests.darwin import formats

READINGS = [
    ("pACC MTR Temp Sensor2", 48.5), ("pACC MTR Temp Sensor2", 49.0),
    ("eACC MTR Temp Sensor0", 41.0), ("GPU MTR Temp Sensor1", 39.25),
    ("NAND CH0 temp", 33.0), ("gas gauge battery", 29.5), ("PMU tdie3", 45.0),
    ("ANE MTR", -9200.0), ("ISP MTR", 0.0), ("SOC MTR Temp Sensor0", float("nan")), (None, 40.0),
    ("PMGR SOC Die Temp Sensor1", None),
]  # fmt: skip


def test_decode_classifies_and_filters() -> None:
    sensors, dropped = hid.sensors(READINGS)
    assert dropped == 5
    kinds = {s.sensor: s.kind for s in sensors}
    assert kinds == {
        "GPU MTR Temp Sensor1": "gpu", "NAND CH0 temp": "storage", "PMU tdie3": "chipset",
        "eACC MTR Temp Sensor0": "cpu", "gas gauge battery": "battery",
        "pACC MTR Temp Sensor2": "cpu", "pACC MTR Temp Sensor2#2": "cpu",
    }  # fmt: skip
    assert all(s.chip == "hid" and s.label for s in sensors)


def test_hid_sensors_join_the_smc_ones(darwin_fixtures: Path) -> None:
    from darwin_metrics.darwin.backend import DarwinBackend
    from darwin_metrics.darwin.ffi import loader
    from tests.darwin.fakes import Entry, FakeCF, FakeIOKit, FakeLibSystem

    system, cf = FakeLibSystem(), FakeCF()
    io = FakeIOKit(cf)
    system.by_name["hw.optional.arm64"] = (1).to_bytes(4, "little")
    io.add(Entry("AppleSMC", ("AppleSMC", "IOService")))
    dump = formats.smc_dump(
        darwin_fixtures / "darwindumped_MacBookPro17-1_M1_macOS11_smc_keys_dump.txt"
    )
    io.smc = {k: (t, raw) for k, (t, raw, _) in dump.items()}
    io.hid_sensors = [(n, c) for n, c in READINGS if n is not None]
    with loader.substitute(libSystem=system, CoreFoundation=cf, IOKit=io):
        temps = DarwinBackend().temperatures()
    mac = SimpleNamespace(io=io, cf=cf)
    assert mac.io.hid_matching == {"PrimaryUsagePage": 0xFF00, "PrimaryUsage": 5}
    assert {s.chip for s in temps.sensors} == {"smc", "hid"}
    hid_cpu = [s.celsius for s in temps.sensors if s.chip == "hid" and s.kind == "cpu"]
    assert max(hid_cpu) == pytest.approx(49.0)
    assert temps.highest("cpu") == pytest.approx(81.531)  # SMC Tp4z of the captured M1
    assert cf.leaks() == {} and cf.bad_releases == [] and io.leaks() == {}
