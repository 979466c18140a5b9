"""Fans on Linux: hwmon tachometers (``fanN_*``, RPM) and PWM outputs (``pwmN*``).

Channel ``N`` joins ``fanN_{input,min,max,target,label,alarm}`` with ``pwmN`` (duty 0-255),
``pwmN_enable`` (0 full speed, 1 manual, 2+ automatic), ``pwmN_mode`` (0 DC, 1 PWM) and the
documented minimum duty (``pwmN_min``, ``pwmN_start``, ``pwmN_floor``). applesmc has no PWM: its
``fanN_manual`` gives the mode and ``fanN_output`` the target speed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.hwmon import HwmonChip, list_chips, read_text, read_value
from darwin_metrics.linux.parsers.sensors import (
    fan_drive,
    fan_mode,
    parse_flag,
    parse_int,
    parse_pwm,
    parse_rpm,
    pwm_to_percent,
)
from darwin_metrics.records.sensors import Fan, FanMode

#: PWM attributes that document the lowest duty a channel runs at (0-255).
MIN_DUTY_ATTRIBUTES = ("min", "start", "floor")


def is_root() -> bool:
    """Whether this process has root's effective uid (fan control needs it)."""
    return os.geteuid() == 0


def can_write(path: str | None) -> bool:
    """True when ``path`` exists and this process may write it, as root."""
    return path is not None and is_root() and os.access(path, os.W_OK)


def min_duty_percent(pwm_files: dict[str, str]) -> float | None:
    """The largest documented minimum duty of a PWM channel in percent; ``None`` without one."""
    values = [read_value(pwm_files.get(a), parse_pwm) for a in MIN_DUTY_ATTRIBUTES]
    present = [v for v in values if v is not None]
    return pwm_to_percent(max(present)) if present else None


def _applesmc_mode(manual: bool | None) -> FanMode | None:
    if manual is None:
        return None
    return "manual" if manual else "automatic"


def chip_fans(chip: HwmonChip) -> list[Fan]:
    """The fan channels of one chip: every index with a ``fanN_*`` or ``pwmN*`` attribute."""
    fans = []
    for index in sorted(set(chip.channels("fan")) | set(chip.channels("pwm"))):
        tach = chip.files("fan", index)
        pwm = chip.files("pwm", index)
        if not tach.get("input") and not pwm.get("") and not pwm.get("enable"):
            continue
        enable = read_value(pwm.get("enable"), parse_int)
        duty = read_value(pwm.get(""), parse_pwm)
        mode = fan_mode(enable, chip.name) if enable is not None else None
        if mode is None and "enable" not in pwm and duty is not None:
            mode = "manual"  # a bare pwmN without pwmN_enable is always driven by its value
        if mode is None:
            mode = _applesmc_mode(read_value(tach.get("manual"), parse_flag))
        drive_value = read_value(pwm.get("mode"), parse_int)
        target = read_value(tach.get("target"), parse_rpm)
        if target is None:
            target = read_value(tach.get("output"), parse_rpm)
        fans.append(
            Fan(
                chip=chip.ident,
                chip_name=chip.name,
                name=f"fan{index}",
                index=index,
                label=read_text(tach.get("label")),
                rpm=read_value(tach.get("input"), parse_rpm),
                min_rpm=read_value(tach.get("min"), parse_rpm),
                max_rpm=read_value(tach.get("max"), parse_rpm),
                target_rpm=target,
                safe_rpm=read_value(tach.get("safe"), parse_rpm),
                alarm=read_value(tach.get("alarm"), parse_flag),
                duty_percent=pwm_to_percent(duty) if duty is not None else None,
                mode=mode,
                enable=enable,
                drive=fan_drive(drive_value) if drive_value is not None else None,
                min_duty_percent=min_duty_percent(pwm),
                controllable=can_write(pwm.get("")),
                path=os.path.dirname(pwm.get("") or pwm.get("enable") or tach["input"]),
                device=chip.device,
            )
        )
    return fans


def read_fans(roots: Roots, chips: Sequence[HwmonChip] | None = None) -> tuple[Fan, ...]:
    """Every fan channel of every hwmon chip (empty where the machine has none). ``chips``: the
    hwmon chips already listed for this reading (default: listed here)."""
    listed = list_chips(roots) if chips is None else chips
    return tuple(f for chip in listed for f in chip_fans(chip))
