"""``darwin-metrics plot``: draw recorded history to a PNG or SVG file (matplotlib)."""

from __future__ import annotations

import argparse
import sys

from darwin_metrics.cli.cmd_history import add_range_arguments, run_queries
from darwin_metrics.cli.common import CLIError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="draw recorded history to a PNG or SVG file (needs the 'plot' extra)",
        description="Draw the series of each --metric over the range; series of one unit share "
        "a panel, each unit has its own, axes in human units. Needs matplotlib: "
        "pip install 'darwin-metrics[plot]'.",
    )
    add_range_arguments(parser)
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="chart file: .png or .svg"
    )
    parser.add_argument("--title", help="chart title (default: the metric paths)")
    parser.add_argument(
        "--width", type=float, default=10.0, metavar="INCHES", help="width (default 10)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from darwin_metrics.history.plot import FORMATS, PlotExtraMissing, plot

    if not any(args.output.lower().endswith(suffix) for suffix in FORMATS):
        raise CLIError(f"--output must end in {' or '.join(FORMATS)}: {args.output}", code=2)
    results = run_queries(args)
    try:
        lines = plot(results, args.output, title=args.title, width=args.width)
    except PlotExtraMissing as exc:
        raise CLIError(str(exc)) from None
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    except OSError as exc:
        raise CLIError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    points = sum(len(line.times) for line in lines)
    print(f"wrote {args.output}: {len(lines)} series, {points} points", file=sys.stderr)
    return 0
