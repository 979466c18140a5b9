"""Where the Linux backend reads from, and the few safe ways it reads: every file read is here.

All reads of ``/proc`` and ``/sys`` go through a :class:`Roots`, so tests (and users inspecting a
captured tree) can point the backend at another directory. The roots come, in order of precedence,
from explicit arguments, the ``DARWIN_METRICS_PROCFS`` / ``DARWIN_METRICS_SYSFS`` environment
variables, and the defaults ``/proc`` and ``/sys``.

How a read is kept from hanging or running away:

* every file is opened with ``O_NONBLOCK`` (a FIFO or a device opens at once) and anything that is
  not a regular file (procfs and sysfs files are regular) is refused before any read, as if the
  file were absent (:class:`NotRegularFile`, errno ``EINVAL``);
* a read stops after :data:`MAX_FILE_BYTES`, so an endless file cannot fill memory;
* a read that can still block in the kernel (a file on NFS or FUSE, ``/proc/PID/cmdline`` of a
  process stuck with its memory map locked) is not bounded here: the CLI bounds the whole run
  (``cli/main.py`` exits promptly after its output, whatever a worker thread is stuck in), and
  ``statvfs`` calls, the one call that commonly waits on a dead server, run under a timeout
  (``linux/statvfs.py``).

The rule for a bad attribute (one file of many that make a record): :func:`read_value` makes it
``None`` and logs it at debug level; the record and its family go on. A file a family cannot do
without goes through :func:`read_required` (:class:`~darwin_metrics.errors.NotSupported` when
missing, :class:`~darwin_metrics.errors.AccessDenied` when refused).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from typing import TypeVar

from darwin_metrics.errors import AccessDenied, NoSuchProcess, NotSupported, ParseError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.linux.memo import Memos
from darwin_metrics.linux.parsers.numbers import integer

T = TypeVar("T")
log = get_logger(__name__)

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
        errno.EISDIR,
        errno.ELOOP,
        errno.ENAMETOOLONG,
    }
)
#: errno values that mean "not allowed to read this".
DENIED_ERRNOS = frozenset({errno.EACCES, errno.EPERM})

_ATTR_SIZE = 4096
#: The most any one read returns, in bytes (``/proc/PID/cmdline`` can reach a few MiB).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Flags of every open for reading.
READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class Roots:
    """The procfs and sysfs mount points that the Linux backend reads, and the backend's memos.

    Equal (and hashed) by the two paths alone. Each instance carries its own
    :class:`~darwin_metrics.linux.memo.Memos` (``memos``): what the collectors remember between
    calls belongs to the roots object a backend made, so two backends never share it, not even
    two with the same paths, and it goes when the backend goes. Immutable.
    """

    __slots__ = ("memos", "procfs", "sysfs")
    procfs: str
    sysfs: str
    memos: Memos

    def __init__(self, procfs: str = DEFAULT_PROCFS, sysfs: str = DEFAULT_SYSFS) -> None:
        object.__setattr__(self, "procfs", procfs)
        object.__setattr__(self, "sysfs", sysfs)
        object.__setattr__(self, "memos", Memos())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Roots is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Roots is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Roots):
            return NotImplemented
        return self.procfs == other.procfs and self.sysfs == other.sysfs

    def __hash__(self) -> int:
        return hash((self.procfs, self.sysfs))

    def __repr__(self) -> str:
        return f"Roots(procfs={self.procfs!r}, sysfs={self.sysfs!r})"

    @classmethod
    def resolve(cls, procfs: str | None = None, sysfs: str | None = None) -> Roots:
        """Roots from the arguments, else the environment, else ``/proc`` and ``/sys``."""
        return cls(
            procfs=os.fspath(procfs or os.environ.get(ENV_PROCFS) or DEFAULT_PROCFS),
            sysfs=os.fspath(sysfs or os.environ.get(ENV_SYSFS) or DEFAULT_SYSFS),
        )

    @staticmethod
    def check_environment() -> None:
        """:class:`NotSupported` when ``DARWIN_METRICS_PROCFS`` or ``DARWIN_METRICS_SYSFS`` names
        something that is not a directory: a mistyped root is an error at start rather than a
        machine that seems to have nothing (or a mix with the live machine). Roots given as
        arguments are not checked: a captured tree may hold only ``proc`` or only ``sys``."""
        for env in (ENV_PROCFS, ENV_SYSFS):
            value = os.environ.get(env)
            if value and not os.path.isdir(value):
                raise NotSupported(f"{env}={value} is not a directory")

    def proc(self, *parts: str) -> str:
        """A path under the procfs root, e.g. ``roots.proc("stat")``."""
        return os.path.join(self.procfs, *parts)

    def sys(self, *parts: str) -> str:
        """A path under the sysfs root, e.g. ``roots.sys("class", "net")``."""
        return os.path.join(self.sysfs, *parts)


class NotRegularFile(OSError):
    """A path where a regular file was expected names a directory, FIFO, socket or device."""

    def __init__(self, path: str) -> None:
        super().__init__(errno.EINVAL, "not a regular file", path)


def open_regular(path: str) -> int:
    """A descriptor of the regular file ``path`` (``O_NONBLOCK``); :class:`NotRegularFile` for
    anything else. Raises ``OSError`` as the kernel reports it."""
    fd = os.open(path, READ_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_fd(fd: int, first: int = 65536) -> bytes:
    """Everything left in ``fd``, at most :data:`MAX_FILE_BYTES` (then ``EFBIG``)."""
    chunks: list[bytes] = []
    total = 0
    size = first
    while True:
        chunk = os.read(fd, size)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_FILE_BYTES:
            raise OSError(errno.EFBIG, "file larger than the read limit")
        size = 65536


def read_file(path: str) -> bytes:
    """Read a whole (pseudo-)file without trusting its size: procfs reports sizes of 0 or 4096.

    Raises ``OSError`` as the kernel reports it, :class:`NotRegularFile` for anything but a
    regular file.
    """
    fd = open_regular(path)
    try:
        return read_fd(fd)
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


def read_net_file(roots: Roots, pid: int | None, name: str) -> tuple[str, str, bytes]:
    """File ``name`` of a network namespace's ``net`` directory: this process's (``pid`` None)
    or process ``pid``'s. Returns the directory, the file's path and its bytes.

    Raises :class:`NoSuchProcess` when there is no process ``pid`` and :class:`NotSupported` when
    the kernel gives no such file (procfs without networking, or without that protocol)."""
    base = roots.proc("net") if pid is None else roots.proc(str(pid), "net")
    if pid is not None and not os.path.isdir(roots.proc(str(pid))):
        raise NoSuchProcess(pid)
    path = os.path.join(base, name)
    data = read_optional(path)
    if data is None:
        raise NotSupported(f"{path} is not available")
    return base, path, data


def read_attr(path: str) -> str | None:
    """A sysfs attribute as stripped text, with one ``read`` (some hwmon drivers return EAGAIN
    forever to a second read). ``None`` when missing, unreadable or without a value now."""
    try:
        fd = open_regular(path)
    except OSError as exc:
        if exc.errno in MISSING_ERRNOS or exc.errno in DENIED_ERRNOS:
            return None
        raise
    try:
        data = os.read(fd, _ATTR_SIZE)
    except OSError as exc:
        if exc.errno in MISSING_ERRNOS or exc.errno in DENIED_ERRNOS:
            return None
        raise
    finally:
        os.close(fd)
    return data.decode("utf-8", "replace").strip()


def parse_int(text: str, source: str) -> int:
    """``text`` as sysfs writes a decimal integer that fits 64 bits
    (:func:`darwin_metrics.linux.parsers.numbers.integer`), or :class:`ParseError`."""
    return integer(text, source)


def read_attr_int(path: str | None) -> int | None:
    """A sysfs attribute holding one integer (that fits 64 bits); ``None`` when absent (or
    ``path`` is ``None``) or malformed (the bad-attribute rule of :func:`read_value`)."""
    return read_value(path, parse_int)


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


def read_required(path: str) -> bytes:
    """The file's bytes; NotSupported when it does not exist here (or is not a regular file),
    AccessDenied when refused."""
    try:
        return read_file(path)
    except OSError as exc:
        if exc.errno in DENIED_ERRNOS:
            raise AccessDenied(f"cannot read {path}: {exc.strerror}", path=path) from exc
        raise NotSupported(f"{path} is not available: {exc.strerror or exc}") from exc


def _parsed_or_none(data: bytes | None, path: str, parser: Callable[[bytes, str], T]) -> T | None:
    """``parser(data, path)``, or ``None`` when ``data`` is ``None`` or malformed (logged at debug
    level: the bad-attribute rule)."""
    if data is None:
        return None
    try:
        return parser(data, path)
    except ParseError as exc:
        log.debug("bad attribute: %s", exc)
        return None


def parse_optional(path: str, parser: Callable[[bytes, str], T]) -> T | None:
    """``parser(bytes, path)`` of an optional file, or ``None`` when it is missing, unreadable or
    malformed (the bad-attribute rule, for a whole file)."""
    return _parsed_or_none(read_optional(path), path, parser)


def attr_bytes(path: str) -> bytes | None:
    """A sysfs attribute's stripped bytes (one read), or ``None`` when absent."""
    text = read_attr(path)
    return None if text is None else text.encode("utf-8", "surrogateescape")


