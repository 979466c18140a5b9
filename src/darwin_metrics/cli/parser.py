"""The command line's parser: argparse with one-line usage errors, each command's own parser
registered only for the command that runs.

A command line that starts with its command (``snapshot --json``) is parsed once, by a parser
holding that command alone: argparse hands every word after the command to the command's parser.
Any other is parsed twice: first with a placeholder parser per command, which finds the command
(and answers ``--help``, ``--version`` and top-level usage errors); then with the chosen command's
own parser. The first pass is built with the likely command's own parser already in place, so that
one parser usually serves both passes.
"""

from __future__ import annotations

import argparse
import os
import sys

from darwin_metrics import __version__
from darwin_metrics.cli.main import COMMANDS, PROG

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, NoReturn


def terminal_columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` gives it (``$COLUMNS``, then the
    terminal of stdout, then 80), without importing :mod:`shutil` (and bz2, lzma behind it)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
        except (ValueError, OSError):
            columns = 0
    return columns or 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, with the width found without :mod:`shutil` (argparse makes one for
    every argument it adds, so even ``--version`` would import it)."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


_COMMAND_NAMES = frozenset(name for name, _, _ in COMMANDS)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``darwin-metrics: error: ...``) and exit code 2,
    and help is formatted by :class:`HelpFormatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("formatter_class", argparse.HelpFormatter) is argparse.HelpFormatter:
            kwargs["formatter_class"] = HelpFormatter
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser(command: str | None = None, *, placeholders: bool = True) -> ArgumentParser:
    """The parser, with sub-command ``command`` registered by its module.

    Every other command gets a placeholder that carries only its name and help line (enough for
    ``--help`` and to recognise the name); ``command=None`` gives placeholders only.
    ``placeholders=False`` leaves the other commands out: enough to parse a command line that
    starts with ``command``, since argparse then hands every later word to that command's parser.
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
            __import__(module)  # importlib.import_module without importing importlib
            sys.modules[module].register(subparsers)
        elif placeholders:
            subparsers.add_parser(name, help=help_line, add_help=False)
    return parser


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv`` (default ``sys.argv[1:]``), importing only the chosen command's module.

    Raises ``SystemExit`` for ``--help``, ``--version`` and usage errors, as argparse does.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in _COMMAND_NAMES:
        # The command comes first: no top-level option can come into play, and no other command.
        return build_parser(args[0], placeholders=False).parse_args(args)
    # The placeholders accept anything after the command name (parse_known_args keeps it aside),
    # so this first pass only finds the command. It is built with the likely command (the first
    # argument that names one) already registered: when the guess is right, as it is unless an
    # option's value is a command name, that parser answers the second pass too.
    guess = next((a for a in args if a in _COMMAND_NAMES), None)
    parser = build_parser(guess)
    found, _ = parser.parse_known_args(args)
    if found.command != guess:
        parser = build_parser(found.command)
    return parser.parse_args(args)
