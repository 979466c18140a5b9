"""The ``darwin-metrics`` command (also ``python -m darwin_metrics``).

Each sub-command lives in ``darwin_metrics/cli/cmd_<name>.py`` and exposes
``register(subparsers)``, which adds its parser and sets ``handler`` (a function
``argparse.Namespace -> int``, the exit code). :data:`COMMANDS` lists every command with its help
line and module, in help order; adding a command is one new module and one row there. With no
sub-command the summary runs.

A command's module is imported only when that command runs: ``--help`` and ``--version`` list the
commands from :data:`COMMANDS` alone, so they import no records and read nothing; ``--version``
alone is answered before argparse is imported. The parser is built in
:mod:`darwin_metrics.cli.parser`.

Exit codes: 0 success; 1 a runtime failure (a :class:`~darwin_metrics.DarwinMetricsError`, or rich
missing for a view that needs it), reported as one line on stderr; 2 bad arguments, reported as one
line on stderr; 130 interrupted.
"""

from __future__ import annotations

import errno
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import signal
    from collections.abc import Sequence
    from types import FrameType
    from typing import NoReturn
else:
    # The C module behind signal.py: the same functions and constants, without the enum classes
    # that signal.py builds at import (milliseconds of every start, --version's included).
    import _signal as signal


def _interrupted_at_start(signum: int, frame: FrameType | None) -> None:
    os._exit(130)  # Ctrl-C while the command's modules load: quiet, as Ctrl-C later is


# Until this module has loaded (main() then turns Ctrl-C into exit 130 itself), an interrupt ends
# the process at once instead of printing an import traceback. Put back at the end of the module.
if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    try:
        signal.signal(signal.SIGINT, _interrupted_at_start)
    except ValueError:  # imported outside the main thread: leave Ctrl-C alone
        pass

from darwin_metrics import __version__  # noqa: E402
from darwin_metrics.cli.common import CLIError  # noqa: E402
from darwin_metrics.errors import DarwinMetricsError  # noqa: E402

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    The output is flushed here, so that an error writing it (a broken pipe, a full disk, a closed
    standard output) is one line on stderr and exit code 1, never a traceback or a silent 0. When
    a worker thread is still blocked in the kernel (a ``statvfs`` of a dead network or FUSE mount),
    the process ends with ``os._exit`` right after the flush instead of waiting for it.
    """
    try:
        code = _checked_stdout() or _run(argv)
    except KeyboardInterrupt:
        code = 130
    code = _flush(code)
    if _workers_stuck():
        os._exit(code)
    return code


def run() -> NoReturn:
    """The ``darwin-metrics`` console script (and ``python -m darwin_metrics``): :func:`main` on
    ``sys.argv``, then the end of the process.

    After a one-shot command (``snapshot``, ``processes``, ``--version``, ``--help``) whose output
    is flushed, the process ends with ``os._exit`` when nothing is left for the interpreter's
    shutdown to do (no ``atexit`` callback, no thread but this one): freeing every module and object
    at exit costs about 10 ms of CPU, a tenth of ``snapshot --json``. Otherwise it exits normally.
    """
    code = main()
    if _one_shot(sys.argv[1:]) and _nothing_left_at_exit():
        try:
            if sys.stderr is not None:
                sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(code)
    raise SystemExit(code)


def _one_shot(words: Sequence[str]) -> bool:
    return bool(words) and (words[0] in _ONE_SHOT or list(words) in _ONE_SHOT_WORDS)


#: Commands that read once, print to stdout and end.
_ONE_SHOT = frozenset({"snapshot", "processes"})
_ONE_SHOT_WORDS = (["--version"], ["--help"], ["-h"])


def _nothing_left_at_exit() -> bool:
    """No ``atexit`` callback registered (fan control's restore, logging's flush...) and no thread
    running but this one."""
    import atexit

    if atexit._ncallbacks():
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _run(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["--version"]:  # argparse's answer, without importing argparse
        sys.stdout.write(f"{PROG} {__version__}\n")
        return 0
    from darwin_metrics.cli.parser import parse

    try:
        args = parse(words)
    except SystemExit as exc:  # --help, --version and usage errors
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    try:
        code: int = args.handler(args)
    except CLIError as exc:
        _report(f"{'error: ' if exc.code == 2 else ''}{exc}")
        return exc.code
    except DarwinMetricsError as exc:
        _report(str(exc))
        return 1
    except OSError as exc:
        # The library raises only DarwinMetricsError: an OSError here comes from writing output.
        _report(f"cannot write the output: {exc.strerror or exc}")
        _silence_stdout()
        return 1
    return code


def _checked_stdout() -> int:
    """1 (and one line on stderr) when there is no standard output to write to, else 0."""
    if sys.stdout is None:  # started with fd 1 closed
        _report(f"cannot write the output: {os.strerror(errno.EBADF)}")
        return 1
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):
        return 0  # an in-memory stream (a test, an embedding program): nothing to check
    try:
        os.fstat(fd)
    except OSError as exc:
        _report(f"cannot write the output: {exc.strerror}")
        return 1
    return 0


def _flush(code: int) -> int:
    """Flush stdout; on failure report once and make the exit code non-zero."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError) as exc:
        _report(f"cannot write the output: {getattr(exc, 'strerror', None) or exc}")
        _silence_stdout()
        return code or 1
    return code


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so that the interpreter's own flush at exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def _report(message: str) -> None:
    try:
        print(f"{PROG}: {message}", file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass  # no stderr either: the exit code is all that is left


def _workers_stuck() -> bool:
    module = sys.modules.get("darwin_metrics.linux.statvfs")
    return module is not None and bool(module.any_stuck())


if signal.getsignal(signal.SIGINT) is _interrupted_at_start:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # main() handles Ctrl-C from here
