"""Process events from kqueue ``EVFILT_PROC``: exact fork, exec and exit notices without root.

The interface a monitor calls:

- ``watcher = ProcessEventWatcher()``; ``watcher.watch(pid)`` for each process of interest (a pid
  that is already gone gives an ``exit`` event with an unknown status on the next poll);
- ``watcher.poll(timeout)`` → the :class:`ProcessEvent` list that arrived (waits at most
  ``timeout`` seconds; 0 does not wait); ``watcher.fileno()`` can go into a selector;
- ``watcher.close()`` (or ``with``).

An exit ends the registration (``EV_ONESHOT`` semantics of ``NOTE_EXIT``); children of a fork are
not followed automatically (macOS removed ``NOTE_TRACK``): watch the new pid from the monitor's
next process scan. The exit status is the raw wait status (``NOTE_EXITSTATUS``), decoded into
``exit_code`` or ``signal`` like ``os.waitstatus_to_exitcode``.

Two layers: :class:`Kevent` and :class:`Kevent64` are the ctypes layouts of ``struct kevent`` and
``struct kevent64_s`` (``bsd/sys/event.h``, LP64), and :func:`decode_kevent`/:func:`events_from`
turn one record into events; the watcher uses Python's own ``select.kqueue`` binding (which waits
with the GIL released) and feeds its records to the same decoder.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable
from typing import Any, Literal, Protocol

import msgspec

from darwin_metrics.darwin.decode.common import struct_from

#: bsd/sys/event.h
EVFILT_PROC = -5
EV_ADD = 0x0001
EV_ENABLE = 0x0004
EV_ONESHOT = 0x0010
EV_CLEAR = 0x0020
EV_ERROR = 0x4000
EV_EOF = 0x8000
NOTE_EXIT = 0x80000000
NOTE_FORK = 0x40000000
NOTE_EXEC = 0x20000000
NOTE_EXITSTATUS = 0x04000000
#: The notes every watch asks for.
WATCHED_NOTES = NOTE_EXIT | NOTE_FORK | NOTE_EXEC | NOTE_EXITSTATUS

ProcessEventKind = Literal["fork", "exec", "exit"]


class Kevent(ctypes.Structure):
    """``struct kevent`` (LP64): uintptr_t ident, int16 filter, uint16 flags, uint32 fflags,
    intptr_t data, void *udata; 32 bytes."""

    _fields_ = [
        ("ident", ctypes.c_uint64),
        ("filter", ctypes.c_int16),
        ("flags", ctypes.c_uint16),
        ("fflags", ctypes.c_uint32),
        ("data", ctypes.c_int64),
        ("udata", ctypes.c_uint64),
    ]


class Kevent64(ctypes.Structure):
    """``struct kevent64_s``: as :class:`Kevent` with 64-bit udata and ``ext[2]``; 48 bytes."""

    _fields_ = [
        ("ident", ctypes.c_uint64),
        ("filter", ctypes.c_int16),
        ("flags", ctypes.c_uint16),
        ("fflags", ctypes.c_uint32),
        ("data", ctypes.c_int64),
        ("udata", ctypes.c_uint64),
        ("ext", ctypes.c_uint64 * 2),
    ]


class ProcessEvent(msgspec.Struct, frozen=True, gc=False):
    """One process event. ``status`` is the raw wait status of an exit (``None`` when unknown:
    the process was gone before it was watched); ``exit_code`` is set for a normal exit and
    ``signal`` for a death by signal."""

    pid: int
    kind: ProcessEventKind
    status: int | None = None
    exit_code: int | None = None
    signal: int | None = None


def _exit_event(pid: int, status: int | None) -> ProcessEvent:
    if status is None:
        return ProcessEvent(pid=pid, kind="exit")
    if os.WIFSIGNALED(status):
        return ProcessEvent(pid=pid, kind="exit", status=status, signal=os.WTERMSIG(status))
    if os.WIFEXITED(status):
        return ProcessEvent(pid=pid, kind="exit", status=status, exit_code=os.WEXITSTATUS(status))
    return ProcessEvent(pid=pid, kind="exit", status=status)


def events_from(ident: int, filter: int, flags: int, fflags: int, data: int) -> list[ProcessEvent]:
    """The events one ``EVFILT_PROC`` record carries, in order fork, exec, exit.

    An ``EV_ERROR`` record with ESRCH (the pid was gone when it was registered) is an exit with
    an unknown status; other errors and other filters give no event.
    """
    if filter != EVFILT_PROC:
        return []
    pid = int(ident)
    if flags & EV_ERROR:
        return [ProcessEvent(pid=pid, kind="exit")] if data == errno.ESRCH else []
    found = []
    if fflags & NOTE_FORK:
        found.append(ProcessEvent(pid=pid, kind="fork"))
    if fflags & NOTE_EXEC:
        found.append(ProcessEvent(pid=pid, kind="exec"))
    if fflags & NOTE_EXIT:
        found.append(_exit_event(pid, int(data) if fflags & NOTE_EXITSTATUS else None))
    return found


def decode_kevent(raw: bytes) -> list[ProcessEvent]:
    """Events from the bytes of one ``struct kevent`` (32 bytes) or ``kevent64_s`` (48)."""
    cls: type[Kevent] | type[Kevent64] = Kevent64 if len(raw) >= 48 else Kevent
    ev = struct_from(raw, cls, cls.__name__)
    return events_from(int(ev.ident), int(ev.filter), int(ev.flags), int(ev.fflags), int(ev.data))


class KqueueLike(Protocol):
    """What the watcher needs of ``select.kqueue``."""

    def control(self, changelist: Any, max_events: int, timeout: float | None = ...) -> Any: ...

    def fileno(self) -> int: ...

    def close(self) -> None: ...


def _system_kqueue() -> KqueueLike:
    import select

    factory: Callable[[], KqueueLike] = select.kqueue  # type: ignore[attr-defined,unused-ignore]
    return factory()


def _kevent(pid: int, flags: int) -> Any:
    import select

    make: Callable[..., Any] = select.kevent  # type: ignore[attr-defined,unused-ignore]
    return make(pid, filter=EVFILT_PROC, flags=flags, fflags=WATCHED_NOTES)


class ProcessEventWatcher:
    """Registers pids with one kqueue and returns their fork/exec/exit events.

    ``kqueue_factory`` and ``kevent_factory`` default to ``select.kqueue``/``select.kevent``
    (macOS and the BSDs); tests pass stand-ins.
    """

    def __init__(
        self,
        kqueue_factory: Callable[[], KqueueLike] = _system_kqueue,
        kevent_factory: Callable[[int, int], Any] = _kevent,
        max_events: int = 256,
    ) -> None:
        self._queue: KqueueLike | None = kqueue_factory()
        self._kevent = kevent_factory
        self._max = max_events
        self._pending: list[ProcessEvent] = []
        self.watched: set[int] = set()

    def __enter__(self) -> ProcessEventWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _live(self) -> KqueueLike:
        if self._queue is None:
            raise ValueError("the process event watcher is closed")
        return self._queue

    def fileno(self) -> int:
        """The kqueue's descriptor (readable when events wait)."""
        return self._live().fileno()

    def watch(self, pid: int) -> None:
        """Ask for ``pid``'s fork, exec and exit events; a pid already gone reports its exit on
        the next :meth:`poll`."""
        if pid in self.watched:
            return
        try:
            self._live().control([self._kevent(pid, EV_ADD | EV_ENABLE | EV_CLEAR)], 0, 0)
        except ProcessLookupError:
            self._pending.append(ProcessEvent(pid=pid, kind="exit"))
            return
        self.watched.add(pid)

    def poll(self, timeout: float = 0.0) -> list[ProcessEvent]:
        """The events that arrived, waiting up to ``timeout`` seconds for the first one."""
        found, self._pending = self._pending, []
        wait = 0.0 if found else max(timeout, 0.0)
        for record in self._live().control(None, self._max, wait):
            events = events_from(
                int(record.ident),
                int(record.filter),
                int(record.flags),
                int(record.fflags),
                int(record.data),
            )
            for event in events:
                if event.kind == "exit":
                    self.watched.discard(event.pid)
            found.extend(events)
        return found

    def close(self) -> None:
        """Close the kqueue (idempotent); registrations end with it."""
        if self._queue is not None:
            self._queue.close()
            self._queue = None
            self.watched.clear()
