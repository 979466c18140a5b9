"""Opt-in fan control through the SMC: :class:`darwin_metrics.fancontrol.FanController`.

A duty is a target speed in percent of the fan's maximum: ``target_rpm = max_rpm * duty / 100``,
never below the fan's ``F{n}Mn`` minimum (the SMC would not keep it). The procedure:

1. Root is required (:class:`~darwin_metrics.errors.AccessDenied` otherwise); fans left in manual
   mode by a process that died (SIGKILL) are restored first (:func:`restore_pending`).
2. Before the first write the mode key (``F{n}Md``, ``F{n}md`` or the ``FS! `` mask of older Intel
   Macs), the target ``F{n}Tg`` and the unlock key ``Ftst`` (Apple Silicon) are read and saved, in
   memory and in a state file (default ``/var/run/darwin-metrics/smc-F<n>.json``).
3. To drive the fan: ``Ftst`` = 1 where it exists (some models refuse a manual mode without it),
   the mode set to forced, the target written in the key's own type; both read back.
4. A duty below :attr:`FanController.minimum_duty_percent` (20 % or the fan's minimum speed, the
   larger) is refused unless ``force``; a duty of 0 is never written as a stopped fan.
5. A watchdog thread reads the SMC temperatures and hands the fan back to automatic control when one
   reaches ``max_celsius`` (:attr:`FanController.tripped` says why).
6. The saved values are written back when the ``with`` block ends, on SIGTERM, SIGINT and SIGHUP
   (then the previous handler runs), and at interpreter exit; if that fails, automatic mode.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

import msgspec

from darwin_metrics.darwin.decode import smc as decode
from darwin_metrics.darwin.decode.process import kinfo
from darwin_metrics.darwin.ffi import libproc
from darwin_metrics.darwin.ffi.smc import SMC
from darwin_metrics.errors import AccessDenied, DarwinMetricsError, FanControlError, NotSupported
from darwin_metrics.fanregistry import ActiveControllers, Watchdog, find_fan
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.sensors import Fan, FanSetting

if TYPE_CHECKING:
    from darwin_metrics.darwin.sensors import SMCSensors

log = get_logger(__name__)

DEFAULT_STATE_DIR = "/var/run/darwin-metrics"
#: Environment variable that overrides :data:`DEFAULT_STATE_DIR`.
ENV_STATE_DIR = "DARWIN_METRICS_STATE_DIR"
#: The lowest duty accepted without ``force``, in percent.
DEFAULT_MIN_DUTY_PERCENT = 20.0
#: Seconds between two watchdog looks at the SMC temperatures.
DEFAULT_WATCHDOG_INTERVAL = 1.0
#: The watchdog hands the fan back to the SMC when a temperature reaches this (°C).
DEFAULT_MAX_CELSIUS = 95.0
#: The key some models need set to 1 before they accept a forced fan mode.
UNLOCK_KEY = "Ftst"
MODE_AUTOMATIC = 0
MODE_FORCED = 1

__all__ = ["FanControlError", "FanController", "find_fan", "restore_pending"]


def state_directory(state_dir: str | None = None) -> str:
    """The argument, else ``$DARWIN_METRICS_STATE_DIR``, else :data:`DEFAULT_STATE_DIR`."""
    return state_dir or os.environ.get(ENV_STATE_DIR) or DEFAULT_STATE_DIR


class SMCFanState(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What a fan's keys held before the first write (payloads as hex), and who wrote them."""

    fan: str
    index: int
    pid: int
    start_time: float | None
    mode_key: str
    mode: str
    target: str
    unlock: str | None

    def to_json(self) -> bytes:
        return msgspec.json.encode(self)

    @classmethod
    def from_json(cls, data: bytes) -> SMCFanState:
        """Raises ValueError for a file that is not a state file."""
        try:
            return msgspec.json.decode(data, type=cls)
        except msgspec.MsgspecError as exc:
            raise ValueError(str(exc)) from exc


