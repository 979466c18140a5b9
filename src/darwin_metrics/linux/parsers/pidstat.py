"""``/proc/PID/stat`` and ``/proc/PID/task/TID/stat``: one line of space-separated fields.

Format (proc(5), ``fs/proc/array.c``): ``pid (comm) state ppid pgrp session tty_nr tpgid flags
minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads itrealvalue
starttime vsize rss ...  processor ...``. ``comm`` may hold spaces, parentheses and even newlines,
so it runs from the first ``(`` to the *last* ``)``. Times are in clock ticks (``USER_HZ``),
``vsize`` in bytes, ``rss`` in pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

import msgspec

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


class PidStat(msgspec.Struct, frozen=True, gc=False):
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


_decode_ints = msgspec.json.Decoder(list[int]).decode


def int_fields(tokens: Sequence[bytes]) -> list[int]:
    """Decimal integer tokens (no whitespace inside, as ``bytes.split`` gives) as ints, what
    ``[int(t) for t in tokens]`` gives; ``ValueError`` for a token that is not an integer.

    Hot path of the per-process parsers: the tokens are joined into one JSON array and decoded by
    msgspec in one call, about half the time of one ``int()`` per token. A token that is not a
    JSON integer (a leading zero or ``+``, a separator inside it) fails the decode or changes the
    element count, and then each token goes through ``int()``, which decides.
    """
    try:
        values = _decode_ints(b"[" + b",".join(tokens) + b"]")
    except msgspec.DecodeError:
        return [int(t) for t in tokens]
    if len(values) != len(tokens):
        return [int(t) for t in tokens]
    return values


def parse_pid_stat(data: bytes, source: str = "/proc/PID/stat") -> PidStat:
    """Parse one ``stat`` file. Raises :class:`ParseError` naming ``source`` when malformed."""
    left = data.find(b"(")
    right = data.rfind(b")")
    if left <= 0 or right < left:
        raise ParseError(source, "no '(comm)' field")
    newline = data.find(b"\n", right + 2)
    rest = data[right + 2 : newline] if newline >= 0 else data[right + 2 :]
    fields = rest.split(None, _PROCESSOR + 1)
    if len(fields) < _MIN_FIELDS:
        raise ParseError(source, f"{len(fields) + 2} fields, expected at least {_MIN_FIELDS + 2}")
    has_processor = len(fields) > _PROCESSOR
    tokens = [data[:left], *_PICK(fields)]
    if has_processor:
        tokens.append(fields[_PROCESSOR])
    try:
        state = fields[0].decode("ascii")
        values = int_fields(tokens)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(source, f"bad field: {exc}") from None
    if len(state) != 1:
        raise ParseError(source, f"bad state {state[:8]!r}")
    pid, ppid, tty_nr, flags, utime, stime, cutime, cstime, nice, threads, start, vsize, rss = (
        values[:13]
    )
    if pid <= 0 or ppid < 0 or utime < 0 or stime < 0 or threads < 0 or start < 0 or vsize < 0:
        raise ParseError(source, "negative value where the kernel prints an unsigned one")
    return PidStat(
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
        values[13] if has_processor else None,
    )
