"""``darwin-metrics watch``: print events as they happen (one line each, or JSON lines)."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from darwin_metrics.cli.common import CLIError, seconds_up_to

if TYPE_CHECKING:
    from darwin_metrics.monitor.events import Event

#: Nested records left out of the one-line form (``--json`` has them).
_NESTED = frozenset({"process", "thermal", "observed_at"})


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="print events as they happen (--json for JSON lines)",
        description="Watch this machine and print each event as it happens: processes starting "
        "and exiting, interfaces and addresses, ports, throttling, fans, temperatures, power, "
        "volumes, memory pressure, GPUs, cgroup limits, and threshold rules (--on). "
        "See docs/events.md. Stops on Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--on",
        action="append",
        default=[],
        metavar="RULE",
        help="a threshold rule, e.g. 'cpu.percent>90 for 5s' or "
        "'volumes[/].used_percent>=95 hysteresis 2' (repeatable)",
    )
    parser.add_argument(
        "--events",
        default="",
        metavar="KINDS",
        help="comma-separated event kinds to print (e.g. process_exited,port_opened); default: all",
    )
    parser.add_argument(
        "--interval",
        type=seconds_up_to(3600),
        default=1.0,
        help="seconds between polls (default 1)",
    )
    parser.add_argument(
        "--families",
        default="",
        metavar="NAMES",
        help="comma-separated families to poll (e.g. cpu,memory,volumes); default: all",
    )
    parser.add_argument(
        "--no-processes",
        dest="processes",
        action="store_false",
        help="do not read the process table (no polled process events or process rules)",
    )
    parser.add_argument(
        "--duration",
        type=seconds_up_to(None),
        default=None,
        help="stop after this many seconds (default: until interrupted)",
    )
    parser.set_defaults(handler=run)


def _kinds(text: str) -> tuple[type[Event], ...]:
    from darwin_metrics.monitor.events import EVENT_NAMES, Event

    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        return (Event,)
    unknown = [n for n in names if n not in EVENT_NAMES]
    if unknown:
        raise CLIError(
            f"unknown event kind(s) {', '.join(unknown)}; known: {', '.join(EVENT_NAMES)}", 2
        )
    return tuple(EVENT_NAMES[n] for n in names)


def run(args: argparse.Namespace) -> int:
    from darwin_metrics.metricpath import PathError
    from darwin_metrics.monitor.core import Monitor
    from darwin_metrics.monitor.rules import ThresholdRule
    from darwin_metrics.records.base import to_json

    kinds = _kinds(args.events)
    try:
        rules = [ThresholdRule.from_text(text) for text in args.on]
    except PathError as exc:
        raise CLIError(str(exc), 2) from None
    stopping: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        stopping.append(signum)

    families = [f.strip() for f in args.families.split(",") if f.strip()] or None
    try:
        monitor = Monitor(interval=args.interval, families=families, processes=args.processes)
    except ValueError as exc:
        raise CLIError(str(exc), 2) from None
    for rule in rules:
        monitor.threshold(rule)
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    events = monitor.events(kinds)
    deadline = None if args.duration is None else time.monotonic() + args.duration
    try:
        monitor.start()
        pushed = ", ".join(monitor.stats.pushed_sources) or "none (everything polled)"
        print(
            f"watching every {args.interval:g} s; pushed by the kernel: {pushed}", file=sys.stderr
        )
        sys.stderr.flush()
        while not stopping and (deadline is None or time.monotonic() < deadline):
            event = events.get(timeout=0.2)
            if event is None:
                continue
            if args.json:
                sys.stdout.write(to_json(event).decode() + "\n")
            else:
                sys.stdout.write(format_event(event) + "\n")
            sys.stdout.flush()
    finally:
        monitor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    stats = monitor.stats
    if stats.dropped_events or stats.missed_ticks:
        print(
            f"{stats.dropped_events} event(s) dropped, {stats.missed_ticks} tick(s) missed",
            file=sys.stderr,
        )
    return 0


def format_event(event: Event) -> str:
    """One line: local time, the event kind, then its non-empty fields as ``key=value``."""
    from darwin_metrics.monitor.events import tag

    stamp = datetime.fromtimestamp(event.observed_at).strftime("%H:%M:%S.%f")[:-3]
    parts = [stamp, tag(type(event).__name__)]
    for name in event.__struct_fields__:
        if name in _NESTED or name == "pushed":
            continue
        value: Any = getattr(event, name)
        if value is None or value == ():
            continue
        if isinstance(value, float):
            value = f"{value:.6g}"
        elif isinstance(value, tuple):
            value = ",".join(str(v) for v in value)
        parts.append(f"{name}={value}")
    if event.pushed:
        parts.append("(pushed)")
    return "  ".join(parts)
