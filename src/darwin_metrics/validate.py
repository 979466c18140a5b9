"""Checks of the arguments of public functions: a wrong type is ``TypeError``, a value out of
range ``ValueError``, before anything is read (``docs/CONTRIBUTING.md``, "Errors")."""

from __future__ import annotations

import sys

#: The largest value of ``pid_t`` (a signed 32-bit integer on Linux and macOS).
PID_MAX = 2**31 - 1
#: The smallest process id: macOS lists ``kernel_task`` as pid 0; Linux has no process 0.
PID_MIN = 0 if sys.platform == "darwin" else 1


def pid_argument(pid: object, name: str = "pid") -> int:
    """``pid`` when it is a process id: an ``int`` (not a ``bool``) from :data:`PID_MIN` to
    :data:`PID_MAX`.

    Raises ``TypeError`` for another type (``"1"``, ``"self"``, ``1.0``) and ``ValueError`` for an
    int out of range. A valid pid of no process is the caller's ``NoSuchProcess`` to raise.
    """
    if not isinstance(pid, int) or isinstance(pid, bool):
        raise TypeError(f"{name} must be an int, not {type(pid).__name__}: {pid!r}")
    if not PID_MIN <= pid <= PID_MAX:
        raise ValueError(f"{name} must be from {PID_MIN} to {PID_MAX}, not {pid}")
    return pid


def optional_pid(pid: object, name: str = "pid") -> int | None:
    """:func:`pid_argument`, with ``None`` (this process) allowed."""
    return None if pid is None else pid_argument(pid, name)
