"""The calling process's mount table, parsed once and read again only when it may have changed.

Reading ``<procfs>/self/mountinfo`` makes the kernel print every mount (paths, options) and parsing
it costs more still, and ``volumes()``, ``cpu()`` and ``memory()`` (through the cgroup lookup) all
need it. The kernel says when the table changes: an open ``mountinfo`` file polls with
``POLLPRI | POLLERR`` after any mount, unmount or remount in its mount namespace (the mechanism
``findmnt --poll`` and systemd rely on). So a :class:`MountTable` keeps one such file open and reads
the table again only

* after that signal,
* in another process (after ``fork``), or after the process moved to another mount namespace
  (``<procfs>/self/ns/mnt`` names another one): the open file watches the namespace it was opened in,
* and always where the file does not poll like the kernel's does (a captured tree: a regular file
  polls as writable, which ``mountinfo`` never does). There it is read on every call and parsed again
  only when its bytes differ.

Nothing is trusted that the kernel has not confirmed unchanged, so the table is never stale. One
file descriptor per backend stays open (close-on-exec), and is closed when the backend (its
:class:`~darwin_metrics.linux.memo.Memos`) is collected.
"""

from __future__ import annotations

import os
import select
import threading

from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.memo import MemoSpec
from darwin_metrics.linux.parsers.mountinfo import MountInfo, parse_mountinfo

_CHANGED = select.POLLPRI | select.POLLERR
#: Asked for POLLOUT too: a regular file reports it, the kernel's mountinfo never does.
_EVENTS = select.POLLIN | select.POLLPRI | select.POLLOUT
_ODD = select.POLLOUT | select.POLLNVAL | select.POLLHUP


class MountTable:
    """``<procfs>/self/mountinfo`` of one :class:`Roots`, cached as described in the module doc.

    Safe to share between threads.
    """

    def __init__(self, roots: Roots) -> None:
        self.path = roots.proc("self", "mountinfo")
        self._ns_path = roots.proc("self", "ns", "mnt")
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._poll: select.poll | None = None
        self._owner: tuple[int, str] | None = None
        self._read_once = False
        self._raw: bytes | None = None
        self._mounts: tuple[MountInfo, ...] | None = None
        self._generation = 0

    def current(self) -> tuple[bytes | None, int]:
        """The file's bytes (``None`` when it cannot be read) and a generation number that
        changes whenever they do."""
        with self._lock:
            if not self._read_once or not self._unchanged():
                self._refresh()
            return self._raw, self._generation

    def mounts(self) -> tuple[MountInfo, ...]:
        """Every mount, parsed (``()`` when the file cannot be read). Raises ParseError for a
        malformed file, on every call until it changes."""
        raw, generation = self.current()
        with self._lock:
            if self._mounts is not None and generation == self._generation:
                return self._mounts
        mounts = () if raw is None else parse_mountinfo(raw, self.path)
        with self._lock:
            if generation == self._generation:
                self._mounts = mounts
        return mounts

    def close(self) -> None:
        """Stop watching (the next call reads the file again)."""
        with self._lock:
            self._close()

    def __del__(self) -> None:
        # The backend that owned this table is gone: give its descriptor back.
        try:
            self._close()
        except (AttributeError, TypeError):  # half-made object, or interpreter shutdown
            pass

    # -- internals (under the lock) ------------------------------------------------------------

    def _identity(self) -> tuple[int, str] | None:
        """(pid, mount namespace) of the caller, ``None`` where the namespace is unknown. The
        namespace link reads ``mnt:[inode]``."""
        try:
            return os.getpid(), os.readlink(self._ns_path)
        except OSError:
            return None

    def _unchanged(self) -> bool:
        """True only when a watched file says the table is as last read.

        The kernel's ``mountinfo`` always polls readable and never writable; anything else means
        the descriptor is no longer that file (closed behind our back: POLLNVAL).
        """
        if self._poll is None or self._owner is None or self._owner != self._identity():
            return False
        for _, revents in self._poll.poll(0):
            if revents & _CHANGED or revents & _ODD or not revents & select.POLLIN:
                return False
        return True

    def _refresh(self) -> None:
        # Watch first, then read: a change after the watch started is either in what is read
        # or signalled at the next call.
        self._watch()
        data = fs.read_optional(self.path)
        if not self._read_once or data != self._raw:
            self._raw = data
            self._mounts = None
            self._generation += 1
        self._read_once = True

    def _watch(self) -> None:
        self._close()
        owner = self._identity()
        if owner is None:
            return
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return
        poll = select.poll()
        poll.register(fd, _EVENTS)
        if any(revents & select.POLLOUT for _, revents in poll.poll(0)):
            os.close(fd)  # a plain file (captured tree): compare contents instead
            return
        self._fd, self._poll, self._owner = fd, poll, owner

    def _close(self) -> None:
        # Only the process that opened the descriptor closes it: in a forked child the number
        # may since have been closed and reused for another file.
        if self._fd is not None and self._owner is not None and self._owner[0] == os.getpid():
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._fd = self._poll = self._owner = None


#: The mount table of a backend (one: the key is always ``self``).
_TABLES: MemoSpec[str, MountTable] = MemoSpec("mounts.tables", maxsize=1)


def mount_table(roots: Roots) -> MountTable:
    """The :class:`MountTable` of ``roots`` (one per backend, shared by its families)."""
    memo = _TABLES.of(roots)
    return memo.get("self") or memo.get_or_make("self", lambda: MountTable(roots))


def read_mounts(roots: Roots) -> tuple[MountInfo, ...]:
    """The calling process's mounts under ``roots``; ``()`` when the table cannot be read."""
    return mount_table(roots).mounts()