def _start_time(pid: int) -> float | None:
    try:
        return kinfo(libproc.kinfo_proc(pid)).start_time
    except (OSError, DarwinMetricsError):
        return None


def _owner_alive(state: SMCFanState) -> bool:
    if state.pid == os.getpid():
        return state.index in _active
    if not libproc.pid_exists(state.pid):
        return False
    started = _start_time(state.pid)
    return state.start_time is None or started is None or started == state.start_time


def _mode_key(smc: SMC, index: int) -> str:
    for key in (f"F{index}Md", f"F{index}md", decode.FORCED_MASK_KEY):
        if smc.key_info(key) is not None:
            return key
    raise NotSupported(f"SMC fan {index} has no mode key")


def _restore_keys(smc: SMC, state: SMCFanState) -> None:
    """Write the saved target, mode and unlock values back; automatic mode if that fails."""
    try:
        smc.write(f"F{state.index}Tg", bytes.fromhex(state.target))
        smc.write(state.mode_key, bytes.fromhex(state.mode))
        if state.unlock is not None:
            smc.write(UNLOCK_KEY, bytes.fromhex(state.unlock))
    except (OSError, ValueError, DarwinMetricsError) as exc:
        log.warning("restoring SMC fan %d failed (%s): setting automatic mode", state.index, exc)
        _write_mode(smc, state.mode_key, state.index, MODE_AUTOMATIC)


def _write_mode(smc: SMC, key: str, index: int, mode: int) -> None:
    found = smc.read(key)
    if found is None:
        raise NotSupported(f"SMC key {key!r} is gone")
    data_type, payload = found
    if key == decode.FORCED_MASK_KEY:
        mask = decode.value(data_type, payload)
        current = mask if isinstance(mask, int) and not isinstance(mask, bool) else 0
        value = current | (1 << index) if mode == MODE_FORCED else current & ~(1 << index)
    else:
        value = mode
    smc.write(key, decode.encode(data_type, value, len(payload)))


def _write_state_file(path: str, state: SMCFanState) -> None:
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, state.to_json())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def restore_pending(
    state_dir: str | None = None, *, smc_factory: Callable[[], SMC] = SMC
) -> tuple[str, ...]:
    """Restore every SMC fan whose controlling process died without restoring it; returns the
    ids of the fans restored. A malformed state file is logged and removed."""
    directory = state_directory(state_dir)
    try:
        entries = sorted(os.listdir(directory))
    except FileNotFoundError:
        return ()
    restored = []
    for entry in entries:
        if not (entry.startswith("smc-F") and entry.endswith(".json")):
            continue
        path = os.path.join(directory, entry)
        try:
            with open(path, "rb") as handle:
                state = SMCFanState.from_json(handle.read())
        except (OSError, ValueError) as exc:
            log.warning("removing unusable fan state file %s: %s", path, exc)
            _remove(path)
            continue
        if _owner_alive(state):
            continue
        log.warning("restoring fan %s left by process %d", state.fan, state.pid)
        with smc_factory() as smc:
            _restore_keys(smc, state)
        _remove(path)
        restored.append(state.fan)
    return tuple(restored)


#: The controllers of this process that hold a fan, by SMC fan index.
_active: ActiveControllers[int] = ActiveControllers()


# --- the controller ---------------------------------------------------------------------------


