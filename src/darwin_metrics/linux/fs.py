"""Where the Linux backend reads from, and the few safe ways it reads.

All reads of ``/proc`` and ``/sys`` go through a :class:`Roots`, so tests (and users inspecting a
captured tree) can point the backend at another directory. The roots come, in order of precedence,
from explicit arguments, the ``DARWIN_METRICS_PROCFS`` / ``DARWIN_METRICS_SYSFS`` environment
variables, and the defaults ``/proc`` and ``/sys``.
"""

from __future__ import annotations

import errno
import os
import re

import msgspec

from darwin_metrics.errors import ParseError

DEFAULT_PROCFS = "/proc"
DEFAULT_SYSFS = "/sys"
ENV_PROCFS = "DARWIN_METRICS_PROCFS"
ENV_SYSFS = "DARWIN_METRICS_SYSFS"

#: errno values that mean "this attribute has no value here" rather than a fault: the file is
#: missing, the device is gone or asleep, or the driver does not implement the read.
MISSING_ERRNOS = frozenset(
    {
        errno.ENOENT,
        errno.ENOTDIR,
        errno.ENODEV,
        errno.ENXIO,
        errno.EIO,
        errno.ENODATA,
        errno.EAGAIN,
        errno.EINVAL,
        errno.EOPNOTSUPP,
        errno.ENOTSUP,
        errno.ESRCH,
        errno.EBUSY,
    }
)
#: errno values that mean "not allowed to read this".
DENIED_ERRNOS = frozenset({errno.EACCES, errno.EPERM})

_ATTR_SIZE = 4096
_INT = re.compile(r"-?[0-9]{1,20}")  # a sysfs attribute is at most one page


class Roots(msgspec.Struct, frozen=True):
    """The procfs and sysfs mount points that the Linux backend reads."""

    procfs: str = DEFAULT_PROCFS
    sysfs: str = DEFAULT_SYSFS

    @classmethod
    def resolve(cls, procfs: str | None = None, sysfs: str | None = None) -> Roots:
        """Roots from the arguments, else the environment, else ``/proc`` and ``/sys``."""
        return cls(
            procfs=os.fspath(procfs or os.environ.get(ENV_PROCFS) or DEFAULT_PROCFS),
            sysfs=os.fspath(sysfs or os.environ.get(ENV_SYSFS) or DEFAULT_SYSFS),
        )

    def proc(self, *parts: str) -> str:
        """A path under the procfs root, e.g. ``roots.proc("stat")``."""
        return os.path.join(self.procfs, *parts)

    def sys(self, *parts: str) -> str:
        """A path under the sysfs root, e.g. ``roots.sys("class", "net")``."""
        return os.path.join(self.sysfs, *parts)


def read_file(path: str) -> bytes:
    """Read a whole (pseudo-)file without ``stat``: procfs reports sizes of 0 or 4096.

    Raises ``OSError`` as the kernel reports it.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_optional(path: str) -> bytes | None:
    """The file's bytes, or ``None`` when it is missing, unreadable or has no value now."""
    try:
        return read_file(path)
    except OSError as exc:
        if exc.errno in MISSING_ERRNOS or exc.errno in DENIED_ERRNOS:
            return None
        raise


def read_attr(path: str) -> str | None:
    """A sysfs attribute as stripped text, with one ``read`` (some hwmon drivers return EAGAIN
    forever to a second read). ``None`` when missing, unreadable or without a value now."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in MISSING_ERRNOS or exc.errno in DENIED_ERRNOS or exc.errno == errno.EISDIR:
            return None
        raise
    try:
        data = os.read(fd, _ATTR_SIZE)
    except OSError as exc:
        if exc.errno in MISSING_ERRNOS or exc.errno in DENIED_ERRNOS or exc.errno == errno.EISDIR:
            return None
        raise
    finally:
        os.close(fd)
    return data.decode("utf-8", "replace").strip()


def parse_int(text: str, source: str) -> int:
    """``text`` as sysfs writes a decimal integer (optional minus sign, ASCII digits, surrounding
    white space), or :class:`ParseError` naming ``source``. Stricter than ``int()``, which also
    takes ``+5``, ``1_000`` and non-ASCII digits."""
    value = text.strip()
    if not _INT.fullmatch(value):
        raise ParseError(source, f"not an integer: {value[:40]!r}")
    return int(value)


def read_attr_int(path: str) -> int | None:
    """A sysfs attribute holding one integer; ``None`` when absent. Garbage raises ParseError."""
    text = read_attr(path)
    if text is None or text == "":
        return None
    return parse_int(text, path)


def listdir(path: str) -> list[str]:
    """Directory entries, sorted; an empty list when the directory is missing or unreadable."""
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        if exc.errno in MISSING_ERRNOS or exc.errno in DENIED_ERRNOS:
            return []
        raise


def is_live(roots: Roots) -> bool:
    """True when the roots are this machine's own ``/proc`` and ``/sys``."""
    if roots.procfs == "/proc" and roots.sysfs == "/sys":
        return True
    return os.path.realpath(roots.procfs) == "/proc" and os.path.realpath(roots.sysfs) == "/sys"
