"""Reading helpers shared by the CPU and memory collectors.

A file a family cannot do without (``/proc/stat``, ``/proc/meminfo``) turns a missing file into
:class:`~darwin_metrics.errors.NotSupported` and a refused one into
:class:`~darwin_metrics.errors.AccessDenied`; optional files simply give ``None``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TypeVar

from darwin_metrics.errors import AccessDenied, NotSupported
from darwin_metrics.linux import fs

T = TypeVar("T")


def read_required(path: str) -> bytes:
    """The file's bytes; NotSupported when it does not exist here, AccessDenied when refused."""
    try:
        return fs.read_file(path)
    except OSError as exc:
        if exc.errno in fs.DENIED_ERRNOS:
            raise AccessDenied(f"cannot read {path}: {exc.strerror}", path=path) from exc
        if exc.errno in fs.MISSING_ERRNOS:
            raise NotSupported(f"{path} is not available: {exc.strerror}") from exc
        raise


def parse_optional(path: str, parser: Callable[[bytes, str], T]) -> T | None:
    """``parser(bytes, path)`` of the file, or ``None`` when it is missing or unreadable."""
    data = fs.read_optional(path)
    return None if data is None else parser(data, path)


def attr_bytes(path: str) -> bytes | None:
    """A sysfs attribute's stripped bytes (one read), or ``None`` when absent."""
    text = fs.read_attr(path)
    return None if text is None else text.encode("utf-8", "surrogateescape")


#: How much :func:`read_head` asks for at a time: procfs generates about what a read asks for, so
#: small reads stop the kernel early when the wanted lines come first.
HEAD_CHUNK = 2048


def _has_lines(data: bytes, keys: Iterable[bytes]) -> bool:
    for key in keys:
        at = 0 if data.startswith(key) else data.find(b"\n" + key)
        if at < 0 or data.find(b"\n", at + 1) < 0:
            return False
    return True


def read_head(path: str, keys: Iterable[bytes]) -> bytes | None:
    """The start of a ``name value`` procfs file, read until a complete line starting with each of
    ``keys`` (``b"pswpin "``) has been seen, or to the end. ``None`` when the file is missing or
    unreadable (as :func:`~darwin_metrics.linux.fs.read_optional`).

    ``/proc/vmstat`` prints a few hundred counters; the swap counters come after about 1.6 KB of
    them, and the kernel formats only what a read asks for.
    """
    keys = tuple(keys)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in fs.MISSING_ERRNOS or exc.errno in fs.DENIED_ERRNOS:
            return None
        raise
    try:
        data = b""
        while True:
            try:
                chunk = os.read(fd, HEAD_CHUNK)
            except OSError as exc:
                if exc.errno in fs.MISSING_ERRNOS or exc.errno in fs.DENIED_ERRNOS:
                    return None
                raise
            if not chunk:
                return data
            data += chunk
            if _has_lines(data, keys):
                return data
    finally:
        os.close(fd)
