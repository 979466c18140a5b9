"""Helpers shared by the sub-commands: errors, argument types, JSON output, the rich console.

Nothing here imports rich at module level: JSON output must work without the ``cli`` extra. Nor
msgspec or any record: ``--help`` and ``--version`` import this module and must stay quick.
"""

from __future__ import annotations

import math
import sys

#: ``typing.TYPE_CHECKING`` without importing typing (type checkers treat this name as true), so
#: that ``--help`` and ``--version`` import as little as possible.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from rich.console import Console

#: Installing this gives the command its tables and bars.
CLI_EXTRA = "darwin-metrics[cli]"


class CLIError(Exception):
    """A failure the command reports as one line on stderr, exiting with ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def need_rich() -> None:
    """Raise :class:`CLIError` with installation advice when rich cannot be imported."""
    try:
        import rich  # noqa: F401
    except ImportError:
        raise CLIError(
            f"this view needs the 'rich' package: pip install '{CLI_EXTRA}' "
            "(or use --json, which works without it)"
        ) from None


def console() -> Console:
    """A rich console on stdout (checks that rich is installed first)."""
    need_rich()
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def seconds_up_to(limit: float | None) -> Callable[[str], float]:
    """An argparse type: a number of seconds from 0 to ``limit`` (``None``: no upper bound)."""

    def parse(text: str) -> float:
        import argparse

        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
        if not math.isfinite(value) or value < 0 or (limit is not None and value > limit):
            bounds = f"between 0 and {limit:g}" if limit is not None else "0 or more"
            raise argparse.ArgumentTypeError(f"must be {bounds} seconds, got {text!r}")
        return value

    return parse


#: The sampling interval of the summary and ``processes``: 0 to 60 seconds.
interval = seconds_up_to(60)


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def print_json(value: Any) -> None:
    """Print records (or plain values holding records) as JSON with the record field names:
    UTF-8, indented by two spaces.

    The bytes go straight to the binary stream under ``sys.stdout`` (after flushing what was
    printed before): decoding them into a string for the text layer to encode again cost
    milliseconds for a process list of a few megabytes.
    """
    import msgspec

    from darwin_metrics.records.base import to_json

    data = msgspec.json.format(to_json(value), indent=2) + b"\n"
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text stream with no bytes beneath it (an in-memory one)
        sys.stdout.write(data.decode())
        return
    sys.stdout.flush()
    buffer.write(data)
