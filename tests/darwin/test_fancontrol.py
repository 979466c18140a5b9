"""SMC fan control on a fake Mac whose SMC serves captured key dumps (M1 MacBookPro17,1 with an
``Ftst`` unlock key added, Intel MacBookPro11,3 with the ``FS! `` mask and ``fpe2`` targets):
the write sequence, read-back, bounds, restore on exit, on a signal and on the next start after
a SIGKILL, and the temperature watchdog. Root is simulated (``os.geteuid`` patched)."""

from __future__ import annotations

import json
import os
import signal
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, SimpleNamespace

import pytest

from darwin_metrics.darwin import fancontrol
from darwin_metrics.darwin.backend import DarwinBackend
from darwin_metrics.darwin.ffi import loader
from darwin_metrics.errors import AccessDenied, FanControlError
from darwin_metrics.fancontrol import FanController
from tests.darwin import formats
from tests.darwin.fakes import Entry, FakeCF, FakeIOKit, FakeLibSystem, FakeProcess

M1 = "darwindumped_MacBookPro17-1_M1_macOS11_smc_keys_dump.txt"
MBP11 = "darwindumped_MacBookPro11-3_intel_macOS10.10_smc_keys_dump_fpe2.txt"
MBP15 = "darwindumped_MacBookPro15-1_intel_T2_macOS10.14_smc_keys_dump.txt"


def _mac(root: Path, dump: str, *, arm64: bool) -> Iterator[SimpleNamespace]:
    system, cf = FakeLibSystem(), FakeCF()
    io = FakeIOKit(cf)
    system.by_name["hw.optional.arm64"] = int(arm64).to_bytes(4, "little")
    io.add(Entry("AppleSMC", ("AppleSMC", "IOService")))
    io.smc = {k: (t, raw) for k, (t, raw, _) in formats.smc_dump(root / dump).items()}
    system.processes[os.getpid()] = FakeProcess(kinfo=bytes(320))
    with loader.substitute(libSystem=system, CoreFoundation=cf, IOKit=io):
        yield SimpleNamespace(system=system, io=io)
    assert io.leaks() == {} and io.bad_releases == [] and io.bad_closes == []
    assert cf.leaks() == {}


@pytest.fixture
def root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setenv(fancontrol.ENV_STATE_DIR, str(tmp_path))
    return tmp_path


@pytest.fixture
def m1(darwin_fixtures: Path) -> Iterator[SimpleNamespace]:
    for mac in _mac(darwin_fixtures, M1, arm64=True):
        mac.io.smc["Ftst"] = ("ui8 ", b"\x00")  # the unlock key of M1-M4 models
        yield mac


def _flt(raw: bytes) -> float:
    return float(struct.unpack("<f", raw)[0])


def test_duty_written_read_back_and_restored(m1: SimpleNamespace, root: Path) -> None:
    backend = DarwinBackend()
    (fan,) = backend.fans()
    assert fan.controllable
    with backend.fan_control("fan1", watchdog_interval=0) as control:
        assert isinstance(control, FanController)  # the platform-neutral protocol
        assert control.minimum_duty_percent == pytest.approx(max(20.0, 100 * 1199 / 7199))
        setting = control.set_duty(50)
        # Unlock, forced mode, then the target in the key's own type (flt, little-endian).
        assert [k for k, _ in m1.io.smc_writes] == ["Ftst", "F0Md", "F0Tg"]
        assert _flt(m1.io.smc["F0Tg"][1]) == pytest.approx(7199 * 0.5)
        assert (setting.mode, setting.enable) == ("manual", 1)
        assert setting.duty_percent == pytest.approx(50.0, abs=0.01)
        state = json.loads((root / "smc-F0.json").read_text())
        assert (state["mode"], state["target"], state["unlock"]) == ("00", "00000000", "00")
        with pytest.raises(FanControlError):
            control.set_duty(10)  # below the minimum
        assert control.set_duty(10, force=True).duty_percent == pytest.approx(100 * 1199 / 7199)
        assert control.set_full_speed().duty_percent == pytest.approx(100.0)
        with pytest.raises(FanControlError):
            control.set_duty(120)
    assert m1.io.smc["F0Md"][1] == b"\x00" and m1.io.smc["Ftst"][1] == b"\x00"
    assert m1.io.smc["F0Tg"][1] == bytes(4)
    assert not (root / "smc-F0.json").exists()


def test_exception_in_block_restores(m1: SimpleNamespace, root: Path) -> None:
    backend = DarwinBackend()
    with pytest.raises(RuntimeError), backend.fan_control("fan1", watchdog_interval=0) as control:
        control.set_duty(80)
        raise RuntimeError("user code failed")
    assert m1.io.smc["F0Md"][1] == b"\x00"


