"""``darwin-metrics fan list|set|auto``: list fans, hold one at a duty, hand one back to its chip.

``set`` holds the fan at the duty while the command runs (until Ctrl-C, SIGTERM, or ``--for``
seconds) and then restores what was there before; ``auto`` hands the fan to the chip's automatic
control and leaves it there. Both need root; see docs/sensors.md for the safety procedure.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import TYPE_CHECKING

from darwin_metrics.cli import fmt
from darwin_metrics.cli.common import CLIError, print_json, seconds_up_to

if TYPE_CHECKING:
    from darwin_metrics.records.sensors import Fan, FanSetting

#: Seconds between two looks at the held fan (watchdog state, end of ``--for``).
_POLL = 0.2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "fan",
        help="list fans; hold one at a duty (root); return one to automatic (root)",
        description="Fans: speeds (RPM), PWM duty and mode. 'set' and 'auto' need root.",
    )
    actions = parser.add_subparsers(dest="fan_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every fan channel with speed, duty and mode")
    listing.add_argument("--json", action="store_true", help="print JSON (record field names)")
    listing.set_defaults(handler=run_list)

    hold = actions.add_parser(
        "set",
        help="hold a fan at a duty percent while the command runs, then restore it",
        description="Hold FAN at PERCENT duty until interrupted (or for --for seconds), then "
        "restore its previous settings. A thermal watchdog hands the fan back to automatic "
        "control if one of its chip's temperatures nears critical.",
    )
    hold.add_argument("fan", metavar="FAN", help="fan id as 'fan list' shows it (chip/fanN)")
    hold.add_argument("percent", metavar="PERCENT", type=_percent, help="duty, 0-100")
    hold.add_argument("--force", action="store_true", help="allow a duty below the fan's minimum")
    hold.add_argument(
        "--for",
        dest="seconds",
        type=seconds_up_to(None),
        metavar="SECONDS",
        help="restore after this many seconds (default: hold until interrupted)",
    )
    hold.add_argument(
        "--spin-check",
        type=seconds_up_to(None),
        default=3.0,
        metavar="SECONDS",
        help="seconds after the change at which the fan must still turn (default 3)",
    )
    hold.add_argument("--state-dir", metavar="DIR", help="where the restore state is kept")
    hold.set_defaults(handler=run_set)

    auto = actions.add_parser("auto", help="hand a fan back to its chip's automatic control")
    auto.add_argument("fan", metavar="FAN", help="fan id as 'fan list' shows it (chip/fanN)")
    auto.add_argument("--state-dir", metavar="DIR", help="where the restore state is kept")
    auto.set_defaults(handler=run_auto)


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, got {text!r}")
    return value


def _rpm(value: int | None) -> str:
    return fmt.MISSING if value is None else f"{value} RPM"


def table(fans: tuple[Fan, ...]) -> str:
    """The fans as an aligned plain-text table (one line per channel)."""
    if not fans:
        return "no fans on this machine"
    header = ("FAN", "LABEL", "SPEED", "DUTY", "MODE", "CONTROL")
    rows = [
        (
            fmt.clean(f.id),
            fmt.clean(f.label or fmt.MISSING),
            _rpm(f.rpm),
            fmt.percent(f.duty_percent, 0),
            f.mode or fmt.MISSING,
            "yes" if f.controllable else "no",
        )
        for f in fans
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def describe(setting: FanSetting) -> str:
    """One line saying what a fan runs at now."""
    text = (
        f"{fmt.clean(setting.fan)}: duty {fmt.percent(setting.duty_percent, 0)}, "
        f"mode {setting.mode or fmt.MISSING}, speed {_rpm(setting.rpm)}"
    )
    return text + (" (stalled: set to full speed)" if setting.stalled else "")


def run_list(args: argparse.Namespace) -> int:
    import darwin_metrics

    fans = darwin_metrics.fans()
    if args.json:
        print_json(fans)
    else:
        print(table(fans))
    return 0


def run_set(args: argparse.Namespace) -> int:
    import darwin_metrics

    with darwin_metrics.fan_control(
        args.fan, force=args.force, state_dir=args.state_dir, spin_check=args.spin_check
    ) as control:
        print(describe(control.set_duty(args.percent)), flush=True)
        deadline = None if args.seconds is None else time.monotonic() + args.seconds
        print(
            "holding; Ctrl-C restores the previous settings"
            if deadline is None
            else f"holding for {args.seconds:g} s",
            flush=True,
        )
        while deadline is None or time.monotonic() < deadline:
            if control.tripped is not None:
                raise CLIError(f"thermal watchdog: {control.tripped}; fan returned to its chip")
            remaining = _POLL if deadline is None else min(_POLL, deadline - time.monotonic())
            time.sleep(max(0.0, remaining))
    print(describe(control.reading()) + " (restored)")
    return 0


def run_auto(args: argparse.Namespace) -> int:
    import darwin_metrics

    with darwin_metrics.fan_control(args.fan, state_dir=args.state_dir) as control:
        setting = control.set_automatic(keep=True)
    print(describe(setting))
    return 0
