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

    def put_many(self, items: list[T]) -> int:
        """Queue what fits of ``items`` with one wake-up; returns how many were dropped."""
        with self._cond:
            room = 0 if self._closed else max(0, self.size - len(self._items))
            self._items.extend(items[:room])
            lost = len(items) - min(room, len(items))
            self.dropped += lost
            if room and items:
                self._cond.notify()
            return lost

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
        return self.put_many([item]) == 0

    def put_many(self, items: list[T]) -> int:
        """Queue what fits of ``items`` with one loop wake-up; returns how many were dropped."""
        with self._lock:
            room = 0 if self._closed else max(0, self.size - self._pending)
            taken = items[:room]
            lost = len(items) - len(taken)
            self.dropped += lost
            self._pending += len(taken)
        if taken:
            try:
                self._loop.call_soon_threadsafe(self._feed, taken)
            except RuntimeError:  # the loop is closed
                return len(items)
        return lost

    def _feed(self, items: list[T]) -> None:
        for item in items:
            self._queue.put_nowait((False, item))

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
