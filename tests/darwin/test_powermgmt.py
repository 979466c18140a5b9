"""Power management on a fake Mac: power assertions (IOPMCopyAssertionsByProcess, synthetic
dictionary in the documented shape), Low Power Mode through the Objective-C runtime stand-in,
AC state and adapter watts from the IOPS stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from darwin_metrics.darwin.backend import DarwinBackend
from darwin_metrics.darwin.decode import powermgmt
from darwin_metrics.darwin.ffi import loader
from tests.darwin.fakes import FakeCF, FakeIOKit, FakeLibSystem, FakeObjC

ASSERTIONS = {
    412: [{"AssertType": "PreventUserIdleSystemSleep", "AssertName": "Playing audio",
           "Process Name": "Music", "AssertPID": 412}],
    98: [{"AssertType": "PreventUserIdleDisplaySleep", "AssertName": "Video Wake Lock",
          "Process Name": "Safari"},
         {"AssertName": "no type: skipped"}],
}  # fmt: skip


def test_decode_assertions() -> None:
    found = powermgmt.assertions(ASSERTIONS)
    assert [(a.pid, a.type, a.process) for a in found] == [
        (98, "PreventUserIdleDisplaySleep", "Safari"),
        (412, "PreventUserIdleSystemSleep", "Music"),
    ]
    assert found[1].name == "Playing audio"
    assert powermgmt.assertions({"x": [], -1: [{"AssertType": "A"}], 5: "junk"}) == ()


@pytest.fixture
def mac() -> Iterator[SimpleNamespace]:
    system, cf, runtime = FakeLibSystem(), FakeCF(), FakeObjC()
    info: dict[str, object] = {"isLowPowerModeEnabled": False}
    runtime.new({"processInfo": runtime.new(info)}, "NSProcessInfo")
    io = FakeIOKit(cf)
    with loader.substitute(libSystem=system, CoreFoundation=cf, IOKit=io, objc=runtime,
                           Foundation=object()):  # fmt: skip
        yield SimpleNamespace(io=io, cf=cf, runtime=runtime, info=info, system=system)
    assert cf.leaks() == {} and cf.bad_releases == [] and io.leaks() == {}


def test_power_management(mac: SimpleNamespace) -> None:
    mac.io.assertions = ASSERTIONS
    mac.io.adapter = {"Watts": 96, "Name": "96W USB-C Power Adapter"}
    mac.io.sources = [{"Type": "InternalBattery", "Name": "InternalBattery-0",
                       "Current Capacity": 80, "Max Capacity": 100,
                       "Power Source State": "AC Power"}]  # fmt: skip
    mac.info["isLowPowerModeEnabled"] = True
    pm = DarwinBackend().power_management()
    assert (pm.on_ac, pm.adapter_watts, pm.low_power_mode, pm.cores) == (True, 96.0, True, ())
    assert [a.process for a in pm.assertions] == ["Safari", "Music"]


def test_power_management_degrades(mac: SimpleNamespace) -> None:
    del mac.info["isLowPowerModeEnabled"]  # macOS 11: no such property
    pm = DarwinBackend().power_management()  # no sources, assertions call fails
    assert (pm.low_power_mode, pm.assertions, pm.adapter_watts) == (None, (), None)
    assert mac.runtime.calls["isLowPowerModeEnabled"] == 0


def test_top_energy_consumers(mac: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import psutil

    from darwin_metrics.darwin.ffi import libproc
    from darwin_metrics.darwin.ffi.structs import KinfoProc, RusageInfoV6
    from tests.darwin.fakes import FakeProcess

    monkeypatch.setattr(libproc, "_rusage_version", None)
    mac.system.by_name["hw.optional.arm64"] = (1).to_bytes(4, "little")
    mac.system.by_name["hw.tbfrequency"] = (24_000_000).to_bytes(8, "little")

    def proc(name: bytes, nanojoules: int) -> FakeProcess:
        kinfo = KinfoProc()
        kinfo.kp_proc.p_comm = name
        return FakeProcess(
            kinfo=bytes(kinfo), rusage={6: bytes(RusageInfoV6(ri_energy_nj=nanojoules))}
        )

    mac.system.processes = {101: proc(b"WindowServer", 5 * 10**9), 103: proc(b"zsh", 10**9),
                            104: proc(b"idle", 0),
                            102: FakeProcess(kinfo=bytes(KinfoProc()), rusage_errno=errno.EPERM)}  # fmt: skip
    monkeypatch.setattr(psutil, "pids", lambda: [101, 102, 103, 104, 2**22 + 1])
    pm = DarwinBackend().power_management()
    assert [(p.pid, p.name, p.energy_joules) for p in pm.top_energy] == [
        (101, "WindowServer", 5.0),
        (103, "zsh", 1.0),
    ]
    mac.system.by_name["hw.optional.arm64"] = (0).to_bytes(4, "little")
    mac.system.by_name["hw.cputype"] = (0x01000007).to_bytes(4, "little")
    assert DarwinBackend().power_management().top_energy == ()  # Intel: not measured
