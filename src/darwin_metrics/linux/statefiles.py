"""The fan-control state directory, handled so that another user cannot redirect a root write.

Fan control runs as root and writes to paths read back from state files, so every step assumes that
someone else may have prepared the directory:

* the state directory must be a real directory (not a symlink) owned by the caller and not writable
  by group or others; it is opened once (``O_DIRECTORY | O_NOFOLLOW``) and every later operation
  is relative to that descriptor, so renaming or replacing the path meanwhile changes nothing;
* state files are created under a random name with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600,
  then renamed into place; a planted file or symlink under any name is never followed or written;
* a state file is read only when it is a regular file owned by the caller and writable by no one
  else (``O_NOFOLLOW | O_NONBLOCK``, checked on the open descriptor);
* a path named by a state file is written only when it is a ``pwmN`` or ``pwmN_enable`` attribute
  of a hwmon chip under the sysfs root (:func:`pwm_target`), and the write does not follow a
  symlink in its last component.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Iterator

from darwin_metrics.errors import DarwinMetricsError

_PWM = re.compile(r"pwm[0-9]+")
_PWM_ENABLE = re.compile(r"pwm[0-9]+_enable")
#: A state file is small; anything longer is not one of ours.
MAX_STATE_BYTES = 65536


class UnsafeStateError(DarwinMetricsError):
    """The state directory or a state file could be controlled by another user: refused."""


def _check_owned(st: os.stat_result, what: str) -> None:
    if st.st_uid != os.geteuid():
        raise UnsafeStateError(f"{what} is owned by uid {st.st_uid}, not by uid {os.geteuid()}")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeStateError(f"{what} is writable by group or others (mode {st.st_mode:o})")


@contextlib.contextmanager
def open_state_dir(path: str, *, create: bool) -> Iterator[int]:
    """A descriptor of the state directory ``path`` after the ownership checks.

    With ``create`` a missing directory is made (mode 0700, parents as needed). Raises
    :class:`UnsafeStateError` for a directory another user could write or a symlink, and
    ``OSError`` (``ENOENT`` when missing and not created) as the system reports it.
    """
    if create:
        with contextlib.suppress(FileExistsError):
            os.makedirs(path, mode=0o700)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(path):
            raise UnsafeStateError(f"state directory {path} is a symlink: refused") from None
        raise
    try:
        _check_owned(os.fstat(fd), f"state directory {path}")
        yield fd
    finally:
        os.close(fd)


def write_state(dir_fd: int, name: str, data: bytes) -> None:
    """Write ``data`` to ``name`` in the directory atomically: a new file under a random name
    (``O_EXCL | O_NOFOLLOW``, mode 0600), synced, then renamed over ``name``."""
    tmp = f".{name}.{os.getpid()}.{os.urandom(8).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tmp, flags, 0o600, dir_fd=dir_fd)
    try:
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise


def read_state(dir_fd: int, name: str) -> bytes | None:
    """The bytes of state file ``name``, or ``None`` when it is missing. A symlink, a file that is
    not regular, owned by someone else or writable by others raises :class:`UnsafeStateError`."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeStateError(f"state file {name} is a symlink: refused") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeStateError(f"state file {name} is not a regular file: refused")
        _check_owned(st, f"state file {name}")
        return os.read(fd, MAX_STATE_BYTES)
    finally:
        os.close(fd)


def remove_state(dir_fd: int, name: str) -> None:
    """Remove ``name`` from the directory (nothing when it is already gone)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name, dir_fd=dir_fd)


def hwmon_chip_dirs(sysfs: str) -> frozenset[str]:
    """The real paths of every hwmon chip directory under ``sysfs`` and of their ``device``
    directories (older drivers keep ``pwmN`` there)."""
    base = os.path.join(sysfs, "class", "hwmon")
    try:
        entries = os.listdir(base)
    except OSError:
        return frozenset()
    chips: set[str] = set()
    for entry in entries:
        chip = os.path.realpath(os.path.join(base, entry))
        chips.add(chip)
        device = os.path.join(chip, "device")
        if os.path.isdir(device):
            chips.add(os.path.realpath(device))
    return frozenset(chips)


def pwm_target(path: str, sysfs: str, *, enable: bool) -> str | None:
    """``path`` resolved, when it is a ``pwmN`` (``pwmN_enable`` with ``enable``) attribute of a
    hwmon chip under ``sysfs`` and not itself a symlink; else ``None`` (not to be trusted)."""
    if not os.path.isabs(path) or "\0" in path:
        return None
    if not (_PWM_ENABLE if enable else _PWM).fullmatch(os.path.basename(path)):
        return None
    if os.path.islink(path):
        return None
    real = os.path.realpath(path)
    root = os.path.realpath(sysfs)
    if not real.startswith(root.rstrip("/") + "/"):
        return None
    if os.path.basename(real) != os.path.basename(path):
        return None
    if os.path.dirname(real) not in hwmon_chip_dirs(sysfs):
        return None
    return real
