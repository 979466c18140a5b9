"""``/proc/<pid>/mountinfo``: the mount table as one process sees it.

Kernel ABI: ``Documentation/filesystems/proc.rst`` section 3.5. Each line is::

    36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    (1)(2) (3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)

mount ID, parent ID, ``major:minor``, root of the mount within its file system, mount point,
per-mount options, zero or more optional ``tag[:value]`` fields, a ``-`` separator, file system
type, mount source and per-super-block options. Space, tab, newline and backslash inside paths are
written as the octal escapes ``\\040``, ``\\011``, ``\\012`` and ``\\134``.

Lines end with ``\n`` and fields are separated by runs of spaces (the kernel escapes the other
separators, but not ``\r`` or other control bytes, which may appear in paths). When the source is the empty string the line has only
two fields after ``-``; the source is then ``""``.
"""

from __future__ import annotations

import re

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import u64

#: The kernel's octal escape (``\\040``), compiled by :func:`re.sub` on first use: most tables
#: have none.
_ESCAPE = rb"\\([0-3][0-7]{2})"


class MountInfo(msgspec.Struct, frozen=True):
    """One line of ``mountinfo``; paths are unescaped, options split on commas."""

    mount_id: int
    parent_id: int
    major: int
    minor: int
    root: str
    mount_point: str
    options: tuple[str, ...]
    optional_fields: tuple[str, ...]
    fs_type: str
    source: str
    super_options: tuple[str, ...]

    @property
    def read_only(self) -> bool:
        """True when the mount or its super block is read-only (``ro`` in either option list)."""
        return "ro" in self.options or "ro" in self.super_options


def unescape(field: bytes) -> str:
    """Undo the kernel's octal escapes (``\\040`` → space …) and decode as a file-system path."""
    if b"\\" in field:
        field = re.sub(_ESCAPE, lambda m: bytes([int(m.group(1), 8)]), field)
    return field.decode("utf-8", "surrogateescape")


def _int(token: bytes, source: str) -> int:
    return u64(token, source, "mountinfo number")


def _options(field: bytes) -> tuple[str, ...]:
    """Split on commas outside double quotes (SELinux ``context="a:b:c1,c2"`` holds commas)."""
    if b'"' not in field:
        if b"\\" not in field:
            return tuple(o for o in field.decode("utf-8", "surrogateescape").split(",") if o)
        return tuple(unescape(o) for o in field.split(b",") if o)
    parts: list[bytes] = []
    start = 0
    quoted = False
    for i, byte in enumerate(field):
        if byte == 0x22:  # '"'
            quoted = not quoted
        elif byte == 0x2C and not quoted:  # ','
            parts.append(field[start:i])
            start = i + 1
    parts.append(field[start:])
    return tuple(unescape(o) for o in parts if o)


def parse_mountinfo_line(line: bytes, source: str) -> MountInfo:
    """One ``mountinfo`` line."""
    fields = [f for f in line.split(b" ") if f]
    try:
        sep = fields.index(b"-", 6)
    except ValueError:
        raise ParseError(source, f"no '-' separator after six fields: {line[:80]!r}") from None
    tail = fields[sep + 1 :]
    if len(tail) == 3:
        fs_type, src, super_opts = tail
    elif len(tail) == 2 and (
        tail[1] == b"ro" or tail[1] == b"rw" or tail[1].startswith((b"ro,", b"rw,"))
    ):
        (fs_type, super_opts), src = tail, b""
    else:
        raise ParseError(source, f"{len(tail)} fields after '-', expected 3: {line[:80]!r}")
    major, colon, minor = fields[2].partition(b":")
    if not colon:
        raise ParseError(source, f"not major:minor: {fields[2][:40]!r}")
    return MountInfo(
        mount_id=_int(fields[0], source),
        parent_id=_int(fields[1], source),
        major=_int(major, source),
        minor=_int(minor, source),
        root=unescape(fields[3]),
        mount_point=unescape(fields[4]),
        options=_options(fields[5]),
        optional_fields=tuple(unescape(f) for f in fields[6:sep]),
        fs_type=unescape(fs_type),
        source=unescape(src),
        super_options=_options(super_opts),
    )


def parse_mountinfo(data: bytes, source: str = "/proc/self/mountinfo") -> tuple[MountInfo, ...]:
    """Every mount in ``data``, in the kernel's order; blank lines are skipped."""
    return tuple(
        parse_mountinfo_line(line, source) for line in data.split(b"\n") if line.strip(b" ")
    )
