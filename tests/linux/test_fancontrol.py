"""Fan control on a writable copy of the node_exporter tree with the hand-made PWM files
(tests/data/sensors, synthetic): snapshot, restore on every path, refusals, spin check, watchdog.

nct6779's ``pwm1`` starts at 153 with ``pwm1_enable`` 5 (SmartFan IV, automatic); its ``temp2``
(CPUTIN) reads 48 °C with a critical limit of 100 °C.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from darwin_metrics.errors import AccessDenied, NotSupported
from darwin_metrics.fanregistry import HANDLED_SIGNALS
from darwin_metrics.linux import fancontrol
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.fancontrol import FanControlError, FanController, restore_pending
from darwin_metrics.linux.parsers.fanstate import PwmState, format_state
from tests.conftest import REPO, Tree
from tests.support import sensor_tree
from tests.support.sensor_tree import NCT_DIR, read, write

FAN = "nct6779/fan1"
FAST = {"spin_check": 0.0, "watchdog_interval": 0.0}


@pytest.fixture
def tree(ne_tree: Tree, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Tree:
    """A small writable copy (hwmon class and platform chips) of the overlaid tree."""
    return sensor_tree.fan_subset(sensor_tree.template(ne_tree, tmp_path_factory), tmp_path / "t")


@pytest.fixture
def backend(tree: Tree) -> LinuxBackend:
    return LinuxBackend(procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def nct(tree: Tree) -> Path:
    return tree.sys / NCT_DIR


@pytest.fixture(autouse=True)
def _no_leftover_controllers() -> Iterator[None]:
    yield
    assert not fancontrol._active.controllers, "a controller was left registered"


@pytest.fixture(autouse=True)
def _as_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree is a private temporary copy: let the tests drive it without being root."""
    monkeypatch.setattr(fancontrol, "is_root", lambda: True)


def control(
    backend: LinuxBackend, state_dir: Path, fan: str = FAN, **options: object
) -> FanController:
    return backend.fan_control(fan, state_dir=str(state_dir), **{**FAST, **options})


def state_files(state_dir: Path) -> list[str]:
    return sorted(os.listdir(state_dir)) if state_dir.exists() else []


# -- snapshot, write order, restore on exit ------------------------------------------------------


def test_set_duty_and_restore_on_exit(backend: LinuxBackend, state_dir: Path, nct: Path) -> None:
    with control(backend, state_dir) as ctl:
        assert state_files(state_dir) == []  # nothing written yet
        setting = ctl.set_duty(40)
        assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("1", "102")
        assert setting.fan == FAN
        assert setting.duty_percent == pytest.approx(40.0)
        assert (setting.mode, setting.enable, setting.rpm, setting.stalled) == (
            "manual",
            1,
            870,
            False,
        )
        assert ctl.snapshot is not None
        assert (ctl.snapshot.enable, ctl.snapshot.pwm) == (5, 153)
        saved = json.loads((state_dir / "pwm-nct6779-1.json").read_text())
        assert (saved["enable"], saved["pwm"], saved["pid"], saved["fan"]) == (
            5,
            153,
            os.getpid(),
            FAN,
        )
        ctl.set_duty(75)
        assert read(nct / "pwm1") == "191"
        assert ctl.snapshot.pwm == 153  # the snapshot is taken once, before the first write
    # the original mode was automatic: only the enable value is written back
    assert read(nct / "pwm1_enable") == "5"
    assert state_files(state_dir) == []


def test_on_the_full_writable_tree(writable_ne_tree: Tree, state_dir: Path) -> None:
    tree = sensor_tree.install(writable_ne_tree)
    nct = tree.sys / NCT_DIR
    backend = LinuxBackend(procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)
    with control(backend, state_dir) as ctl:
        ctl.set_duty(40)
        assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("1", "102")
    assert read(nct / "pwm1_enable") == "5"
    assert state_files(state_dir) == []


def test_restore_of_a_manual_original(backend: LinuxBackend, state_dir: Path, nct: Path) -> None:
    write(nct / "pwm1_enable", 1)
    with control(backend, state_dir) as ctl:
        ctl.set_duty(30)
        assert read(nct / "pwm1") == "76"
    assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("1", "153")


