"""The fan-control state directory against another user (issue 9, security).

An unprivileged user (``nobody``, through ``subprocess(user=...)``) prepares the state directory:
plants symlinks, writes state files naming files it wants root to overwrite. Root then runs the
restore (``restore_pending``, a ``fan_control`` entry, ``darwin-metrics fan set``) in a temporary
tree whose sysfs is a fake hwmon tree. The victim file must never change and nothing may be written
outside the tree's ``pwmN`` / ``pwmN_enable`` attributes.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from darwin_metrics.linux import fancontrol
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.fancontrol import FanControlError, restore_pending
from darwin_metrics.linux.parsers.fanstate import PwmState, format_state
from darwin_metrics.linux.statefiles import UnsafeStateError
from tests.conftest import REPO, Tree
from tests.support import sensor_tree
from tests.support.sensor_tree import NCT_DIR, read

FAN = "nct6779/fan1"
PRECIOUS = "precious contents\n"
FAST = {"spin_check": 0.0, "watchdog_interval": 0.0}

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the attacks need root to run the restore and to act as nobody"
)


@pytest.fixture
def base() -> Iterator[Path]:
    """A world-traversable temporary directory (pytest's own are 0700: nobody cannot enter)."""
    path = Path(tempfile.mkdtemp(prefix="dm-fan-attack-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def tree(ne_tree: Tree, tmp_path_factory: pytest.TempPathFactory, base: Path) -> Tree:
    return sensor_tree.fan_subset(sensor_tree.template(ne_tree, tmp_path_factory), base / "t")


@pytest.fixture
def nct(tree: Tree) -> Path:
    return tree.sys / NCT_DIR


@pytest.fixture
def victim(base: Path) -> Path:
    path = base / "victim"
    path.write_text(PRECIOUS)
    path.chmod(0o644)
    return path


def as_nobody(script: str) -> None:
    """Run a shell script as the unprivileged user ``nobody``."""
    subprocess.run(["/bin/sh", "-ec", script], user="nobody", check=True, timeout=30)


def attacker_dir(base: Path) -> Path:
    """A state directory owned by nobody, as a user would make with ``mkdir``."""
    path = base / "state"
    path.mkdir()
    nobody = pwd.getpwnam("nobody")
    os.chown(path, nobody.pw_uid, nobody.pw_gid)
    path.chmod(0o755)
    return path


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def state_bytes(pwm_path: str, enable_path: str | None, enable: int | None = 5) -> bytes:
    return format_state(
        PwmState(
            fan=FAN,
            pwm_path=pwm_path,
            enable_path=enable_path,
            pwm=0,
            enable=enable,
            pid=dead_pid(),
            created=time.time(),
        )
    )


def test_state_dir_owned_by_another_user_is_refused(tree: Tree, base: Path, victim: Path) -> None:
    state = attacker_dir(base)
    payload = state_bytes(str(victim), str(victim)).decode()
    as_nobody(f"printf '%s' '{payload}' > {state}/pwm-nct6779-1.json")
    with pytest.raises(UnsafeStateError, match="owned by uid"):
        restore_pending(str(state), procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)
    assert victim.read_text() == PRECIOUS


def test_world_writable_state_dir_is_refused(tree: Tree, base: Path, victim: Path) -> None:
    state = base / "state"
    state.mkdir()
    state.chmod(0o777)
    payload = state_bytes(str(victim), None).decode()
    as_nobody(f"printf '%s' '{payload}' > {state}/pwm-nct6779-1.json")
    with pytest.raises(UnsafeStateError, match="writable by group or others"):
        restore_pending(str(state), procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)
    assert victim.read_text() == PRECIOUS


def test_state_dir_symlink_is_refused(tree: Tree, base: Path, victim: Path) -> None:
    real = base / "real"
    real.mkdir(mode=0o700)
    (real / "pwm-nct6779-1.json").write_bytes(state_bytes(str(victim), None))
    link = base / "state"
    link.symlink_to(real)
    with pytest.raises(UnsafeStateError, match="symlink"):
        restore_pending(str(link), procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)
    assert victim.read_text() == PRECIOUS


def test_state_file_left_by_another_user_is_ignored(tree: Tree, base: Path, victim: Path) -> None:
    state = base / "state"
    state.mkdir()
    state.chmod(0o777)
    payload = state_bytes(str(victim), None).decode()
    as_nobody(f"printf '%s' '{payload}' > {state}/pwm-nct6779-1.json")
    state.chmod(0o700)  # root tightened the directory, but the planted file is still there
    assert restore_pending(str(state), procfs=tree.roots.procfs, sysfs=tree.roots.sysfs) == ()
    assert victim.read_text() == PRECIOUS


def test_state_file_symlink_is_not_followed(tree: Tree, base: Path, victim: Path) -> None:
    state = base / "state"
    state.mkdir(mode=0o700)
    (state / "pwm-nct6779-1.json").symlink_to(victim)
    assert restore_pending(str(state), procfs=tree.roots.procfs, sysfs=tree.roots.sysfs) == ()
    assert victim.read_text() == PRECIOUS


@pytest.mark.parametrize(
    "target",
    [
        "victim",  # any absolute path
        "chip/../../../../../../../victim",  # a traversal out of the chip
        "chip/temp2_crit",  # an attribute of the chip that is not a pwm channel
        "chip/pwm9",  # a symlink planted in the chip pointing out of sysfs
        "chip/name_enable",
    ],
)
def test_paths_outside_the_hwmon_pwm_attributes_are_refused(
    tree: Tree, base: Path, victim: Path, nct: Path, target: str
) -> None:
    (nct / "pwm9").symlink_to(victim)
    before = read(nct / "temp2_crit")
    path = str(victim) if target == "victim" else str(nct / target.removeprefix("chip/"))
    state = base / "state"
    state.mkdir(mode=0o700)
    (state / "pwm-nct6779-1.json").write_bytes(state_bytes(path, str(nct / "pwm1_enable")))
    assert restore_pending(str(state), procfs=tree.roots.procfs, sysfs=tree.roots.sysfs) == ()
    assert victim.read_text() == PRECIOUS
    assert read(nct / "temp2_crit") == before
    assert os.listdir(state) == []  # the untrusted file is removed


def test_enable_path_outside_is_refused(tree: Tree, base: Path, victim: Path, nct: Path) -> None:
    state = base / "state"
    state.mkdir(mode=0o700)
    (state / "pwm-nct6779-1.json").write_bytes(state_bytes(str(nct / "pwm1"), str(victim)))
    assert restore_pending(str(state), procfs=tree.roots.procfs, sysfs=tree.roots.sysfs) == ()
    assert victim.read_text() == PRECIOUS
    assert read(nct / "pwm1") == "153"


def test_genuine_state_file_is_still_restored(tree: Tree, base: Path, nct: Path) -> None:
    state = base / "state"
    state.mkdir(mode=0o700)
    (nct / "pwm1_enable").write_text("1\n")
    data = state_bytes(str(nct / "pwm1"), str(nct / "pwm1_enable"))
    (state / "pwm-nct6779-1.json").write_bytes(data)
    assert restore_pending(str(state), procfs=tree.roots.procfs, sysfs=tree.roots.sysfs) == (FAN,)
    assert read(nct / "pwm1_enable") == "5"


def test_planted_temporary_names_are_not_followed(
    tree: Tree, base: Path, victim: Path, nct: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fancontrol, "is_root", lambda: True)
    state = base / "state"
    state.mkdir(mode=0o700)
    for pid in range(os.getpid() - 2, os.getpid() + 3):  # the old predictable names
        (state / f"pwm-nct6779-1.json.{pid}.tmp").symlink_to(victim)
    backend = LinuxBackend(procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)
    with backend.fan_control(FAN, state_dir=str(state), **FAST) as ctl:
        ctl.set_duty(40)
        saved = state / "pwm-nct6779-1.json"
        assert stat.S_IMODE(saved.lstat().st_mode) == 0o600
        assert not saved.is_symlink()
    assert victim.read_text() == PRECIOUS
    assert read(nct / "pwm1_enable") == "5"


def test_fan_control_refuses_an_attacker_dir_before_any_write(
    tree: Tree, base: Path, victim: Path, nct: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fancontrol, "is_root", lambda: True)
    state = attacker_dir(base)
    backend = LinuxBackend(procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)
    with pytest.raises(UnsafeStateError):
        backend.fan_control(FAN, state_dir=str(state), **FAST).__enter__()
    assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("5", "153")
    assert not fancontrol._active.controllers


def test_fan_set_cli_as_root_refuses_an_attacker_dir(
    tree: Tree, base: Path, victim: Path, nct: Path
) -> None:
    state = attacker_dir(base)
    payload = state_bytes(str(victim), str(victim)).decode()
    as_nobody(f"printf '%s' '{payload}' > {state}/pwm-nct6779-1.json")
    as_nobody(f"ln -s {victim} {state}/.pwm-nct6779-1.json.tmp")
    env = dict(
        os.environ, DARWIN_METRICS_PROCFS=tree.roots.procfs, DARWIN_METRICS_SYSFS=tree.roots.sysfs
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "darwin_metrics",
            "fan",
            "set",
            FAN,
            "40",
            "--for",
            "0",
            "--spin-check",
            "0",
            "--state-dir",
            str(state),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "owned by uid" in done.stderr
    assert victim.read_text() == PRECIOUS
    assert (read(nct / "pwm1_enable"), read(nct / "pwm1")) == ("5", "153")


def test_fan_state_write_refuses_fifo_and_symlink_attributes(
    tree: Tree, base: Path, victim: Path, nct: Path
) -> None:
    os.unlink(nct / "pwm1")
    (nct / "pwm1").symlink_to(victim)
    with pytest.raises(FanControlError, match="symlink"):
        fancontrol._write(str(nct / "pwm1"), 1)
    os.unlink(nct / "pwm1")
    os.mkfifo(nct / "pwm1")
    with pytest.raises(FanControlError, match="not a regular file"):
        fancontrol._write(str(nct / "pwm1"), 1)
    assert victim.read_text() == PRECIOUS