class FanController:
    """Controls one SMC fan inside a ``with`` block, then restores it (see the module docstring).

    ``force`` allows duties below the minimum; ``state_dir`` keeps the snapshot for a restore after
    SIGKILL; ``watchdog_interval`` (s) and ``max_celsius`` (°C) drive the temperature watchdog
    (interval 0 turns it off); ``smc_factory`` opens an SMC connection.
    """

    def __init__(
        self,
        fan: Fan,
        *,
        force: bool = False,
        state_dir: str | None = None,
        watchdog_interval: float = DEFAULT_WATCHDOG_INTERVAL,
        max_celsius: float = DEFAULT_MAX_CELSIUS,
        min_duty_percent: float = DEFAULT_MIN_DUTY_PERCENT,
        smc_factory: Callable[[], SMC] = SMC,
    ) -> None:
        if fan.chip != "smc" or not fan.path.startswith("smc:F"):
            raise NotSupported(f"fan {fan.id} is not an SMC fan")
        if not fan.max_rpm:
            raise NotSupported(f"fan {fan.id} reports no maximum speed to scale a duty by")
        self.fan = fan
        self._index = fan.index - 1
        self._force = force
        self._state_dir = state_directory(state_dir)
        self._state_file = os.path.join(self._state_dir, f"smc-F{self._index}.json")
        self._max_celsius = max_celsius
        self._min_duty = min_duty_percent
        self._smc_factory = smc_factory
        self._smc: SMC | None = None
        self._lock = threading.RLock()
        self._state: SMCFanState | None = None
        self._tripped: str | None = None
        self._watchdog = Watchdog(f"fan-watchdog-{self.fan.id}", watchdog_interval, self._watch)
        self._sensors: SMCSensors | None = None

    @property
    def minimum_duty_percent(self) -> float:
        """The lowest duty (percent of the maximum speed) accepted without ``force``."""
        floor = 100.0 * (self.fan.min_rpm or 0) / self.fan.max_rpm if self.fan.max_rpm else 0.0
        return max(self._min_duty, floor)

    @property
    def tripped(self) -> str | None:
        """Why the watchdog handed the fan back to the SMC, or ``None``."""
        return self._tripped

    @property
    def snapshot(self) -> SMCFanState | None:
        """The values saved before the first write (``None`` before any write)."""
        return self._state

    @property
    def state_file(self) -> str:
        """Where the snapshot is kept while this controller has written the fan."""
        return self._state_file

    def __enter__(self) -> FanController:
        if os.geteuid() != 0:
            raise AccessDenied(f"fan control needs root: cannot drive {self.fan.id}")
        restore_pending(self._state_dir, smc_factory=self._smc_factory)
        smc = self._smc_factory()
        try:
            _active.add(self._index, self)
        except FanControlError:
            smc.close()
            raise
        self._smc = smc
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
            _active.discard(self._index)
            if self._smc is not None:
                self._smc.close()
                self._smc = None

    def _open(self) -> SMC:
        if self._smc is None:
            raise FanControlError("use the fan controller inside a with block")
        return self._smc

    def _ensure_snapshot(self, smc: SMC) -> SMCFanState:
        if self._state is not None:
            return self._state
        mode_key = _mode_key(smc, self._index)
        mode = smc.read(mode_key)
        target = smc.read(f"F{self._index}Tg")
        if mode is None or target is None:
            raise NotSupported(f"fan {self.fan.id} has no target or mode key")
        unlock = smc.read(UNLOCK_KEY)
        state = SMCFanState(
            fan=self.fan.id,
            index=self._index,
            pid=os.getpid(),
            start_time=_start_time(os.getpid()),
            mode_key=mode_key,
            mode=mode[1].hex(),
            target=target[1].hex(),
            unlock=unlock[1].hex() if unlock is not None else None,
        )
        _write_state_file(self._state_file, state)
        self._state = state
        return state

    def _set_target(self, rpm: float) -> None:
        smc = self._open()
        state = self._ensure_snapshot(smc)
        try:
            if state.unlock is not None:
                found = smc.read(UNLOCK_KEY)
                if found is not None:
                    smc.write(UNLOCK_KEY, decode.encode(found[0], 1, len(found[1])))
            _write_mode(smc, state.mode_key, self._index, MODE_FORCED)
            target = smc.read(f"F{self._index}Tg")
            if target is None:
                raise NotSupported(f"fan {self.fan.id} lost its target key")
            smc.write(f"F{self._index}Tg", decode.encode(target[0], rpm, len(target[1])))
        except (OSError, ValueError, DarwinMetricsError) as exc:
            _restore_keys(smc, state)
            if isinstance(exc, AccessDenied):
                raise
            raise FanControlError(f"cannot set fan {self.fan.id}: {exc}") from exc

    def set_duty(self, percent: float, *, force: bool | None = None) -> FanSetting:
        """Run the fan at ``percent`` of its maximum speed; returns what the SMC reports back."""
        floor = self.minimum_duty_percent
        if not 0 <= percent <= 100:
            raise FanControlError(f"duty {percent:g}% is outside 0-100")
        if percent < floor and not (self._force if force is None else force):
            raise FanControlError(
                f"{percent:g}% is below the minimum duty {floor:g}% of fan {self.fan.id} "
                "(pass force=True to go lower)"
            )
        max_rpm = float(self.fan.max_rpm or 0)
        rpm = max(max_rpm * percent / 100.0, float(self.fan.min_rpm or 0))
        with self._lock:
            self._require_not_tripped()
            self._set_target(rpm)
        return self.reading()

    def set_full_speed(self) -> FanSetting:
        """Run the fan at its maximum speed."""
        with self._lock:
            self._set_target(float(self.fan.max_rpm or 0))
        return self.reading()

    def set_automatic(self, *, keep: bool = False) -> FanSetting:
        """Hand the fan back to the SMC (``keep``: leave it so after the block)."""
        with self._lock:
            smc = self._open()
            state = self._ensure_snapshot(smc)
            _write_mode(smc, state.mode_key, self._index, MODE_AUTOMATIC)
            if keep:
                if state.unlock is not None:
                    smc.write(UNLOCK_KEY, bytes.fromhex(state.unlock))
                _remove(self._state_file)
                self._state = None
        return self.reading()

    def restore(self) -> None:
        """Write back the values saved before the first write (idempotent)."""
        with self._lock:
            state = self._state
            if state is None:
                return
            if self._smc is not None:
                _restore_keys(self._smc, state)
            else:
                with self._smc_factory() as smc:
                    _restore_keys(smc, state)
            _remove(self._state_file)
            self._state = None

    def reading(self, *, stalled: bool = False) -> FanSetting:
        """The fan's target (as a duty of its maximum), mode and actual speed, read now."""
        smc = self._open()
        values = {}
        for key in (*decode.fan_keys(self._index), decode.FORCED_MASK_KEY):
            found = smc.read(key)
            if found is not None:
                values[key] = decode.value(*found)
        now = decode.fan(self._index, values)
        duty = None
        if now.target_rpm is not None and self.fan.max_rpm:
            duty = min(100.0, 100.0 * now.target_rpm / self.fan.max_rpm)
        return FanSetting(
            fan=self.fan.id,
            duty_percent=duty,
            mode=now.mode,
            enable=now.enable,
            rpm=now.rpm,
            stalled=stalled,
        )

    def _require_not_tripped(self) -> None:
        if self._tripped is not None:
            raise FanControlError(f"fan {self.fan.id} was handed back: {self._tripped}")

    def hot_sensor(self) -> str | None:
        """The first SMC temperature at or above ``max_celsius``, as ``KEY=°C``, else ``None``."""
        from darwin_metrics.darwin.sensors import SMCSensors

        if self._sensors is None:
            self._sensors = SMCSensors()  # remembers the temperature keys between looks
        for sensor in self._sensors.temperatures().sensors:
            if sensor.kind in ("cpu", "gpu") and sensor.celsius >= self._max_celsius:
                return f"{sensor.sensor}={sensor.celsius:g}"
        return None

    def _watch(self) -> bool:
        """One look of the watchdog: hand the fan back to the SMC when a sensor is too hot
        (then True: the watchdog ends)."""
        try:
            hot = self.hot_sensor()
        except (OSError, DarwinMetricsError) as exc:
            log.debug("fan watchdog: %s", exc)
            return False
        if hot is None:
            return False
        with self._lock:
            with contextlib.suppress(OSError, DarwinMetricsError, ValueError):
                smc = self._open()
                if self._state is not None:
                    _write_mode(smc, self._state.mode_key, self._index, MODE_AUTOMATIC)
            # Said only once the fan is back with the SMC.
            self._tripped = f"{hot} reached {self._max_celsius:g} °C"
        return True
