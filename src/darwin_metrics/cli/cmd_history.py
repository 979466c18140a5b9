"""``darwin-metrics history``: read recorded values back by metric path (text, JSON or CSV)."""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from darwin_metrics.cli.common import CLIError, print_json
from darwin_metrics.history.durations import parse_time

if TYPE_CHECKING:
    from darwin_metrics.history.query import HistoryResult
    from darwin_metrics.history.store import HistoryStore


def time_arg(text: str) -> float:
    """An argparse type: a time (``1h`` = an hour ago, ``now``, epoch seconds, ISO 8601)."""
    try:
        return parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_range_arguments(parser: argparse.ArgumentParser) -> None:
    """``--db``, ``--since``, ``--until``, ``--metric`` and ``--resolution`` (shared with plot)."""
    parser.add_argument("--db", metavar="PATH", help="database file (default: see docs/history.md)")
    parser.add_argument(
        "--since",
        type=time_arg,
        default=None,
        metavar="TIME",
        help="start: a duration ago (15m, 1h, 7d), epoch seconds or ISO 8601 (default 1h)",
    )
    parser.add_argument(
        "--until", type=time_arg, default=None, metavar="TIME", help="end (default now)"
    )
    parser.add_argument(
        "--metric",
        action="append",
        metavar="PATH",
        help="metric path, repeatable (cpu.percent, interfaces[*].rx_bytes_per_second.sum; "
        "grammar in docs/history.md)",
    )
    parser.add_argument(
        "--resolution",
        choices=("auto", "raw", "minute", "hour"),
        default="auto",
        help="raw samples or rollups (default: the finest that covers --since)",
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "history",
        help="read recorded history back by metric path (--json, --csv)",
        description="Read values recorded by 'darwin-metrics record' back. Without --json or "
        "--csv prints one line per series: points, min, mean, max and last value.",
    )
    add_range_arguments(parser)
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the points as JSON")
    out.add_argument("--csv", action="store_true", help="print time,path,value rows as CSV")
    out.add_argument("--list", action="store_true", help="list the stored series paths")
    parser.set_defaults(handler=run)


def open_store(db: str | None) -> HistoryStore:
    """The history database, read-only."""
    from darwin_metrics.history.paths import default_db_path
    from darwin_metrics.history.store import HistoryStore

    return HistoryStore(db if db is not None else default_db_path(), readonly=True)


def run_queries(args: argparse.Namespace) -> list[HistoryResult]:
    """Run every ``--metric`` over the range; bad paths are usage errors (exit 2)."""
    from darwin_metrics.history.query import query
    from darwin_metrics.metricpath import PathError

    if not args.metric:
        raise CLIError("give at least one --metric PATH (see --list)", code=2)
    until = args.until if args.until is not None else time.time()
    since = args.since if args.since is not None else until - 3600
    if since >= until:
        raise CLIError("--since must be before --until", code=2)
    store = open_store(args.db)
    try:
        return [query(store, m, since, until, args.resolution) for m in args.metric]
    except PathError as exc:
        raise CLIError(str(exc), code=2) from None
    finally:
        store.close()


def run(args: argparse.Namespace) -> int:
    from darwin_metrics.history.units import format_value

    if args.list:
        from darwin_metrics.history.query import match
        from darwin_metrics.metricpath import PathError, parse

        store = open_store(args.db)
        try:
            paths = sorted(store.series())
        finally:
            store.close()
        try:
            for metric in args.metric or ():
                paths = match(parse(metric), paths)
        except PathError as exc:
            raise CLIError(str(exc), code=2) from None
        sys.stdout.write("".join(p + "\n" for p in paths))
        return 0
    results = run_queries(args)
    if args.json:
        print_json(results[0] if len(results) == 1 else results)
        return 0
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["time", "iso_time", "path", "value"])
        rows = [
            (t, s.path, v)
            for result in results
            for s in result.series
            for t, v in zip(s.times, s.values, strict=False)
        ]
        rows.sort(key=lambda row: (row[0], row[1]))
        for t, path, value in rows:
            iso = datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds")
            writer.writerow([f"{t:.3f}", iso, path, repr(value)])
        return 0
    lines = [("series", "points", "min", "mean", "max", "last")]
    for result in results:
        if not result.series:
            print(f"{result.metric}: no recorded values in this range", file=sys.stderr)
        for s in result.series:
            values = s.values
            lines.append(
                (
                    s.path,
                    str(len(values)),
                    format_value(min(values), s.unit),
                    format_value(math.fsum(values) / len(values), s.unit),
                    format_value(max(values), s.unit),
                    format_value(values[-1], s.unit),
                )
            )
    if len(lines) > 1:
        widths = [max(len(line[i]) for line in lines) for i in range(6)]
        for line in lines:
            cells = [line[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=False)
            ]
            print("  ".join(cells).rstrip())
    sys.stdout.flush()
    print(f"resolution: {results[0].resolution}", file=sys.stderr)
    return 0 if any(r.series for r in results) else 1
