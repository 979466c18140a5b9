"""``/proc/PID/stat`` and ``/proc/PID/task/TID/stat``: one line of space-separated fields.

Format (proc(5), ``fs/proc/array.c``): ``pid (comm) state ppid pgrp session tty_nr tpgid flags
minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads itrealvalue
starttime vsize rss ...  processor ...``. ``comm`` may hold spaces, parentheses and even newlines,
so it runs from the first ``(`` to the *last* ``)``. Times are in clock ticks (``USER_HZ``),
``vsize`` in bytes, ``rss`` in pages.
"""

from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple

from darwin_metrics.errors import ParseError

#: The kernel's one-letter task states (``task_state_array`` and older kernels) as words.
STATES: dict[str, str] = {
    "R": "running",
    "S": "sleeping",
    "D": "disk-sleep",
    "T": "stopped",
    "t": "tracing-stop",
    "X": "dead",
    "x": "dead",
    "Z": "zombie",
    "P": "parked",
    "I": "idle",
    "K": "wake-kill",
    "W": "waking",
}

#: ``PF_FORKNOEXEC`` in the ``flags`` field: forked but has not called exec yet.
PF_FORKNOEXEC = 0x40

# Fields after ``comm``: field N of proc(5) is at index N - 3. These are ppid, tty_nr, flags,
# utime, stime, cutime, cstime, nice, num_threads, starttime, vsize and rss, in PidStat's order.
_PICK = itemgetter(1, 4, 6, 11, 12, 13, 14, 16, 17, 19, 20, 21)
_MIN_FIELDS = 22
_PROCESSOR = 36


class PidStat(NamedTuple):
    """The fields of ``/proc/PID/stat`` that darwin-metrics uses, in the file's units.

    ``cutime``/``cstime`` are signed in the kernel's format and kept as printed; ``processor``
    is ``None`` on kernels that do not print it.
    """

    pid: int
    comm: str
    state: str
    ppid: int
    tty_nr: int
    flags: int
    utime: int
    stime: int
    cutime: int
    cstime: int
    nice: int
    num_threads: int
    starttime: int
    vsize: int
    rss: int
    processor: int | None


def state_name(code: str) -> str:
    """The word for a one-letter task state; ``unknown`` for a letter this code does not know."""
    return STATES.get(code, "unknown")


def stat_values(
    data: bytes, source: str = "/proc/PID/stat"
) -> tuple[int, str, str, int, int, int, int, int, int, int, int, int, int, int, int, int | None]:
    """The values of :class:`PidStat`, in its order, as a plain tuple (what the process reader
    uses, sparing one object per process). Raises :class:`ParseError` naming ``source``."""
    left = data.find(b"(")
    right = data.rfind(b")")
    if left <= 0 or right < left:
        raise ParseError(source, "no '(comm)' field")
    newline = data.find(b"\n", right + 2)
    rest = data[right + 2 : newline] if newline >= 0 else data[right + 2 :]
    fields = rest.split(None, _PROCESSOR + 1)
    if len(fields) < _MIN_FIELDS:
        raise ParseError(source, f"{len(fields) + 2} fields, expected at least {_MIN_FIELDS + 2}")
    try:
        state = fields[0].decode("ascii")
        pid = int(data[:left])
        ppid, tty_nr, flags, utime, stime, cutime, cstime, nice, threads, start, vsize, rss = map(
            int, _PICK(fields)
        )
        processor = int(fields[_PROCESSOR]) if len(fields) > _PROCESSOR else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(source, f"bad field: {exc}") from None
    if len(state) != 1:
        raise ParseError(source, f"bad state {state[:8]!r}")
    if pid <= 0 or ppid < 0 or utime < 0 or stime < 0 or threads < 0 or start < 0 or vsize < 0:
        raise ParseError(source, "negative value where the kernel prints an unsigned one")
    return (
        pid,
        data[left + 1 : right].decode("utf-8", "replace"),
        state,
        ppid,
        tty_nr,
        flags,
        utime,
        stime,
        cutime,
        cstime,
        nice,
        threads,
        start,
        vsize,
        rss,
        processor,
    )


def parse_pid_stat(data: bytes, source: str = "/proc/PID/stat") -> PidStat:
    """Parse one ``stat`` file. Raises :class:`ParseError` naming ``source`` when malformed."""
    return PidStat._make(stat_values(data, source))
