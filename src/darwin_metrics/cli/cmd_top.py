"""``darwin-metrics top``: the live full-screen dashboard (Textual, in the ``cli`` extra).

When stdout is not a terminal it prints one summary (the panels that have something) and exits.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import TYPE_CHECKING

from darwin_metrics.cli.common import CLI_EXTRA, CLIError, console, seconds_up_to

if TYPE_CHECKING:
    from darwin_metrics.tui.app import Recording

#: Seconds between refreshes.
DEFAULT_INTERVAL = 1.0
#: The shortest refresh interval accepted.
MIN_INTERVAL = 0.1
#: The names ``--panels`` accepts (the dashboard's :data:`~darwin_metrics.tui.app.PANEL_KEYS`).
PANEL_NAMES = ("cpu", "memory", "gpu", "sensors", "power", "network", "disk", "processes")

_bounded = seconds_up_to(3600)


def refresh_interval(text: str) -> float:
    """An argparse type: seconds between refreshes, from 0.1 to 3600."""
    value = _bounded(text)
    if value < MIN_INTERVAL:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_INTERVAL:g} seconds, got {text!r}")
    return value


def panel_list(text: str) -> tuple[str, ...]:
    """An argparse type: comma-separated panel names, each one of :data:`PANEL_NAMES`."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in PANEL_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown panel {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {','.join(PANEL_NAMES)}"
        )
    return names


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "top",
        help="live full-screen dashboard (q quits)",
        description="A live dashboard: CPU per core, memory, GPUs, temperatures and fans, power "
        "and batteries, network and disk rates, and a process table (sort c/m/i, tree t, filter "
        "/, kill k, renice n, quit q). When stdout is not a terminal, prints one summary.",
    )
    parser.add_argument(
        "--interval",
        type=refresh_interval,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"seconds between refreshes (default {DEFAULT_INTERVAL:g}, at least {MIN_INTERVAL:g})",
    )
    parser.add_argument(
        "--panels",
        type=panel_list,
        default=PANEL_NAMES,
        metavar="LIST",
        help=f"comma-separated panels to show (default all: {','.join(PANEL_NAMES)})",
    )
    parser.add_argument(
        "--record",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help="also append every sample to the history database (default location without PATH)",
    )
    parser.set_defaults(handler=run)


def open_recorder(path: str) -> Recording:
    """The history recorder for ``--record`` (``path`` empty: the default database)."""
    try:
        # Imported by name: the history package is optional at run time.
        module = importlib.import_module("darwin_metrics.history.recorder")
    except ImportError as exc:
        raise CLIError(
            f"--record needs the history module, which is missing here ({exc})"
        ) from None
    try:
        recorder: Recording = module.Recorder(path or None)
    except Exception as exc:  # OSError, sqlite3.Error, ValueError: reported as one line
        raise CLIError(f"cannot record to {path or 'the default database'}: {exc}") from None
    return recorder


def run(args: argparse.Namespace) -> int:
    if not sys.stdout.isatty():
        return print_once(args)
    try:
        from darwin_metrics.tui.app import Dashboard
    except ImportError:
        raise CLIError(f"top needs the 'textual' package: pip install '{CLI_EXTRA}'") from None
    recorder = open_recorder(args.record) if args.record is not None else None
    # Exported COLUMNS/LINES would pin Textual to that size and hide every later resize of the
    # terminal (ncurses-based programs export them); the terminal itself knows its size.
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
    app = Dashboard(interval=args.interval, panels=args.panels, recorder=recorder)
    try:
        app.run()
    finally:
        if app.recorder is not None:
            app.recorder.close()
    return app.return_code or 0


def print_once(args: argparse.Namespace) -> int:
    """Not a terminal: one summary of the chosen panels, rates over one interval (at most 1 s)."""
    out = console()
    from darwin_metrics.cli import summary, summary_gpu, summary_power, summary_sensors
    from darwin_metrics.cli.cmd_summary import take

    by_panel = {
        "cpu": (summary.cpu_section,),
        "memory": (summary.memory_section,),
        "gpu": (summary_gpu.gpus_section,),
        "sensors": (summary_sensors.temperatures_section, summary_sensors.fans_section),
        "power": (summary_power.power_section, summary_power.batteries_section),
        "network": (summary.interfaces_section,),
        "disk": (summary.volumes_section,),
        "processes": (summary.processes_section,),
    }
    sections = [s for name in PANEL_NAMES if name in args.panels for s in by_panel[name]]
    sample = take(min(args.interval, 1.0), processes="processes" in args.panels)
    if args.record is not None:
        recorder = open_recorder(args.record)
        try:
            recorder.record(sample)
        finally:
            recorder.close()
    out.print(summary.render(sample, sections))
    return 0
