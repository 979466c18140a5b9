"""Bounded queues between the monitor's threads and its consumers.

A put never blocks: when a queue is full the event is dropped and counted, so a slow consumer
never holds up sampling. Closing a queue wakes its reader, which then sees the end.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Closed(Exception):
    """The channel was closed and is empty."""


class Channel(Generic[T]):
    """A bounded, thread-safe FIFO that drops (and counts) what does not fit."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.dropped = 0
        self._items: deque[T] = deque()
        self._cond = threading.Condition()
        self._closed = False

    def put(self, item: T) -> bool:
        """Queue ``item``; ``False`` (and one more dropped) when full or closed."""
        with self._cond:
            if self._closed or len(self._items) >= self.size:
                self.dropped += 1
                return False
            self._items.append(item)
            self._cond.notify()
            return True

    def get(self, timeout: float | None = None) -> T | None:
        """The next item; ``None`` after ``timeout`` seconds; :class:`Closed` once closed and
        empty."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait(timeout)
            if self._items:
                return self._items.popleft()
            if self._closed:
                raise Closed
            return None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class AsyncChannel(Generic[T]):
    """A bounded queue read by a coroutine on ``loop`` and fed from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.size = size
        self.dropped = 0
        self._loop = loop
        self._queue: asyncio.Queue[tuple[bool, T | None]] = asyncio.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._closed = False

    def put(self, item: T) -> bool:
        with self._lock:
            if self._closed or self._pending >= self.size:
                self.dropped += 1
                return False
            self._pending += 1
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, (False, item))
        except RuntimeError:  # the loop is closed
            return False
        return True

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, (True, None))
        except RuntimeError:
            pass

    async def get(self) -> T:
        """The next item; :class:`Closed` at the end."""
        end, item = await self._queue.get()
        if end:
            raise Closed
        with self._lock:
            self._pending -= 1
        assert item is not None
        return item
