"""``/proc/filesystems``: the file-system types this kernel knows, and which need no block device.

Kernel ABI: ``Documentation/filesystems/proc.rst``. Each line is an optional ``nodev`` flag, a tab,
and the type name::

    nodev	sysfs
        ext4
"""

from __future__ import annotations

import msgspec

from darwin_metrics.errors import ParseError


class FileSystems(msgspec.Struct, frozen=True):
    """The registered types (``all``) and those flagged ``nodev`` (no backing block device)."""

    all: frozenset[str]
    nodev: frozenset[str]


def parse_filesystems(data: bytes, source: str = "/proc/filesystems") -> FileSystems:
    """Every type in ``/proc/filesystems``; a line other than ``[nodev] name`` is a ParseError."""
    names: set[str] = set()
    nodev: set[str] = set()
    for line in data.split(b"\n"):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) == 1 and tokens[0] != b"nodev":
            flag, name = b"", tokens[0]
        elif len(tokens) == 2 and tokens[0] == b"nodev":
            flag, name = tokens
        else:
            raise ParseError(source, f"expected '[nodev] type': {line[:80]!r}")
        text = name.decode("utf-8", "surrogateescape")
        names.add(text)
        if flag:
            nodev.add(text)
    return FileSystems(all=frozenset(names), nodev=frozenset(nodev))
