"""``/proc/PID/status``: ``Key:<tabs or spaces>value`` lines (proc(5), ``fs/proc/array.c``).

Only the keys darwin-metrics needs beyond ``/proc/PID/stat`` are looked up (ids, memory that
``stat`` lacks, context switches). They are searched in the order the kernel prints them, each
search starting where the previous key's line ended (falling back to the whole file for a key out of
that order), so a file costs about one pass. ``Vm*``/``Rss*`` values are printed in kibibytes and
returned here in bytes; they are absent for kernel threads and zombies (no address space), and
``Rss*`` for kernels before 4.5. The kernel escapes the ``Name`` line, so no process name can forge
another line.
"""

from __future__ import annotations

from typing import NamedTuple

from darwin_metrics.errors import ParseError


class PidStatus(NamedTuple):
    """Values from ``/proc/PID/status``; sizes in bytes, ``None`` where the file has no such line.

    ``uid``/``gid`` are the real ids, ``euid``/``egid`` the effective ones.
    """

    tgid: int
    uid: int
    euid: int | None
    gid: int
    egid: int | None
    vm_size: int | None
    rss_file: int | None
    rss_shmem: int | None
    vm_swap: int | None
    voluntary_ctxt_switches: int | None
    nonvoluntary_ctxt_switches: int | None


# In the order the kernel prints them.
_KEYS = (
    b"\nTgid:",
    b"\nUid:",
    b"\nGid:",
    b"\nVmSize:",
    b"\nRssFile:",
    b"\nRssShmem:",
    b"\nVmSwap:",
    b"\nvoluntary_ctxt_switches:",
    b"\nnonvoluntary_ctxt_switches:",
)


def _lines(data: bytes) -> list[bytes | None]:
    """The text after each of :data:`_KEYS` up to the end of its line, ``None`` where absent."""
    find = data.find
    found: list[bytes | None] = []
    append = found.append
    pos = 0
    for key in _KEYS:
        start = find(key, pos)
        if start < 0:
            start = find(key)
            if start < 0:
                append(None)
                continue
        start += len(key)
        pos = find(b"\n", start)
        if pos < 0:
            pos = len(data)
        append(data[start:pos])
    return found


def status_values(
    data: bytes, source: str = "/proc/PID/status"
) -> tuple[
    int, int, int | None, int, int | None, int | None, int | None, int | None, int | None,
    int | None, int | None,
]:  # fmt: skip
    """The values of :class:`PidStatus`, in its order, as a plain tuple (what the process reader
    uses, sparing one object per process). Raises :class:`ParseError` naming ``source``."""
    tgid_text, uids, gids, size, rss_file, rss_shmem, swap, vol, invol = _lines(b"\n" + data)
    try:
        if tgid_text is None:
            raise ValueError("no Tgid line")
        tgid = int(tgid_text)
        if tgid < 0:
            raise ValueError("negative count")
        if uids is None:
            raise ValueError("no Uid line")
        parts = uids.split(None, 2)
        uid = int(parts[0])
        euid = int(parts[1]) if len(parts) > 1 else None
        if uid < 0 or (euid is not None and euid < 0):
            raise ValueError("negative Uid")
        if gids is None:
            raise ValueError("no Gid line")
        parts = gids.split(None, 2)
        gid = int(parts[0])
        egid = int(parts[1]) if len(parts) > 1 else None
        if gid < 0 or (egid is not None and egid < 0):
            raise ValueError("negative Gid")
        return (
            tgid,
            uid,
            euid,
            gid,
            egid,
            _kib(size),
            _kib(rss_file),
            _kib(rss_shmem),
            _kib(swap),
            _count(vol),
            _count(invol),
        )
    except (ValueError, IndexError) as exc:
        raise ParseError(source, str(exc)) from None


def _kib(text: bytes | None) -> int | None:
    if text is None:
        return None
    if not text.endswith(b" kB"):
        raise ValueError(f"not '<n> kB': {text[:40]!r}")
    value = int(text[:-3])
    if value < 0:
        raise ValueError("negative size")
    return value * 1024


def _count(text: bytes | None) -> int | None:
    if text is None:
        return None
    value = int(text)
    if value < 0:
        raise ValueError("negative count")
    return value


def parse_pid_status(data: bytes, source: str = "/proc/PID/status") -> PidStatus:
    """Parse one ``status`` file. ``Tgid``, ``Uid`` and ``Gid`` must be present; the rest may not.

    Raises :class:`ParseError` naming ``source`` for a malformed file.
    """
    return PidStatus._make(status_values(data, source))
