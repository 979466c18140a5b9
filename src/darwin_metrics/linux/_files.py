"""Reading helpers shared by the CPU and memory collectors.

A file a family cannot do without (``/proc/stat``, ``/proc/meminfo``) turns a missing file into
:class:`~darwin_metrics.errors.NotSupported` and a refused one into
:class:`~darwin_metrics.errors.AccessDenied`; optional files simply give ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
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
