"""Signals and nice values for the dashboard's kill and renice keys.

Each action first checks that the pid still names the process the user chose (same start time), so a
pid reused since the last refresh is never signalled. Failures come back as :class:`ActionError`
with a sentence for the screen; nothing here raises anything else for an ordinary failure.
"""

from __future__ import annotations

import os
import signal

from darwin_metrics.errors import DarwinMetricsError, NoSuchProcess

#: The range of nice values on Linux and macOS.
NICE_MIN, NICE_MAX = -20, 19


class ActionError(Exception):
    """An action that could not be done; the message is shown to the user as is."""


def _check_same(pid: int, create_time: float | None) -> None:
    import darwin_metrics

    try:
        now = darwin_metrics.process(pid)
    except NoSuchProcess:
        raise ActionError(f"process {pid} has exited") from None
    except DarwinMetricsError:
        return  # cannot read it again (e.g. another user's on macOS): rely on the pid alone
    if create_time is not None and now.create_time is not None and now.create_time != create_time:
        raise ActionError(f"pid {pid} now belongs to another process; nothing was done")


def send_signal(pid: int, create_time: float | None, sig: signal.Signals) -> str:
    """Send ``sig`` to process ``pid`` (started at ``create_time``); returns what was done."""
    _check_same(pid, create_time)
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        raise ActionError(f"process {pid} has exited") from None
    except PermissionError:
        raise ActionError(f"not allowed to signal process {pid} (another user's?)") from None
    except OSError as exc:
        raise ActionError(f"could not signal process {pid}: {exc.strerror or exc}") from None
    return f"sent {sig.name} to process {pid}"


def renice(pid: int, create_time: float | None, nice: int) -> str:
    """Set the nice value of process ``pid`` to ``nice`` (-20 to 19); returns what was done."""
    if not NICE_MIN <= nice <= NICE_MAX:
        raise ActionError(f"nice must be between {NICE_MIN} and {NICE_MAX}, not {nice}")
    _check_same(pid, create_time)
    try:
        os.setpriority(os.PRIO_PROCESS, pid, nice)
    except ProcessLookupError:
        raise ActionError(f"process {pid} has exited") from None
    except PermissionError:
        raise ActionError(
            f"not allowed to set nice {nice} on process {pid} "
            "(lowering it, or another user's process, needs root)"
        ) from None
    except OSError as exc:
        raise ActionError(f"could not renice process {pid}: {exc.strerror or exc}") from None
    return f"process {pid} now runs at nice {nice}"