def test_restore_on_exception(backend: LinuxBackend, state_dir: Path, nct: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), control(backend, state_dir) as ctl:
        ctl.set_duty(50)
        assert read(nct / "pwm1_enable") == "1"
        raise RuntimeError("boom")
    assert read(nct / "pwm1_enable") == "5"
    assert state_files(state_dir) == []


def test_explicit_restore_then_new_snapshot(
    backend: LinuxBackend, state_dir: Path, nct: Path
) -> None:
    with control(backend, state_dir) as ctl:
        ctl.set_duty(50)
        ctl.restore()
        assert read(nct / "pwm1_enable") == "5"
        assert ctl.snapshot is None
        ctl.restore()  # idempotent
        ctl.set_duty(60)
        assert ctl.snapshot is not None and ctl.snapshot.enable == 5
    assert read(nct / "pwm1_enable") == "5"


def test_restore_failure_falls_back_to_full_speed(
    backend: LinuxBackend, state_dir: Path, nct: Path
) -> None:
    with control(backend, state_dir) as ctl:
        ctl.set_duty(40)
        # the enable attribute breaks (a driver refusing writes): replace it with a directory
        (nct / "pwm1_enable").unlink()
        (nct / "pwm1_enable").mkdir()
    assert read(nct / "pwm1") == "255"
    assert state_files(state_dir) == []


def test_set_automatic_and_full_speed(backend: LinuxBackend, state_dir: Path, nct: Path) -> None:
    write(nct / "pwm1_enable", 1)
    with control(backend, state_dir) as ctl:
        assert ctl.set_full_speed().enable == 0
        assert read(nct / "pwm1_enable") == "0"
        setting = ctl.set_automatic()
        assert (setting.mode, setting.enable) == ("automatic", 2)
    assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("1", "153")
    with control(backend, state_dir) as ctl:
        ctl.set_automatic(keep=True)
    assert read(nct / "pwm1_enable") == "2"  # kept: automatic is always safe
    assert state_files(state_dir) == []


def test_set_automatic_returns_to_the_original_automatic_mode(
    backend: LinuxBackend, state_dir: Path, nct: Path
) -> None:
    with control(backend, state_dir) as ctl:
        ctl.set_duty(40)
        assert ctl.set_automatic().enable == 5  # SmartFan IV, not the generic 2


# -- refusals ------------------------------------------------------------------------------------


