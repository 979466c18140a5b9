"""The ``darwin-metrics`` command (also ``python -m darwin_metrics``).

Each sub-command lives in ``darwin_metrics/cli/cmd_<name>.py`` and exposes
``register(subparsers)``, which adds its parser and sets ``handler`` (a function
``argparse.Namespace -> int``, the exit code). :data:`COMMANDS` lists every command with its help
line and module, in help order; adding a command is one new module and one row there. With no
sub-command the summary runs.

A command's module is imported only when that command runs: ``--help`` and ``--version`` list the
commands from :data:`COMMANDS` alone, so they import no records and read nothing. The command line
is parsed twice: first with a placeholder parser per command, which finds the command (and answers
``--help``, ``--version`` and top-level usage errors); then with the chosen command's own parser.

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

from darwin_metrics import __version__
from darwin_metrics.cli.common import CLIError
from darwin_metrics.errors import DarwinMetricsError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import NoReturn

PROG = "darwin-metrics"

#: Every sub-command as (name, help line, module), in the order ``--help`` lists them. The module
#: is imported, and its ``register(subparsers)`` called, only when its command runs.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    (
        "summary",
        "one-screen summary of this machine (the default)",
        "darwin_metrics.cli.cmd_summary",
    ),
    (
        "snapshot",
        "every family at one moment (--json for machines)",
        "darwin_metrics.cli.cmd_snapshot",
    ),
    (
        "processes",
        "list processes (sorted by CPU, memory or I/O; --tree; --json)",
        "darwin_metrics.cli.cmd_processes",
    ),
    (
        "fan",
        "list fans; hold one at a duty (root); return one to automatic (root)",
        "darwin_metrics.cli.cmd_fan",
    ),
    (
        "record",
        "record samples into the history database (SQLite) until stopped",
        "darwin_metrics.cli.cmd_record",
    ),
    (
        "history",
        "read recorded history back by metric path (--json, --csv)",
        "darwin_metrics.cli.cmd_history",
    ),
    (
        "plot",
        "draw recorded history to a PNG or SVG file (needs the 'plot' extra)",
        "darwin_metrics.cli.cmd_plot",
    ),
    ("top", "live full-screen dashboard (q quits)", "darwin_metrics.cli.cmd_top"),
    (
        "serve",
        "Prometheus exporter (node_exporter names) and the live page",
        "darwin_metrics.cli.cmd_serve",
    ),
    (
        "otel",
        "push metrics to an OpenTelemetry collector over OTLP/HTTP",
        "darwin_metrics.cli.cmd_otel",
    ),
    (
        "watch",
        "print events as they happen (--json for JSON lines)",
        "darwin_metrics.cli.cmd_watch",
    ),
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``darwin-metrics: error: ...``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser(command: str | None = None) -> ArgumentParser:
    """The parser, with sub-command ``command`` registered by its module.

    Every other command gets a placeholder that carries only its name and help line (enough for
    ``--help`` and to recognise the name); ``command=None`` gives placeholders only.
    """
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
    for name, help_line, module in COMMANDS:
        if name == command:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=help_line, add_help=False)
    return parser


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv`` (default ``sys.argv[1:]``), importing only the chosen command's module.

    Raises ``SystemExit`` for ``--help``, ``--version`` and usage errors, as argparse does.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    # The placeholders accept anything after the command name (parse_known_args keeps it aside),
    # so this first pass only finds the command.
    found, _ = build_parser().parse_known_args(args)
    return build_parser(found.command).parse_args(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    try:
        args = parse(argv)
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
