"""``darwin-metrics`` / ``darwin-metrics summary``: one screen about this machine."""

from __future__ import annotations

import argparse
import time

from darwin_metrics.cli.common import console, interval, print_json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from darwin_metrics.records.rates import Sample

#: Seconds between the two samples the summary's rates are computed over.
DEFAULT_INTERVAL = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The summary's options (also accepted with no sub-command)."""
    parser.add_argument(
        "--interval",
        type=interval,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"seconds to sample rates over, 0 for none (default {DEFAULT_INTERVAL})",
    )
    parser.add_argument(
        "--no-processes",
        dest="processes",
        action="store_false",
        help="leave out the process list (faster)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the sample as JSON: {timestamp, snapshot, elapsed, rates} (see docs/json.md)",
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "summary",
        help="one-screen summary of this machine (the default)",
        description="One screen about this machine: CPU, memory, volumes, network, top processes.",
    )
    add_arguments(parser)
    parser.set_defaults(handler=run)


def take(seconds: float, *, processes: bool = True) -> Sample:
    """A sample with rates over ``seconds`` (no rates when ``seconds`` is 0)."""
    from darwin_metrics.sampler import Sampler

    sampler = Sampler(processes=processes)
    sample = sampler.sample()
    if seconds > 0:
        time.sleep(seconds)
        sample = sampler.sample()
    return sample


def run(args: argparse.Namespace) -> int:
    if args.json:
        print_json(take(args.interval, processes=args.processes))
        return 0
    out = console()
    from darwin_metrics.cli.summary import SECTIONS, processes_section, render

    sections = [s for s in SECTIONS if args.processes or s is not processes_section]
    out.print(render(take(args.interval, processes=args.processes), sections))
    return 0