def test_not_root_is_access_denied(
    backend: LinuxBackend, state_dir: Path, nct: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from darwin_metrics.linux import fans

    monkeypatch.setattr(fancontrol, "is_root", fans.is_root)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with (
        pytest.raises(
            AccessDenied, match="needs root: cannot drive nct6779/fan1 as uid 1000"
        ) as info,
        control(backend, state_dir),
    ):
        pass
    assert info.value.path == str(nct / "pwm1")
    assert read(nct / "pwm1_enable") == "5"


def test_refuses_below_the_minimum(backend: LinuxBackend, state_dir: Path, nct: Path) -> None:
    with control(backend, state_dir) as ctl:
        assert ctl.minimum_duty_percent == 20.0
        with pytest.raises(FanControlError, match="below the minimum duty 20%"):
            ctl.set_duty(10)
        assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("5", "153")
        assert state_files(state_dir) == []
        assert ctl.set_duty(10, force=True).duty_percent == pytest.approx(10.2, abs=0.1)
        with pytest.raises(ValueError, match="0-100"):
            ctl.set_duty(101)
    write(nct / "pwm1_start", 128)  # the driver documents a start duty of 50.2 %
    fan = next(f for f in backend.fans() if f.id == FAN)
    with FanController(fan, state_dir=str(state_dir), **FAST) as ctl:
        assert ctl.minimum_duty_percent == pytest.approx(128 * 100 / 255)
        with pytest.raises(FanControlError, match="below the minimum"):
            ctl.set_duty(40)
    with control(backend, state_dir, force=True) as ctl:
        ctl.set_duty(0)  # forced: a stopped fan is asked for, so no spin check
        assert read(nct / "pwm1") == "0"


def test_fan_without_pwm_or_unknown(backend: LinuxBackend, state_dir: Path) -> None:
    with pytest.raises(NotSupported, match="no PWM output"):
        control(backend, state_dir, "platform_applesmc_768/fan1")
    with pytest.raises(NotSupported, match="no fan"):
        control(backend, state_dir, "nosuchchip/fan9")
    with pytest.raises(FanControlError, match="ambiguous"):
        control(backend, state_dir, "fan1")


def test_outside_with_block_is_refused(backend: LinuxBackend, state_dir: Path) -> None:
    ctl = control(backend, state_dir)
    with pytest.raises(FanControlError, match="with"):
        ctl.set_duty(50)


def test_one_controller_per_fan(backend: LinuxBackend, state_dir: Path) -> None:
    with control(backend, state_dir) as ctl:
        ctl.set_duty(50)
        with (
            pytest.raises(FanControlError, match="already controlled"),
            control(backend, state_dir),
        ):
            pass


def test_pwm_fan_driver_keeps_its_enable(
    backend: LinuxBackend, state_dir: Path, tree: Tree
) -> None:
    chip = tree.sys / sensor_tree.PWMFAN_DIR
    with control(backend, state_dir, "platform_pwm_fan/fan1") as ctl:
        setting = ctl.set_duty(60)  # no tachometer: no spin check
        assert (read(chip / "pwm1"), read(chip / "pwm1_enable")) == ("153", "1")
        assert (setting.mode, setting.stalled, setting.rpm) == ("manual", False, None)
        with pytest.raises(NotSupported, match="no automatic mode"):
            ctl.set_automatic()
    assert (read(chip / "pwm1"), read(chip / "pwm1_enable")) == ("100", "1")


# -- spin check and watchdog ---------------------------------------------------------------------


def test_stalled_fan_goes_to_full_speed(backend: LinuxBackend, state_dir: Path, nct: Path) -> None:
    write(nct / "fan1_input", 0)
    sleeps: list[float] = []
    fan = next(f for f in backend.fans() if f.id == FAN)
    with FanController(
        fan, state_dir=str(state_dir), spin_check=2.5, watchdog_interval=0, sleep=sleeps.append
    ) as ctl:
        setting = ctl.set_duty(30)
        assert sleeps == [2.5]
        assert setting.stalled
        assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("1", "255")
        assert setting.duty_percent == 100.0
    assert read(nct / "pwm1_enable") == "5"


def wait_for(condition: object, limit: float = 10.0) -> None:
    """Poll ``condition()`` until true (bounded; not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_watchdog_near_critical(backend: LinuxBackend, state_dir: Path, nct: Path) -> None:
    with control(backend, state_dir, watchdog_interval=0.01) as ctl:
        ctl.set_duty(30)
        assert ctl.hot_sensor() is None
        write(nct / "temp2_input", 95000)  # critical 100 °C - 5 °C
        wait_for(lambda: ctl.tripped is not None)
        assert ctl.tripped == "temp2 at 95 °C, critical 100 °C"
        assert read(nct / "pwm1_enable") == "5"  # back to the chip's own automatic mode
        with pytest.raises(FanControlError, match="watchdog"):
            ctl.set_duty(50)
    assert read(nct / "pwm1_enable") == "5"


def test_watchdog_critical_alarm_from_manual(
    backend: LinuxBackend, state_dir: Path, nct: Path
) -> None:
    write(nct / "pwm1_enable", 1)
    with control(backend, state_dir, watchdog_interval=0.01) as ctl:
        ctl.set_duty(30)
        write(nct / "temp2_crit_alarm", 1)
        wait_for(lambda: ctl.tripped is not None)
        assert ctl.tripped == "temp2 raised its critical alarm"
        assert read(nct / "pwm1_enable") == "2"  # generic automatic
    assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("1", "153")


def test_watchdog_idle_before_any_write(backend: LinuxBackend, state_dir: Path, nct: Path) -> None:
    write(nct / "temp2_input", 99000)
    with control(backend, state_dir, watchdog_interval=0.01) as ctl:
        time.sleep(0.05)
        assert ctl.tripped is None  # nothing of ours is in effect
    assert read(nct / "pwm1_enable") == "5"


# -- signals, atexit, SIGKILL and the state file -------------------------------------------------


def child(tree: Tree, state_dir: Path, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.fan_child",
            tree.roots.procfs,
            tree.roots.sysfs,
            str(state_dir),
            mode,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    return proc


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_restores(tree: Tree, state_dir: Path, nct: Path, signum: int) -> None:
    proc = child(tree, state_dir, "hold")
    assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("1", "102")
    proc.send_signal(signum)
    proc.wait(timeout=60)
    # the previous disposition still runs: the default action, or for SIGINT Python's
    # KeyboardInterrupt, which ends the interpreter by SIGINT as well
    assert proc.returncode == -signum
    assert read(nct / "pwm1_enable") == "5"
    assert state_files(state_dir) == []


def test_signal_chains_to_previous_handler(tree: Tree, state_dir: Path, nct: Path) -> None:
    proc = child(tree, state_dir, "previous-handler")
    proc.send_signal(signal.SIGHUP)
    out, _ = proc.communicate(timeout=60)
    assert f"previous handler {int(signal.SIGHUP)}" in out
    assert proc.returncode == 3
    assert read(nct / "pwm1_enable") == "5"


def test_atexit_restores(tree: Tree, state_dir: Path, nct: Path) -> None:
    proc = child(tree, state_dir, "atexit")
    proc.wait(timeout=60)
    assert proc.returncode == 0
    assert read(nct / "pwm1_enable") == "5"
    assert state_files(state_dir) == []


def test_sigkill_then_restore_pending(tree: Tree, state_dir: Path, nct: Path) -> None:
    proc = child(tree, state_dir, "hold")
    proc.kill()
    proc.wait(timeout=60)
    assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("1", "102")  # left in manual
    assert state_files(state_dir) == ["pwm-nct6779-1.json"]
    assert restore_pending(str(state_dir), sysfs=tree.roots.sysfs) == (FAN,)
    assert read(nct / "pwm1_enable") == "5"
    assert state_files(state_dir) == []
    assert restore_pending(str(state_dir), sysfs=tree.roots.sysfs) == ()


def test_sigkill_then_next_fan_control_restores(
    tree: Tree, backend: LinuxBackend, state_dir: Path, nct: Path
) -> None:
    proc = child(tree, state_dir, "hold")
    proc.kill()
    proc.wait(timeout=60)
    with control(backend, state_dir) as ctl:
        assert read(nct / "pwm1_enable") == "5"  # restored on entry, before any write
        assert state_files(state_dir) == []
        ctl.set_duty(50)
        assert ctl.snapshot is not None and ctl.snapshot.enable == 5
    assert read(nct / "pwm1_enable") == "5"


def test_live_owner_is_left_alone(
    tree: Tree, backend: LinuxBackend, state_dir: Path, nct: Path
) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        state = PwmState(
            fan=FAN,
            pwm_path=str(nct / "pwm1"),
            enable_path=str(nct / "pwm1_enable"),
            pwm=153,
            enable=5,
            pid=sleeper.pid,
            created=time.time(),
        )
        state_dir.mkdir()
        (state_dir / "pwm-nct6779-1.json").write_bytes(format_state(state))
        write(nct / "pwm1_enable", 1)
        assert restore_pending(str(state_dir), sysfs=tree.roots.sysfs) == ()
        with pytest.raises(FanControlError, match=f"controlled by process {sleeper.pid}"):
            control(backend, state_dir).__enter__()
        assert read(nct / "pwm1_enable") == "1"
    finally:
        sleeper.kill()
        sleeper.wait()
    assert restore_pending(str(state_dir), sysfs=tree.roots.sysfs) == (FAN,)
    assert read(nct / "pwm1_enable") == "5"


def test_malformed_state_file_is_removed(state_dir: Path) -> None:
    state_dir.mkdir()
    (state_dir / "pwm-x-1.json").write_text("{not json")
    (state_dir / "unrelated.txt").write_text("kept")
    assert restore_pending(str(state_dir)) == ()
    assert state_files(state_dir) == ["unrelated.txt"]


def test_signal_handlers_are_put_back(backend: LinuxBackend, state_dir: Path) -> None:
    before = {s: signal.getsignal(s) for s in HANDLED_SIGNALS}
    with control(backend, state_dir) as ctl:
        assert signal.getsignal(signal.SIGTERM) is fancontrol._active._handler
        ctl.set_duty(50)
    assert {s: signal.getsignal(s) for s in HANDLED_SIGNALS} == before


def test_controller_in_a_thread(backend: LinuxBackend, state_dir: Path, nct: Path) -> None:
    """Outside the main thread no signal handler can be set; atexit and exit still restore."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with control(backend, state_dir) as ctl:
                ctl.set_duty(50)
                assert read(nct / "pwm1_enable") == "1"
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert errors == []
    assert read(nct / "pwm1_enable") == "5"


def test_public_wrappers(
    tree: Tree, state_dir: Path, nct: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import darwin_metrics
    from darwin_metrics import backend as backend_module

    monkeypatch.setattr(
        backend_module, "_default", LinuxBackend(procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)
    )
    fan = next(f for f in darwin_metrics.fans() if f.id == FAN)
    with darwin_metrics.fan_control(fan, state_dir=str(state_dir), spin_check=0.0) as ctl:
        assert isinstance(ctl, darwin_metrics.FanController)
        ctl.set_duty(45)
    assert read(nct / "pwm1_enable") == "5"
    assert darwin_metrics.restore_pending(str(state_dir)) == ()


def test_cli_fan_list(tree: Tree) -> None:
    env = dict(
        os.environ, DARWIN_METRICS_PROCFS=tree.roots.procfs, DARWIN_METRICS_SYSFS=tree.roots.sysfs
    )
    run = [sys.executable, "-m", "darwin_metrics", "fan"]
    listing = subprocess.run([*run, "list"], capture_output=True, text=True, env=env, timeout=120)
    assert listing.returncode == 0, listing.stderr
    line = next(x for x in listing.stdout.splitlines() if x.startswith("nct6779/fan1 "))
    control = "yes" if os.geteuid() == 0 else "no"  # a writable pwm1, and root
    assert line.split() == ["nct6779/fan1", "-", "870", "RPM", "60%", "automatic", control]
    as_json = subprocess.run(
        [*run, "list", "--json"], capture_output=True, text=True, env=env, timeout=120
    )
    fans = {f["chip"] + "/" + f["name"]: f for f in json.loads(as_json.stdout)}
    assert fans[FAN]["enable"] == 5


@pytest.mark.root
def test_cli_fan_set_and_auto(tree: Tree, state_dir: Path, nct: Path) -> None:
    env = dict(
        os.environ, DARWIN_METRICS_PROCFS=tree.roots.procfs, DARWIN_METRICS_SYSFS=tree.roots.sysfs
    )
    run = [sys.executable, "-m", "darwin_metrics", "fan"]
    hold = subprocess.run(
        [
            *run,
            "set",
            FAN,
            "40",
            "--for",
            "0.1",
            "--spin-check",
            "0",
            "--state-dir",
            str(state_dir),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert hold.returncode == 0, hold.stderr
    assert "nct6779/fan1: duty 40%, mode manual, speed 870 RPM" in hold.stdout
    assert "(restored)" in hold.stdout
    assert read(nct / "pwm1_enable") == "5"

    low = subprocess.run(
        [*run, "set", FAN, "5", "--for", "0", "--state-dir", str(state_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert low.returncode == 1
    assert "below the minimum duty" in low.stderr

    write(nct / "pwm1_enable", 1)
    auto = subprocess.run(
        [*run, "auto", FAN, "--state-dir", str(state_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert auto.returncode == 0, auto.stderr
    assert read(nct / "pwm1_enable") == "2"
    assert state_files(state_dir) == []


def test_unwritable_state_dir_refuses_before_any_write(
    backend: LinuxBackend, tmp_path: Path, nct: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with control(backend, blocker / "state") as ctl:
        with pytest.raises(FanControlError, match="cannot save the fan state"):
            ctl.set_duty(50)
        assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("5", "153")
    assert read(nct / "pwm1_enable") == "5"
