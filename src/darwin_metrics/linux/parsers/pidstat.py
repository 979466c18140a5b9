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


def stat_numbers_text(data: bytes) -> tuple[str, str, bytes] | None:
    """``comm``, the state and every number of a ``stat`` file as the items of a JSON array
    (``b"pid ,ppid,pgrp,..."``), for the layout the kernel prints: ``pid (comm) S n n ... n``,
    one space between fields and a line feed only at the end: the pid (field 1 of proc(5)), then
    fields 4 onwards (:class:`~darwin_metrics.linux.parsers.pidnumbers.StatNumbers`). ``None``
    for another layout, which :func:`parse_pid_stat` then reads.

    Where the items decode as JSON integers, they are the fields :func:`parse_pid_stat` splits
    the line into, with its values: no field holds a comma or a line feed, so each space is one
    separator (two spaces, or a separator JSON does not take, fail the decode).
    """
    left = data.find(b"(")
    right = data.rfind(b")")
    end = len(data) - 1
    if left <= 0 or right < left or data.find(b"\n", right) != end or right + 4 >= end:
        return None
    state = data[right + 2 : right + 3]
    if state.isspace() or not state.isascii() or data[right + 3 : right + 4] != b" ":
        return None
    pid = data[:left]
    body = data[right + 4 : end]
    if b"," in body or b"," in pid:
        return None
    return (
        data[left + 1 : right].decode("utf-8", "replace"),
        state.decode("ascii"),
        pid + b"," + body.replace(b" ", b","),
    )


def stat_tokens(data: bytes, source: str = "/proc/PID/stat") -> tuple[str, str, list[bytes]]:
    """The parts of one ``stat`` file before number conversion: ``comm`` (decoded, undecodable
    bytes replaced), the one-letter state, and the number texts in the order of
    :func:`parse_pid_stat`'s ``values``: pid, then :class:`PidStat`'s fields from ``ppid`` to
    ``rss``, then ``processor`` where the kernel prints it (14 texts, else 13).

    Raises :class:`ParseError` naming ``source`` for a file without ``(comm)``, with too few
    fields, or with a state that is not one ASCII letter. The numbers are checked by
    :func:`stat_numbers_valid` after conversion.
    """
    left = data.find(b"(")
    right = data.rfind(b")")
    if left <= 0 or right < left:
        raise ParseError(source, "no '(comm)' field")
    newline = data.find(b"\n", right + 2)
    rest = data[right + 2 : newline] if newline >= 0 else data[right + 2 :]
    fields = rest.split(None, _PROCESSOR + 1)
    if len(fields) < _MIN_FIELDS:
        raise ParseError(source, f"{len(fields) + 2} fields, expected at least {_MIN_FIELDS + 2}")
    tokens = [data[:left], *_PICK(fields)]
    if len(fields) > _PROCESSOR:
        tokens.append(fields[_PROCESSOR])
    try:
        state = fields[0].decode("ascii")
    except UnicodeDecodeError as exc:
        raise ParseError(source, f"bad field: {exc}") from None
    if len(state) != 1:
        raise ParseError(source, f"bad state {state[:8]!r}")
    return data[left + 1 : right].decode("utf-8", "replace"), state, tokens


def stat_numbers_valid(values: Sequence[int]) -> bool:
    """Whether the converted :func:`stat_tokens` are possible: the kernel prints pid, ppid, the
    times, the thread count, the start time and the virtual size unsigned (and pid above 0)."""
    pid, ppid, _, _, utime, stime, _, _, _, threads, start, vsize = values[:12]
    return not (
        pid <= 0 or ppid < 0 or utime < 0 or stime < 0 or threads < 0 or start < 0 or vsize < 0
    )


def parse_pid_stat(data: bytes, source: str = "/proc/PID/stat") -> PidStat:
    """Parse one ``stat`` file. Raises :class:`ParseError` naming ``source`` when malformed."""
    comm, state, tokens = stat_tokens(data, source)
    try:
        values = int_fields(tokens)
    except ValueError as exc:
        raise ParseError(source, f"bad field: {exc}") from None
    if not stat_numbers_valid(values):
        raise ParseError(source, "negative value where the kernel prints an unsigned one")
    pid, ppid, tty_nr, flags, utime, stime, cutime, cstime, nice, threads, start, vsize, rss = (
        values[:13]
    )
    return PidStat(
        pid,
        comm,
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
        values[13] if len(values) > 13 else None,
    )
