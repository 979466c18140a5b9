"""The fan-control state file: what a PWM channel was set to before darwin-metrics wrote it.

One small JSON object per channel (``pwm-<chip>-<N>.json`` in the state directory), written before
the first write and removed after the restore. If the process dies without restoring (SIGKILL,
power loss of the process, a crash), the next start reads it back and restores the channel.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from darwin_metrics.errors import ParseError

#: Bumped when the layout changes; files of another version are not trusted.
STATE_VERSION = 1


class PwmState(msgspec.Struct, frozen=True, kw_only=True):
    """A PWM channel's snapshot and who took it.

    ``pwm`` (0-255) and ``enable`` are the values read before the first write (``None`` where the
    file was missing or unreadable). ``enable_is_mode`` is False for drivers whose ``pwmN_enable``
    does not select manual/automatic (``pwm-fan``). ``pid`` and ``start_time`` (clock ticks after
    boot, ``/proc/PID/stat`` field 22) identify the owning process across PID reuse.
    """

    fan: str
    pwm_path: str
    enable_path: str | None
    pwm: int | None
    enable: int | None
    enable_is_mode: bool = True
    pid: int
    start_time: int | None = None
    created: float


def format_state(state: PwmState) -> bytes:
    """The state as the JSON bytes written to disk."""
    data: dict[str, Any] = {"version": STATE_VERSION, **msgspec.structs.asdict(state)}
    return (json.dumps(data, sort_keys=True) + "\n").encode()


def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], source: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise ParseError(source, f"field {key!r} is missing or has the wrong type")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def parse_state(data: bytes, source: str) -> PwmState:
    """Parse a state file; :class:`ParseError` for anything but a well-formed version-1 state."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ParseError(source, f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ParseError(source, "not a JSON object")
    if raw.get("version") != STATE_VERSION or isinstance(raw.get("version"), bool):
        raise ParseError(source, f"unknown state version {raw.get('version')!r}")
    none = type(None)
    pwm = _field(raw, "pwm", (int, none), source)
    enable = _field(raw, "enable", (int, none), source)
    if pwm is not None and not 0 <= pwm <= 255:
        raise ParseError(source, f"pwm out of 0-255: {pwm}")
    if enable is not None and not -1 <= enable <= 255:
        raise ParseError(source, f"enable out of range: {enable}")
    pid = _field(raw, "pid", int, source)
    if pid <= 0:
        raise ParseError(source, f"bad pid {pid}")
    start_time = _field(raw, "start_time", (int, none), source)
    created = _field(raw, "created", (int, float), source)
    try:
        created = float(created)
    except OverflowError:
        raise ParseError(source, "created is out of range") from None
    pwm_path = _field(raw, "pwm_path", str, source)
    enable_path = _field(raw, "enable_path", (str, none), source)
    if not pwm_path.startswith("/") or (
        enable_path is not None and not enable_path.startswith("/")
    ):
        raise ParseError(source, "paths must be absolute")
    if "\0" in pwm_path or (enable_path is not None and "\0" in enable_path):
        raise ParseError(source, "path holds a NUL byte")
    return PwmState(
        fan=_field(raw, "fan", str, source),
        pwm_path=pwm_path,
        enable_path=enable_path,
        pwm=pwm,
        enable=enable,
        enable_is_mode=_field(raw, "enable_is_mode", bool, source),
        pid=pid,
        start_time=start_time,
        created=created,
    )
