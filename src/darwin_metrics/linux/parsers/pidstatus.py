"""``/proc/PID/status``: ``Key:<tabs or spaces>value`` lines (proc(5), ``fs/proc/array.c``).

Only the keys darwin-metrics needs beyond ``/proc/PID/stat`` are looked up (ids, memory that
``stat`` lacks, context switches). They are searched in the order the kernel prints them, each
search starting where the previous key's line ended (falling back to the whole file for a key out of
that order), except the two context-switch counts, which the kernel prints last: they are searched
from the end of the file (the last line with each key counts), which skips the signal, capability
and CPU-mask lines, about half the file. ``Vm*``/``Rss*`` values are printed in kibibytes and
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
)
#: Printed last by the kernel: searched from the end of the file.
_LAST_KEYS = (b"\nvoluntary_ctxt_switches:", b"\nnonvoluntary_ctxt_switches:")


def _lines(data: bytes) -> list[bytes | None]:
    """The text after each of :data:`_KEYS` and :data:`_LAST_KEYS` up to the end of its line,
    ``None`` where absent."""
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
    for key in _LAST_KEYS:
        start = data.rfind(key)
        if start < 0:
            append(None)
            continue
        start += len(key)
        end = find(b"\n", start)
        append(data[start:end] if end >= 0 else data[start:])
    return found


def status_tokens(data: bytes) -> tuple[bytes, ...] | None:
    """The number texts of :class:`PidStatus`'s fields, in its order, for the two layouts Linux
    4.5 and later print: a process with memory (all eleven) and one without an address space,
    a kernel thread or a zombie (seven: no ``Vm*`` or ``Rss*`` line at all, so no sizes). Each
    key is at the start of a line, after the previous key's line (the context-switch counts: the
    last line with the key), every line ends with a line feed, ``Uid``/``Gid`` hold at least two
    ids and sizes read ``<n> kB``. ``None`` for any other file (an older kernel, a malformed
    file), which :func:`parse_pid_status` then reads.

    Where this gives texts (the file does not start with ``Tgid:``), they are the ones
    :func:`parse_pid_status` converts (after the line feed it puts before the file), so
    converting them gives its values, the sizes in kibibytes; a value below 0 makes the file
    malformed. One search per key and one per line end, in order, spelled out: this runs once
    per process per call.
    """
    if data.startswith(b"Tgid:"):
        return None
    index = data.index
    try:
        tgid = index(b"\nTgid:") + 6
        tgid_end = index(b"\n", tgid)
        uid = index(b"\nUid:", tgid_end) + 5
        uid_end = index(b"\n", uid)
        gid = index(b"\nGid:", uid_end) + 5
        gid_end = index(b"\n", gid)
        # the context-switch counts: the last line with each key
        vol = data.rindex(b"\nvoluntary_ctxt_switches:") + 25
        vol_end = index(b"\n", vol)
        invol = data.rindex(b"\nnonvoluntary_ctxt_switches:") + 28
        invol_end = index(b"\n", invol)
        uid_real, uid_effective = data[uid:uid_end].split(None, 2)[:2]
        gid_real, gid_effective = data[gid:gid_end].split(None, 2)[:2]
        size = data.find(b"\nVmSize:", gid_end)
        if size < 0:
            # No address space: then no size line anywhere (the parser would read one).
            if b"\nVm" in data or b"\nRss" in data or data.startswith((b"Vm", b"Rss")):
                return None
            return (
                data[tgid:tgid_end],
                uid_real,
                uid_effective,
                gid_real,
                gid_effective,
                data[vol:vol_end],
                data[invol:invol_end],
            )
        size += 8
        size_end = index(b"\n", size)
        rss_file = index(b"\nRssFile:", size_end) + 9
        rss_file_end = index(b"\n", rss_file)
        rss_shmem = index(b"\nRssShmem:", rss_file_end) + 10
        rss_shmem_end = index(b"\n", rss_shmem)
        swap = index(b"\nVmSwap:", rss_shmem_end) + 8
        swap_end = index(b"\n", swap)
    except ValueError:  # a key or a line end missing, or fewer than two ids
        return None
    size_text = data[size:size_end]
    rss_file_text = data[rss_file:rss_file_end]
    rss_shmem_text = data[rss_shmem:rss_shmem_end]
    swap_text = data[swap:swap_end]
    if not (
        size_text.endswith(b" kB")
        and rss_file_text.endswith(b" kB")
        and rss_shmem_text.endswith(b" kB")
        and swap_text.endswith(b" kB")
    ):
        return None
    return (
        data[tgid:tgid_end],
        uid_real,
        uid_effective,
        gid_real,
        gid_effective,
        size_text[:-3],
        rss_file_text[:-3],
        rss_shmem_text[:-3],
        swap_text[:-3],
        data[vol:vol_end],
        data[invol:invol_end],
    )


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