def test_signal_restores_then_runs_the_previous_handler(m1: SimpleNamespace, root: Path) -> None:
    seen: list[int] = []

    def previous(signum: int, frame: FrameType | None) -> None:
        seen.append(signum)
        assert m1.io.smc["F0Md"][1] == b"\x00"  # restored before the previous handler runs

    old = signal.signal(signal.SIGHUP, previous)
    try:
        with DarwinBackend().fan_control("fan1", watchdog_interval=0) as control:
            control.set_duty(60)
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.01)
            assert seen == [signal.SIGHUP]
        assert signal.getsignal(signal.SIGHUP) is previous  # handler uninstalled
    finally:
        signal.signal(signal.SIGHUP, old)


def test_next_start_restores_after_sigkill(m1: SimpleNamespace, root: Path) -> None:
    # A process that died holding fan 0 in forced mode at 5000 rpm.
    m1.io.smc["F0Md"] = ("ui8 ", b"\x01")
    m1.io.smc["F0Tg"] = ("flt ", struct.pack("<f", 5000.0))
    dead = {"fan": "smc/fan1", "index": 0, "pid": 2**22 + 5, "start_time": 1.0,
            "mode_key": "F0Md", "mode": "00", "target": "00000000", "unlock": None}  # fmt: skip
    (root / "smc-F0.json").write_text(json.dumps(dead))
    (root / "smc-F1.json").write_text("not json")
    assert DarwinBackend().restore_pending_fans() == ("smc/fan1",)
    assert m1.io.smc["F0Md"][1] == b"\x00" and _flt(m1.io.smc["F0Tg"][1]) == 0.0
    assert list(root.iterdir()) == []
    # A live owner's file is left alone.
    alive = dict(dead, pid=os.getpid(), start_time=None, index=3)
    (root / "smc-F3.json").write_text(json.dumps(alive))
    fancontrol._active.controllers[3] = None  # type: ignore[assignment]
    try:
        assert fancontrol.restore_pending() == ()
    finally:
        del fancontrol._active.controllers[3]


def test_older_intel_mask_and_fpe2(darwin_fixtures: Path, root: Path) -> None:
    for mac in _mac(darwin_fixtures, MBP11, arm64=False):
        backend = DarwinBackend()
        left, _right = backend.fans()
        with backend.fan_control(left, watchdog_interval=0) as control:
            control.set_duty(50)
            assert mac.io.smc["FS! "][1] == b"\x00\x01"  # bit 0: fan 0 forced
            assert mac.io.smc["F0Tg"][1] == (round(6156 * 0.5) * 4).to_bytes(2, "big")
            assert control.reading().mode == "manual"
        assert mac.io.smc["FS! "][1] == b"\x00\x00"
        assert mac.io.smc["F0Tg"][1] == bytes.fromhex("43b4")  # the captured target, 4333 rpm


def test_watchdog_hands_the_fan_back(darwin_fixtures: Path, root: Path) -> None:
    for mac in _mac(darwin_fixtures, MBP15, arm64=False):
        backend = DarwinBackend()
        fan = backend.fans()[0]
        # TC0P reads 67.125 °C in this capture: above a 60 °C limit.
        with backend.fan_control(fan, watchdog_interval=0.02, max_celsius=60.0) as control:
            control.set_duty(40)
            deadline = time.monotonic() + 10
            while control.tripped is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert control.tripped is not None and "60" in control.tripped
            assert mac.io.smc["F0Md"][1] == b"\x00"  # automatic again
            with pytest.raises(FanControlError):
                control.set_duty(50)


def test_needs_root(m1: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 501)
    controller = DarwinBackend().fan_control("fan1")
    with pytest.raises(AccessDenied), controller:
        pass
    assert m1.io.smc_writes == []


def test_encode_round_trips() -> None:
    from darwin_metrics.darwin.decode import smc

    for data_type, size, number in (("flt ", 4, 2500.5), ("fpe2", 2, 4333), ("sp78", 2, -3.5),
                                    ("ui8 ", 1, 1), ("ui16", 2, 513)):  # fmt: skip
        assert smc.value(data_type, smc.encode(data_type, number, size)) == number
    for bad in (("ui8 ", 1, 300), ("hex_", 1, 1), ("flt ", 2, 1.0), ("flt ", 4, float("inf"))):
        with pytest.raises(ValueError):
            smc.encode(*bad)


def test_second_controller_of_the_same_fan_is_refused(m1: SimpleNamespace, root: Path) -> None:
    backend = DarwinBackend()
    second = backend.fan_control("fan1", watchdog_interval=0)
    with backend.fan_control("fan1", watchdog_interval=0):
        with pytest.raises(FanControlError):
            second.__enter__()
        assert list(fancontrol._active.controllers) == [0]
    assert fancontrol._active.controllers == {}
    assert m1.io.connections == set()  # the refused controller's SMC connection was closed
