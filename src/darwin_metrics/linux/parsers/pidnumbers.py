"""The numbers of one process's ``stat``, ``status`` and ``io``, converted by one JSON decode.

:meth:`ProcessReader.processes` reads these three files for every process on every call; a
process that changed since the last call is parsed again. Instead of one conversion per file
into a struct that is read once, the number texts the three parsers would convert
(:func:`~darwin_metrics.linux.parsers.pidstat.stat_numbers_text`,
:func:`~darwin_metrics.linux.parsers.pidstatus.status_tokens`,
:func:`~darwin_metrics.linux.parsers.pidio.io_tokens`) are joined into one JSON document,
``[[stat...], [status...] or null, [io...] or null]``, which msgspec decodes into the named
structs below and checks against the parsers' ranges in the same call.

A document that does not decode (a text that is not a JSON integer, a value out of range, a
count other than the parsers expect) gives ``None``: the caller then runs the parsers, which give
the same values for the same bytes or the :class:`~darwin_metrics.errors.ParseError` naming the
file. The texts hold no comma (each file's layout check makes sure of that, or the element count
changes and the decode fails) and, checked here, no bracket, so the document has exactly the
shape written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import msgspec
from msgspec import Meta

_Unsigned = Annotated[int, Meta(ge=0)]
#: msgspec checks bounds within int64 only: an ``io`` counter of 2**63 or more (8 EiB, never
#: seen) fails the decode and goes to the parser, which accepts up to 2**64 - 1.
_Counter = Annotated[int, Meta(ge=0, le=(1 << 63) - 1)]


class StatNumbers(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """The numbers of a ``stat`` line up to ``processor``, in the file's units (proc(5): field 1,
    then field 4 onwards). Fields the kernel prints after ``processor`` are ignored. The ranges
    are :func:`~darwin_metrics.linux.parsers.pidstat.stat_numbers_valid`'s."""

    pid: Annotated[int, Meta(gt=0)]
    ppid: _Unsigned
    pgrp: int
    session: int
    tty_nr: int
    tpgid: int
    flags: int
    minflt: int
    cminflt: int
    majflt: int
    cmajflt: int
    utime: _Unsigned
    stime: _Unsigned
    cutime: int
    cstime: int
    priority: int
    nice: int
    num_threads: _Unsigned
    itrealvalue: int
    starttime: _Unsigned
    vsize: _Unsigned
    rss: int
    rsslim: int
    startcode: int
    endcode: int
    startstack: int
    kstkesp: int
    kstkeip: int
    signal: int
    blocked: int
    sigignore: int
    sigcatch: int
    wchan: int
    nswap: int
    cnswap: int
    exit_signal: int
    processor: int


class StatusNumbers(
    msgspec.Struct, array_like=True, frozen=True, gc=False, forbid_unknown_fields=True
):
    """The numbers of ``status`` in :class:`~darwin_metrics.linux.parsers.pidstatus.PidStatus`'s
    order; sizes in kibibytes as printed, all four ``0`` for a process without an address
    space (a kernel thread, a zombie: nothing resident, shared or swapped). None is negative."""

    tgid: _Unsigned
    uid: _Unsigned
    euid: _Unsigned
    gid: _Unsigned
    egid: _Unsigned
    vm_size_kib: _Unsigned
    rss_file_kib: _Unsigned
    rss_shmem_kib: _Unsigned
    vm_swap_kib: _Unsigned
    voluntary_ctxt_switches: _Unsigned
    nonvoluntary_ctxt_switches: _Unsigned


class IONumbers(msgspec.Struct, array_like=True, frozen=True, gc=False, forbid_unknown_fields=True):
    """The counters of ``io`` in :class:`~darwin_metrics.linux.parsers.pidio.PidIO`'s order,
    within :func:`~darwin_metrics.linux.parsers.pidio.io_numbers_valid`'s ranges (below 2**63
    here: see ``_Counter``)."""

    rchar: _Counter
    wchar: _Counter
    syscr: _Counter
    syscw: _Counter
    read_bytes: _Counter
    write_bytes: _Counter
    cancelled_write_bytes: Annotated[int, Meta(ge=-(1 << 63), le=(1 << 63) - 1)]


class PidNumbers(
    msgspec.Struct, array_like=True, frozen=True, gc=False, forbid_unknown_fields=True
):
    """One process's numbers; ``status`` and ``io`` are ``None`` where those files were not
    read (or may not be)."""

    stat: StatNumbers
    status: StatusNumbers | None
    io: IONumbers | None


_decode = msgspec.json.Decoder(PidNumbers).decode
#: The sizes of a ``status`` without an address space (seven texts: no size lines).
_NO_SIZES = (b"0", b"0", b"0", b"0")


def decode_numbers(
    stat: bytes, status: Sequence[bytes] | None, io: Sequence[bytes] | None
) -> PidNumbers | None:
    """The numbers of ``stat`` (the text of :func:`stat_numbers_text`), ``status`` (the eleven or
    seven texts of :func:`status_tokens`) and ``io`` (the seven of :func:`io_tokens`); ``None``
    when they do not decode as the parsers would convert them (see the module docstring)."""
    parts = [b"[[", stat, b"],"]
    brackets = 2
    if status is None:
        parts.append(b"null,")
    else:
        if len(status) == 7:
            status = (*status[:5], *_NO_SIZES, *status[5:])
        parts += (b"[", b",".join(status), b"],")
        brackets += 1
    if io is None:
        parts.append(b"null]")
    else:
        parts += (b"[", b",".join(io), b"]]")
        brackets += 1
    text = b"".join(parts)
    if text.count(b"[") != brackets:
        return None
    try:
        return _decode(text)
    except msgspec.DecodeError:
        return None
