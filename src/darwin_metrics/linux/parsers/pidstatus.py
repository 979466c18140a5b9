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

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.pidstat import int_fields


class PidStatus(msgspec.Struct, frozen=True, gc=False):
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


def parse_pid_status(data: bytes, source: str = "/proc/PID/status") -> PidStatus:
    """Parse one ``status`` file. ``Tgid``, ``Uid`` and ``Gid`` must be present; the rest may not.

    Raises :class:`ParseError` naming ``source`` for a malformed file.
    """
    tgid_text, uids, gids, size, rss_file, rss_shmem, swap, vol, invol = _lines(b"\n" + data)
    try:
        if tgid_text is None:
            raise ValueError("no Tgid line")
        if uids is None:
            raise ValueError("no Uid line")
        if gids is None:
            raise ValueError("no Gid line")
        uid_parts = uids.split(None, 2)
        gid_parts = gids.split(None, 2)
        if (
            len(uid_parts) > 1
            and len(gid_parts) > 1
            and size is not None
            and rss_file is not None
            and rss_shmem is not None
            and swap is not None
            and vol is not None
            and invol is not None
        ):
            # Every line present (a process with memory, Linux 4.5+): one conversion for all.
            values = int_fields(
                (
                    tgid_text,
                    uid_parts[0],
                    uid_parts[1],
                    gid_parts[0],
                    gid_parts[1],
                    _kib_text(size),
                    _kib_text(rss_file),
                    _kib_text(rss_shmem),
                    _kib_text(swap),
                    vol,
                    invol,
                )
            )
            if min(values) < 0:
                raise ValueError("negative value")
            values[5] *= 1024
            values[6] *= 1024
            values[7] *= 1024
            values[8] *= 1024
            return PidStatus(*values)
        return PidStatus(
            _natural(tgid_text),
            _natural(uid_parts[0]),
            _natural(uid_parts[1]) if len(uid_parts) > 1 else None,
            _natural(gid_parts[0]),
            _natural(gid_parts[1]) if len(gid_parts) > 1 else None,
            _kib(size),
            _kib(rss_file),
            _kib(rss_shmem),
            _kib(swap),
            _count(vol),
            _count(invol),
        )
    except (ValueError, IndexError) as exc:
        raise ParseError(source, str(exc)) from None


def _kib_text(text: bytes) -> bytes:
    """The number of a ``<n> kB`` value, as text."""
    if not text.endswith(b" kB"):
        raise ValueError(f"not '<n> kB': {text[:40]!r}")
    return text[:-3]


def _kib(text: bytes | None) -> int | None:
    if text is None:
        return None
    value = int(_kib_text(text))
    if value < 0:
        raise ValueError("negative size")
    return value * 1024


def _natural(text: bytes) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("negative value")
    return value


def _count(text: bytes | None) -> int | None:
    return None if text is None else _natural(text)
