"""Opt-in fan control through hwmon PWM channels, with the safety procedure of ``docs/sensors.md``.

``Documentation/hwmon/sysfs-interface``: ``pwmN`` is the duty (0-255); ``pwmN_enable`` 0 is full
speed, 1 manual (``pwmN`` holds), 2 and up automatic. The procedure, in the order it runs:

1. Root is required (:class:`~darwin_metrics.errors.AccessDenied` otherwise), and a state file left
   by a process that died without restoring is restored first (:func:`restore_pending`).
2. Before the first write, ``pwmN_enable`` and ``pwmN`` are read and saved, in memory and in a state
   file (default ``/run/darwin-metrics/pwm-<chip>-<N>.json``).
3. ``enable=1`` is written (and read back) before any duty; ``pwmN`` is never written while enable
   is not 1. The duty is read back, since drivers clamp and round.
4. A duty below the channel's minimum (the larger of :data:`DEFAULT_MIN_DUTY_PERCENT` and the
   driver's ``pwmN_min``/``pwmN_start``/``pwmN_floor``) is refused unless ``force=True``.
5. After a duty change the tachometer (``fanN_input``) must show the fan turning ``spin_check``
   seconds later; a stopped fan is put at full speed.
6. A watchdog thread watches the chip's temperatures and hands the fan back to automatic control
   (full speed where there is none) when one reaches its critical value minus 5 °C or raises its
   critical alarm.
7. The snapshot is restored when the ``with`` block ends (normally or by an exception), on SIGTERM,
   SIGINT and SIGHUP (then the previous handler runs), and at interpreter exit. Restore order: the
   duty first when the original mode was manual, then the enable value. If that fails, full speed
   (``enable=0``, else ``pwm=255``).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from types import TracebackType

import msgspec

from darwin_metrics.errors import (
    AccessDenied,
    DarwinMetricsError,
    FanControlError,
    NotSupported,
    ParseError,
)
from darwin_metrics.fanregistry import ActiveControllers, Watchdog
from darwin_metrics.linux import fs
from darwin_metrics.linux.fans import is_root
from darwin_metrics.linux.hwmon import collect_attributes, read_value, real_device
from darwin_metrics.linux.parsers.fanstate import PwmState, format_state, parse_state
from darwin_metrics.linux.parsers.pidstat import parse_pid_stat
from darwin_metrics.linux.parsers.sensors import (
    ENABLE_IS_NOT_MODE,
    fan_mode,
    parse_flag,
    parse_int,
    parse_limit,
    parse_millicelsius,
    parse_rpm,
    percent_to_pwm,
    pwm_to_percent,
)
from darwin_metrics.linux.statefiles import (
    UnsafeStateError,
    open_state_dir,
    pwm_target,
    read_state,
    remove_state,
    write_state,
)
from darwin_metrics.records.sensors import Fan, FanSetting

log = logging.getLogger(__name__)

DEFAULT_STATE_DIR = "/run/darwin-metrics"
#: Environment variable that overrides :data:`DEFAULT_STATE_DIR`.
ENV_STATE_DIR = "DARWIN_METRICS_STATE_DIR"
#: The lowest duty accepted without ``force``, in percent (many fans stall below about 20 %).
DEFAULT_MIN_DUTY_PERCENT = 20.0
#: Seconds after a duty change at which the tachometer must show the fan turning.
DEFAULT_SPIN_CHECK = 3.0
#: Seconds between two watchdog looks at the chip's temperatures.
DEFAULT_WATCHDOG_INTERVAL = 1.0
#: The watchdog acts at ``critical - CRITICAL_MARGIN`` °C.
CRITICAL_MARGIN = 5.0

ENABLE_FULL = 0
ENABLE_MANUAL = 1
ENABLE_AUTOMATIC = 2
FULL_PWM = 255


def state_directory(state_dir: str | None = None) -> str:
    """The state directory: the argument, else ``$DARWIN_METRICS_STATE_DIR``, else the default."""
    return state_dir or os.environ.get(ENV_STATE_DIR) or DEFAULT_STATE_DIR


# --- low-level writes ---------------------------------------------------------------------------


def _write(path: str, value: int) -> None:
    """Write one integer to a sysfs attribute (AccessDenied when refused). A symlink as the last
    component or anything but a regular file (sysfs attributes are regular) is refused."""
    flags = os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    with contextlib.suppress(OSError):  # a missing file is reported by the open below
        if not stat.S_ISREG(os.lstat(path).st_mode) and not os.path.islink(path):
            raise FanControlError(f"refusing to write {path}: not a regular file")
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno in fs.DENIED_ERRNOS or exc.errno == errno.EROFS:
            raise AccessDenied(f"cannot write {path}: {exc.strerror}", path=path) from None
        if exc.errno == errno.ELOOP:
            raise FanControlError(f"refusing to write {path}: it is a symlink") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FanControlError(f"refusing to write {path}: not a regular file")
        os.write(fd, f"{value}\n".encode())
    finally:
        os.close(fd)


def _read(path: str | None) -> int | None:
    return read_value(path, parse_int)


def full_speed(state: PwmState) -> bool:
    """Put the channel at full speed: ``enable=0``, else manual with ``pwm=255``. True on success."""
    if state.enable_path is not None and state.enable_is_mode:
        try:
            _write(state.enable_path, ENABLE_FULL)
            if _read(state.enable_path) == ENABLE_FULL:
                return True
        except (OSError, DarwinMetricsError) as exc:
            log.warning("cannot set %s to full speed: %s", state.enable_path, exc)
    if state.enable_path is not None and state.enable_is_mode:
        try:
            _write(state.enable_path, ENABLE_MANUAL)
        except (OSError, DarwinMetricsError) as exc:
            log.warning("cannot set %s to manual: %s", state.enable_path, exc)
    try:
        _write(state.pwm_path, FULL_PWM)
        return True
    except (OSError, DarwinMetricsError) as exc:
        log.critical("cannot put fan %s at full speed: %s", state.fan, exc)
        return False


def restore_state(state: PwmState) -> bool:
    """Write a snapshot back; on failure put the fan at full speed. True when restored exactly.

    The duty is written first when the original mode was manual (enable 1, or a channel whose
    enable is not a mode), with enable set to 1 before it; the enable value comes after.
    """
    with_mode = state.enable_path is not None and state.enable_is_mode
    manual = not with_mode or state.enable in (None, ENABLE_MANUAL)
    try:
        if manual:
            if with_mode and state.enable_path is not None and _read(state.enable_path) != 1:
                _write(state.enable_path, ENABLE_MANUAL)
            _write(state.pwm_path, state.pwm if state.pwm is not None else FULL_PWM)
        if with_mode and state.enable_path is not None and state.enable is not None:
            if _read(state.enable_path) != state.enable:
                _write(state.enable_path, state.enable)
            if _read(state.enable_path) != state.enable:
                raise FanControlError(f"{state.enable_path} did not take {state.enable}")
        return state.pwm is not None or not manual
    except (OSError, DarwinMetricsError) as exc:
        log.error("cannot restore fan %s: %s; setting full speed", state.fan, exc)
        full_speed(state)
        return False


# --- state files and pending restores -----------------------------------------------------------


def _start_time(pid: int, procfs: str) -> tuple[int, str] | None:
    data = fs.read_optional(os.path.join(procfs, str(pid), "stat"))
    if data is None:
        return None
    try:
        stat = parse_pid_stat(data)
    except ParseError:
        return None
    return stat.starttime, stat.state


def _owner_alive(state: PwmState, procfs: str) -> bool:
    if state.pid == os.getpid():
        return state.pwm_path in _active
    try:
        os.kill(state.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    info = _start_time(state.pid, procfs)
    if info is not None:
        start, run_state = info
        if run_state in ("Z", "X"):
            return False
        if state.start_time is not None and start != state.start_time:
            return False
    return True


def _write_state_file(path: str, state: PwmState) -> None:
    with open_state_dir(os.path.dirname(path), create=True) as dir_fd:
        write_state(dir_fd, os.path.basename(path), format_state(state))


def _read_state_file(path: str) -> bytes | None:
    try:
        with open_state_dir(os.path.dirname(path), create=False) as dir_fd:
            return read_state(dir_fd, os.path.basename(path))
    except (FileNotFoundError, NotADirectoryError):
        return None


def _remove(path: str) -> None:
    try:
        with open_state_dir(os.path.dirname(path), create=False) as dir_fd:
            remove_state(dir_fd, os.path.basename(path))
    except (OSError, UnsafeStateError) as exc:
        log.debug("cannot remove %s: %s", path, exc)


def _trusted_paths(state: PwmState, sysfs: str) -> PwmState | None:
    """``state`` with its paths resolved, or ``None`` when one is not a pwm attribute of a hwmon
    chip under ``sysfs`` (a state file must never make root write anywhere else)."""
    pwm_path = pwm_target(state.pwm_path, sysfs, enable=False)
    enable_path = None
    if state.enable_path is not None:
        enable_path = pwm_target(state.enable_path, sysfs, enable=True)
    if pwm_path is None or (state.enable_path is not None and enable_path is None):
        return None
    return msgspec.structs.replace(state, pwm_path=pwm_path, enable_path=enable_path)


def restore_pending(
    state_dir: str | None = None, *, procfs: str | None = None, sysfs: str | None = None
) -> tuple[str, ...]:
    """Restore every channel whose controlling process died without restoring it (SIGKILL).

    Reads the state files in ``state_dir``; a file whose owner still runs is left alone. Returns
    the ids of the fans restored. A malformed file, or one naming a path that is not a ``pwmN`` /
    ``pwmN_enable`` attribute of a hwmon chip under ``sysfs``, is logged and removed. Raises
    :class:`~darwin_metrics.linux.statefiles.UnsafeStateError` when the directory is a symlink,
    is not owned by the caller or is writable by others (module docstring of ``statefiles``).
    """
    directory = state_directory(state_dir)
    roots = fs.Roots.resolve(procfs, sysfs)
    try:
        with open_state_dir(directory, create=False) as dir_fd:
            return _restore_from(dir_fd, directory, roots)
    except (FileNotFoundError, NotADirectoryError):
        return ()


def _restore_from(dir_fd: int, directory: str, roots: fs.Roots) -> tuple[str, ...]:
    restored = []
    for entry in sorted(os.listdir(dir_fd)):
        if not (entry.startswith("pwm-") and entry.endswith(".json")):
            continue
        path = os.path.join(directory, entry)
        try:
            data = read_state(dir_fd, entry)
        except (UnsafeStateError, OSError) as exc:
            log.warning("ignoring fan state file %s: %s", path, exc)
            continue
        if data is None:
            continue
        try:
            parsed = parse_state(data, path)
        except ParseError as exc:
            log.warning("removing unusable fan state file: %s", exc)
            remove_state(dir_fd, entry)
            continue
        state = _trusted_paths(parsed, roots.sysfs)
        if state is None:
            log.warning("removing fan state file %s: it names a path outside hwmon", path)
            remove_state(dir_fd, entry)
            continue
        if _owner_alive(state, roots.procfs):
            continue
        log.warning("restoring fan %s left by process %d", state.fan, state.pid)
        restore_state(state)
        remove_state(dir_fd, entry)
        restored.append(state.fan)
    return tuple(restored)


#: The controllers of this process that hold a fan, by PWM file.
_active: ActiveControllers[str] = ActiveControllers()


# --- the controller -----------------------------------------------------------------------------


class FanController:
    """Controls one fan's PWM channel inside a ``with`` block, then restores it.

    ``force`` allows duties below the minimum; ``state_dir`` is where the snapshot is kept for a
    restore after SIGKILL; ``spin_check`` (s) is how long after a change the fan must still turn;
    ``watchdog_interval`` (s) how often the watchdog looks at the chip's temperatures;
    ``critical_margin`` (°C) how close to critical it lets them come; ``min_duty_percent`` the
    lowest duty accepted without ``force``.
    """

    def __init__(
        self,
        fan: Fan,
        *,
        force: bool = False,
        state_dir: str | None = None,
        spin_check: float = DEFAULT_SPIN_CHECK,
        watchdog_interval: float = DEFAULT_WATCHDOG_INTERVAL,
        critical_margin: float = CRITICAL_MARGIN,
        min_duty_percent: float = DEFAULT_MIN_DUTY_PERCENT,
        procfs: str | None = None,
        sysfs: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        pwm_path = os.path.join(fan.path, f"pwm{fan.index}")
        if not os.path.exists(pwm_path):
            raise NotSupported(f"fan {fan.id} has no PWM output (pwm{fan.index}) to control")
        enable_path = os.path.join(fan.path, f"pwm{fan.index}_enable")
        self.fan = fan
        self._pwm_path = pwm_path
        self._enable_path = enable_path if os.path.exists(enable_path) else None
        self._enable_is_mode = fan.chip_name not in ENABLE_IS_NOT_MODE
        self._tach_path = self._find_tach()
        self._force = force
        self._state_dir = state_directory(state_dir)
        self._state_file = os.path.join(self._state_dir, f"pwm-{fan.chip}-{fan.index}.json")
        self._spin_check = max(0.0, spin_check)
        self._margin = critical_margin
        self._min_duty = min_duty_percent
        roots = fs.Roots.resolve(procfs, sysfs)
        self._procfs = roots.procfs
        self._sysfs = roots.sysfs
        self._sleep = sleep
        self._lock = threading.RLock()
        self._state: PwmState | None = None
        self._tripped: str | None = None
        self._watchdog = Watchdog(f"fan-watchdog-{self.fan.id}", watchdog_interval, self._watch)
        self._active = False

    # -- properties

    @property
    def minimum_duty_percent(self) -> float:
        """The lowest duty (percent) accepted without ``force``."""
        return max(self._min_duty, self.fan.min_duty_percent or 0.0)

    @property
    def tripped(self) -> str | None:
        """Why the watchdog took control back, or ``None`` while it has not."""
        return self._tripped

    @property
    def snapshot(self) -> PwmState | None:
        """The values saved before the first write (``None`` before any write)."""
        return self._state

    @property
    def state_file(self) -> str:
        """Where the snapshot is kept while this controller has written the channel."""
        return self._state_file

    # -- context manager

    def __enter__(self) -> FanController:
        if not is_root():
            raise AccessDenied(
                f"fan control needs root: cannot drive {self.fan.id} as uid {os.geteuid()}",
                path=self._pwm_path,
            )
        if not os.access(self._pwm_path, os.W_OK):
            raise AccessDenied(f"{self._pwm_path} is not writable", path=self._pwm_path)
        self._check_not_controlled_here()
        restore_pending(self._state_dir, procfs=self._procfs, sysfs=self._sysfs)
        data = _read_state_file(self._state_file)
        if data is not None:
            with contextlib.suppress(ParseError):
                owner = parse_state(data, self._state_file).pid
                raise FanControlError(f"fan {self.fan.id} is controlled by process {owner}")
        _active.add(self._pwm_path, self)
        self._active = True
        self._watchdog.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.restore()
        finally:
            self._watchdog.stop()
            _active.discard(self._pwm_path)
            self._active = False

    # -- requests

    def set_duty(self, percent: float, *, force: bool | None = None) -> FanSetting:
        """Run the fan at ``percent`` duty (0-100) in manual mode; returns what the driver took.

        Refused (:class:`FanControlError`) below :attr:`minimum_duty_percent` unless forced. If the
        fan stops turning, it is put at full speed and the result says ``stalled``.
        """
        self._require_active()
        target = percent_to_pwm(percent)
        floor = self.minimum_duty_percent
        if percent < floor and not (self._force if force is None else force):
            raise FanControlError(
                f"{percent:g}% is below the minimum duty {floor:g}% of fan {self.fan.id} "
                "(pass force=True to go lower)"
            )
        with self._lock:
            self._require_not_tripped()
            state = self._ensure_snapshot()
            try:
                self._set_manual(state)
                _write(self._pwm_path, target)
            except (OSError, DarwinMetricsError) as exc:
                full_speed(state)
                if isinstance(exc, AccessDenied):
                    raise
                raise FanControlError(f"cannot set fan {self.fan.id}: {exc}") from exc
        stalled = target > 0 and self._spin_stalled()
        return self.reading(stalled=stalled)

    def set_full_speed(self) -> FanSetting:
        """Run the fan at full speed (``enable=0`` where supported, else ``pwm=255``)."""
        self._require_active()
        with self._lock:
            state = self._ensure_snapshot()
            if not full_speed(state):
                raise FanControlError(f"cannot put fan {self.fan.id} at full speed")
        return self.reading()

    def set_automatic(self, *, keep: bool = False) -> FanSetting:
        """Hand the fan to the chip's automatic control: the original automatic mode if it had
        one, else ``enable=2``. Falls back to full speed if the driver refuses.

        With ``keep=True`` the fan stays automatic after the block (the snapshot is dropped):
        leaving a fan to its chip is always safe.
        """
        self._require_active()
        if self._enable_path is None or not self._enable_is_mode:
            raise NotSupported(
                f"fan {self.fan.id} has no automatic mode (no pwm{self.fan.index}_enable)"
            )
        with self._lock:
            state = self._ensure_snapshot()
            if not self._automatic(state):
                full_speed(state)
                raise FanControlError(
                    f"fan {self.fan.id} refused automatic mode; it was set to full speed"
                )
            if keep:
                _remove(self._state_file)
                self._state = None
        return self.reading()

    def restore(self) -> None:
        """Put back the values saved before the first write (idempotent); full speed on failure."""
        with self._lock:
            state = self._state
            if state is None:
                return
            restore_state(state)
            _remove(self._state_file)
            self._state = None

    def reading(self, *, stalled: bool = False) -> FanSetting:
        """What the channel runs at now, read from the driver."""
        pwm = _read(self._pwm_path)
        enable = _read(self._enable_path)
        mode = fan_mode(enable, self.fan.chip_name) if enable is not None else "manual"
        return FanSetting(
            fan=self.fan.id,
            duty_percent=pwm_to_percent(pwm) if pwm is not None and 0 <= pwm <= 255 else None,
            mode=mode,
            enable=enable,
            rpm=read_value(self._tach_path, parse_rpm),
            stalled=stalled,
        )

    # -- internals

    def _find_tach(self) -> str | None:
        name = f"fan{self.fan.index}_input"
        for directory in (self.fan.path, os.path.join(self.fan.path, "device")):
            path = os.path.join(directory, name)
            if os.path.exists(path):
                return path
        return None

    def _check_not_controlled_here(self) -> None:
        if self._pwm_path in _active:
            raise FanControlError(f"fan {self.fan.id} is already controlled in this process")

    def _require_active(self) -> None:
        if not self._active:
            raise FanControlError(
                "use the controller in a 'with' block: with fan_control(fan) as c"
            )

    def _require_not_tripped(self) -> None:
        if self._tripped is not None:
            raise FanControlError(
                f"the thermal watchdog returned fan {self.fan.id} to automatic control: "
                f"{self._tripped}"
            )

    def _ensure_snapshot(self) -> PwmState:
        if self._state is not None:
            return self._state
        start = _start_time(os.getpid(), self._procfs)
        state = PwmState(
            fan=self.fan.id,
            pwm_path=self._pwm_path,
            enable_path=self._enable_path,
            pwm=read_value(self._pwm_path, parse_int),
            enable=_read(self._enable_path),
            enable_is_mode=self._enable_is_mode,
            pid=os.getpid(),
            start_time=start[0] if start is not None else None,
            created=time.time(),
        )
        if state.pwm is not None and not 0 <= state.pwm <= 255:
            state = msgspec.structs.replace(state, pwm=None)
        try:
            _write_state_file(self._state_file, state)
        except (OSError, UnsafeStateError) as exc:
            # without the state file a SIGKILL could not be undone: refuse before any write
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise FanControlError(
                f"cannot save the fan state to {self._state_file}: {reason}"
            ) from exc
        self._state = state
        return state

    def _set_manual(self, state: PwmState) -> None:
        if self._enable_path is None or not self._enable_is_mode:
            return
        if _read(self._enable_path) != ENABLE_MANUAL:
            _write(self._enable_path, ENABLE_MANUAL)
        if _read(self._enable_path) != ENABLE_MANUAL:
            raise FanControlError(f"{self._enable_path} did not switch to manual (1)")

    def _automatic(self, state: PwmState) -> bool:
        if self._enable_path is None or not self._enable_is_mode:
            return False
        target = (
            state.enable if state.enable is not None and state.enable >= 2 else ENABLE_AUTOMATIC
        )
        try:
            _write(self._enable_path, target)
        except (OSError, DarwinMetricsError) as exc:
            log.warning("cannot set %s to %d: %s", self._enable_path, target, exc)
            return False
        value = _read(self._enable_path)
        return value is not None and value >= ENABLE_AUTOMATIC

    def _spin_stalled(self) -> bool:
        """After :attr:`_spin_check` seconds, True (and full speed) if the tachometer reads 0."""
        if self._tach_path is None:
            return False
        self._sleep(self._spin_check)
        rpm = read_value(self._tach_path, parse_rpm)
        if rpm is None or rpm > 0:
            return False
        with self._lock:
            if self._tripped is None and self._state is not None:
                log.warning("fan %s stopped after a duty change: full speed", self.fan.id)
                _write(self._pwm_path, FULL_PWM)
        return True

    def hot_sensor(self) -> str | None:
        """A description of the first of the chip's temperatures at or near critical, else None."""
        attributes = collect_attributes(self.fan.path, real_device(self.fan.path))
        for (kind, index), files in sorted(attributes.items()):
            if kind != "temp":
                continue
            if read_value(files.get("crit_alarm"), parse_flag):
                return f"temp{index} raised its critical alarm"
            current = read_value(files.get("input"), parse_millicelsius)
            critical = read_value(files.get("crit"), parse_limit)
            if current is not None and critical is not None and current >= critical - self._margin:
                return f"temp{index} at {current:g} °C, critical {critical:g} °C"
        return None

    def _watch(self) -> bool:
        """One look of the watchdog: hand the fan back when a sensor is too hot (then True)."""
        if self._state is None or self._tripped is not None:
            return False
        try:
            reason = self.hot_sensor()
        except Exception:  # the watchdog must keep running
            log.exception("fan watchdog for %s", self.fan.id)
            return False
        if reason is not None:
            self._trip(reason)
        return False

    def _trip(self, reason: str) -> None:
        with self._lock:
            state = self._state
            if state is None or self._tripped is not None:
                return
            log.warning("fan %s: %s; returning it to automatic control", self.fan.id, reason)
            try:
                if not self._automatic(state):
                    full_speed(state)
            finally:
                # set once the fan is safe, so whoever sees ``tripped`` sees the safe setting
                self._tripped = reason
