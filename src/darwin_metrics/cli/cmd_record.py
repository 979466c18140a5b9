"""``darwin-metrics record``: append samples to the history database until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from types import FrameType

from darwin_metrics.cli.common import CLIError, positive_int, seconds_up_to
from darwin_metrics.history.durations import format_duration, parse_duration

#: Families that can be recorded: fields of Snapshot and Rates.
DEFAULT_RETENTION = "30d"


def families_arg(text: str) -> tuple[str, ...]:
    """An argparse type: comma-separated family names (``cpu,memory,interfaces``)."""
    from darwin_metrics.metricpath import root_types

    known = set(root_types())
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown families {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(sorted(known))}"
        )
    return names


def duration_arg(text: str) -> float:
    """An argparse type: a duration such as ``90s``, ``12h``, ``7d``."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "record",
        help="record samples into the history database (SQLite) until stopped",
        description="Sample every --interval seconds and append readings and rates to the "
        "history database, in one transaction every --batch seconds. Complete minutes and hours "
        "are rolled up; raw samples are kept a day, minute rollups a week, hour rollups for "
        "--retention (each capped by --retention). Stops on Ctrl-C or SIGTERM after writing "
        "what it holds. See docs/history.md.",
    )
    parser.add_argument("--db", metavar="PATH", help="database file (default: see docs/history.md)")
    parser.add_argument(
        "--interval",
        type=seconds_up_to(3600),
        default=1.0,
        metavar="SECONDS",
        help="seconds between samples (default 1)",
    )
    parser.add_argument(
        "--families",
        type=families_arg,
        metavar="NAMES",
        help="comma-separated families to record (default: every family but processes)",
    )
    parser.add_argument(
        "--retention",
        type=duration_arg,
        default=parse_duration(DEFAULT_RETENTION),
        metavar="DURATION",
        help=f"how long history is kept, like 12h, 7d, 2w (default {DEFAULT_RETENTION})",
    )
    parser.add_argument(
        "--batch",
        type=seconds_up_to(3600),
        default=10.0,
        metavar="SECONDS",
        help="seconds of samples written per transaction (default 10)",
    )
    parser.add_argument("--count", type=positive_int, metavar="N", help="stop after N samples")
    parser.add_argument(
        "--verbose", action="store_true", help="say on stderr when each batch is committed"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from darwin_metrics.history.recorder import Recorder
    from darwin_metrics.sampler import Sampler

    if args.interval <= 0:
        raise CLIError("--interval must be more than 0 seconds", code=2)
    families = args.families
    recorder = Recorder(
        args.db, families=families, retention=args.retention, batch_seconds=args.batch
    )
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    print(
        f"recording to {recorder.path} every {args.interval:g} s, keeping "
        f"{format_duration(args.retention)} (Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
    from darwin_metrics.backend import default_backend
    from darwin_metrics.history.families import backend_for

    sampler = Sampler(
        backend_for(families, default_backend()),
        processes=families is not None and "processes" in families,
    )
    taken = 0
    committed = 0
    try:
        deadline = time.monotonic()
        while not stop.is_set():
            recorder.record(sampler.sample())
            taken += 1
            if args.verbose and recorder.batches_committed != committed:
                committed = recorder.batches_committed
                print(
                    f"committed batch {committed} ({recorder.samples_committed} samples)",
                    file=sys.stderr,
                    flush=True,
                )
            if args.count is not None and taken >= args.count:
                break
            deadline += args.interval
            stop.wait(max(0.0, deadline - time.monotonic()))
            if time.monotonic() - deadline > args.interval:
                deadline = time.monotonic()  # fell behind (suspend, slow read): do not burst
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        recorder.close()
    if args.verbose:
        print(f"stopped: {recorder.samples_committed} samples written", file=sys.stderr)
    return 0