def parse_attr(path: str, parser: Callable[[bytes, str], T]) -> T | None:
    """``parser(bytes, path)`` of a sysfs attribute (one read), or ``None`` when it is absent or
    malformed (the bad-attribute rule for parsers of bytes)."""
    return _parsed_or_none(attr_bytes(path), path, parser)


def read_value(path: str | None, parse: Callable[[str, str], T]) -> T | None:
    """Read and parse one attribute; ``None`` when absent, unreadable or malformed.

    This is the rule for a bad attribute: it becomes ``None`` and is logged at debug level, and
    the record it belongs to (and that record's family) goes on.
    """
    if path is None:
        return None
    try:
        text = read_attr(path)
    except OSError as exc:
        log.debug("cannot read %s: %s", path, exc)
        return None
    if text is None or text == "":
        return None
    try:
        return parse(text, path)
    except (ParseError, ValueError, OverflowError) as exc:
        log.debug("bad attribute %s: %s", path, exc)
        return None


def read_text(path: str | None) -> str | None:
    """An attribute's stripped text, ``None`` when absent, empty or unreadable."""
    if path is None:
        return None
    try:
        text = read_attr(path)
    except OSError as exc:
        log.debug("cannot read %s: %s", path, exc)
        return None
    return text or None


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
    unreadable (as :func:`read_optional`).

    ``/proc/vmstat`` prints a few hundred counters; the swap counters come after about 1.6 KB of
    them, and the kernel formats only what a read asks for.
    """
    keys = tuple(keys)
    try:
        fd = open_regular(path)
    except OSError as exc:
        if exc.errno in MISSING_ERRNOS or exc.errno in DENIED_ERRNOS:
            return None
        raise
    try:
        data = b""
        while len(data) <= MAX_FILE_BYTES:
            try:
                chunk = os.read(fd, HEAD_CHUNK)
            except OSError as exc:
                if exc.errno in MISSING_ERRNOS or exc.errno in DENIED_ERRNOS:
                    return None
                raise
            if not chunk:
                return data
            data += chunk
            if _has_lines(data, keys):
                return data
        return data
    finally:
        os.close(fd)
