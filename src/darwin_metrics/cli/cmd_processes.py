"""``darwin-metrics processes``: the process list, sorted, as a table, a tree or JSON."""

from __future__ import annotations

import argparse
import time
from typing import Any

from darwin_metrics.cli import proctable
from darwin_metrics.cli.common import CLIError, console, interval, positive_int, print_json

#: Seconds between the two process reads that CPU percent and I/O rates are computed over.
DEFAULT_INTERVAL = 0.5


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "processes",
        help="list processes (sorted by CPU, memory or I/O; --tree; --json)",
        description="List processes. CPU percent and I/O rates are measured over --interval "
        "seconds; with --interval 0 there are no rates and cpu/io sort by cumulative totals.",
    )
    parser.add_argument(
        "--sort",
        choices=proctable.SORT_KEYS,
        default="cpu",
        help="cpu: CPU percent; memory: resident size; io: storage bytes per second (default cpu)",
    )
    parser.add_argument("--tree", action="store_true", help="show parent -> children trees")
    parser.add_argument("--json", action="store_true", help="print JSON (see docs/json.md)")
    parser.add_argument(
        "--limit", type=positive_int, metavar="N", help="show only the first N processes"
    )
    parser.add_argument(
        "--interval",
        type=interval,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"seconds to measure rates over, 0 for none (default {DEFAULT_INTERVAL})",
    )
    parser.set_defaults(handler=run)


def collect(seconds: float) -> tuple[list[proctable.Row], float | None]:
    """Read the processes (twice, ``seconds`` apart, when ``seconds`` > 0) and pair them with rates."""
    from darwin_metrics.backend import default_backend
    from darwin_metrics.rates import process_rates

    backend = default_backend()
    first = backend.processes()
    if seconds <= 0:
        return proctable.pair(first, None), None
    started = time.monotonic()
    time.sleep(seconds)
    second = backend.processes()
    elapsed = time.monotonic() - started
    return proctable.pair(second, process_rates(first, second, elapsed)), elapsed


def run(args: argparse.Namespace) -> int:
    if args.tree and args.limit is not None:
        raise CLIError("--limit cannot be used with --tree (a tree shows every process)", code=2)
    rows, elapsed = collect(args.interval)
    rows = proctable.sort_rows(rows, args.sort)
    if args.limit is not None:
        rows = rows[: args.limit]
    nodes = None
    if args.tree:
        from darwin_metrics.proctree import build_tree

        nodes = build_tree(r.process for r in rows)
    by_pid = {r.process.pid: r for r in rows}

    if args.json:
        payload: dict[str, Any] = {
            "timestamp": time.time(),
            "interval": elapsed,
            "sort": args.sort,
        }
        if nodes is not None:
            payload["tree"] = proctable.tree_entries(nodes, by_pid, args.sort)
        else:
            payload["processes"] = [proctable.entry(r) for r in rows]
        print_json(payload)
        return 0

    out = console()
    if nodes is not None:
        out.print(proctable.tree(nodes, by_pid, args.sort))
    else:
        out.print(proctable.table(rows, sort=args.sort))
    return 0
