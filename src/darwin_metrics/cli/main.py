"""The ``darwin-metrics`` command (also ``python -m darwin_metrics``).

Each sub-command lives in ``darwin_metrics/cli/cmd_<name>.py`` and exposes
``register(subparsers)``, which adds its parser and sets ``handler`` (a function
``argparse.Namespace -> int``, the exit code). :data:`COMMANDS` lists the modules, in help order;
adding a command is one new module and its name here. With no sub-command the summary runs.

Exit codes: 0 success; 1 a runtime failure (a :class:`~darwin_metrics.DarwinMetricsError`, or rich
missing for a view that needs it), reported as one line on stderr; 2 bad arguments, reported as one
line on stderr; 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from darwin_metrics import __version__
from darwin_metrics.cli.common import CLIError
from darwin_metrics.errors import DarwinMetricsError

PROG = "darwin-metrics"

#: Sub-command modules ``darwin_metrics.cli.cmd_<name>``, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "summary",
    "snapshot",
    "processes",
    "fan",
    "watch",
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``darwin-metrics: error: ...``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> ArgumentParser:
    """The parser with every registered sub-command."""
    from darwin_metrics.cli import cmd_summary

    parser = ArgumentParser(
        prog=PROG,
        description="Native system metrics for macOS and Linux. With no command, prints a "
        "one-screen summary of this machine.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    cmd_summary.add_arguments(parser)
    parser.set_defaults(handler=cmd_summary.run)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMANDS:
        module = importlib.import_module(f"darwin_metrics.cli.cmd_{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    try:
        code: int = args.handler(args)
    except CLIError as exc:
        print(f"{PROG}: {'error: ' if exc.code == 2 else ''}{exc}", file=sys.stderr)
        return exc.code
    except DarwinMetricsError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python's exit-time flush quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code
