"""kqueue EVFILT_PROC process events: the kevent layouts (bsd/sys/event.h, LP64, worked out
from the header: no DWARF entry exists in darwin_structs.json), the decoder on constructed records,
and the watcher on a stand-in kqueue (select.kqueue does not exist on Linux)."""

from __future__ import annotations

import ctypes
import errno
import os
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.darwin import kqueue as kq
from darwin_metrics.errors import ParseError


def test_layouts() -> None:
    # uintptr_t ident; int16_t filter; uint16_t flags; uint32_t fflags; intptr_t data; void *udata
    expected = {"ident": (0, 8), "filter": (8, 2), "flags": (10, 2), "fflags": (12, 4),
                "data": (16, 8), "udata": (24, 8)}  # fmt: skip
    for name, where in expected.items():
        assert (getattr(kq.Kevent, name).offset, getattr(kq.Kevent, name).size) == where
        assert (getattr(kq.Kevent64, name).offset, getattr(kq.Kevent64, name).size) == where
    assert (kq.Kevent64.ext.offset, kq.Kevent64.ext.size) == (32, 16)
    assert (ctypes.sizeof(kq.Kevent), ctypes.sizeof(kq.Kevent64)) == (32, 48)
    # bsd/sys/event.h values.
    assert (kq.EVFILT_PROC, kq.NOTE_EXIT, kq.NOTE_FORK, kq.NOTE_EXEC) == (
        -5, 0x80000000, 0x40000000, 0x20000000,
    )  # fmt: skip
    assert (kq.NOTE_EXITSTATUS, kq.EV_ADD, kq.EV_ERROR) == (0x04000000, 1, 0x4000)


def _record(pid: int, fflags: int, data: int = 0, flags: int = 0, *, wide: bool = False) -> bytes:
    cls = kq.Kevent64 if wide else kq.Kevent
    return bytes(cls(ident=pid, filter=kq.EVFILT_PROC, flags=flags, fflags=fflags, data=data))


def test_decode_exit_statuses() -> None:
    exited = kq.decode_kevent(_record(42, kq.NOTE_EXIT | kq.NOTE_EXITSTATUS, 3 << 8))
    assert exited == [kq.ProcessEvent(pid=42, kind="exit", status=3 << 8, exit_code=3)]
    killed = kq.decode_kevent(_record(43, kq.NOTE_EXIT | kq.NOTE_EXITSTATUS, 9, wide=True))
    assert (killed[0].signal, killed[0].exit_code) == (9, None)
    assert kq.decode_kevent(_record(44, kq.NOTE_EXIT, 123)) == [
        kq.ProcessEvent(pid=44, kind="exit")
    ]


def test_decode_several_notes_in_order() -> None:
    both = kq.decode_kevent(
        _record(7, kq.NOTE_FORK | kq.NOTE_EXEC | kq.NOTE_EXIT | kq.NOTE_EXITSTATUS)
    )
    assert [e.kind for e in both] == ["fork", "exec", "exit"]
    assert both[2].exit_code == 0


def test_decode_errors_and_other_filters() -> None:
    gone = _record(9, 0, errno.ESRCH, kq.EV_ERROR)
    assert kq.decode_kevent(gone) == [kq.ProcessEvent(pid=9, kind="exit")]
    assert kq.decode_kevent(_record(9, 0, errno.EPERM, kq.EV_ERROR)) == []
    read = bytes(kq.Kevent(ident=3, filter=-1, fflags=kq.NOTE_EXIT))  # EVFILT_READ
    assert kq.decode_kevent(read) == []
    with pytest.raises(ParseError):
        kq.decode_kevent(b"\0" * 31)


class FakeKqueue:
    def __init__(self) -> None:
        self.registered: list[int] = []
        self.ready: list[Any] = []
        self.gone: set[int] = set()
        self.closed = False
        self.waits: list[float | None] = []

    def control(self, changes: Any, max_events: int, timeout: float | None = None) -> Any:
        for change in changes or ():
            if change.ident in self.gone:
                raise ProcessLookupError(errno.ESRCH, "No such process")
            self.registered.append(change.ident)
        if changes:
            return []
        self.waits.append(timeout)
        ready, self.ready = self.ready[:max_events], self.ready[max_events:]
        return ready

    def fileno(self) -> int:
        return 99

    def close(self) -> None:
        self.closed = True


def test_watcher() -> None:
    queue = FakeKqueue()
    queue.gone.add(555)

    def kevent(pid: int, flags: int) -> Any:
        assert flags & kq.EV_ADD
        return SimpleNamespace(ident=pid)

    with kq.ProcessEventWatcher(lambda: queue, kevent) as watcher:
        watcher.watch(100)
        watcher.watch(100)  # once
        watcher.watch(555)  # already gone
        assert queue.registered == [100] and watcher.fileno() == 99
        assert watcher.poll(5.0) == [kq.ProcessEvent(pid=555, kind="exit")]
        assert queue.waits == [0.0]  # an event was pending: no waiting
        record = SimpleNamespace(ident=100, filter=kq.EVFILT_PROC, flags=0,
                                 fflags=kq.NOTE_EXIT | kq.NOTE_EXITSTATUS, data=1 << 8)  # fmt: skip
        queue.ready = [record]
        assert watcher.poll(1.0) == [kq.ProcessEvent(pid=100, kind="exit", status=256, exit_code=1)]
        assert watcher.watched == set()
    assert queue.closed
    with pytest.raises(ValueError):
        watcher.poll()


@pytest.mark.skipif(not hasattr(__import__("select"), "kqueue"), reason="needs kqueue (macOS)")
def test_real_child_exit() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    with kq.ProcessEventWatcher() as watcher:
        watcher.watch(pid)
        events = watcher.poll(5.0)
    os.waitpid(pid, 0)
    assert events[-1].kind == "exit" and events[-1].pid == pid


@given(st.binary(min_size=32, max_size=48))
def test_fuzz_decode(raw: bytes) -> None:
    for event in kq.decode_kevent(raw):
        assert event.kind in ("fork", "exec", "exit")
