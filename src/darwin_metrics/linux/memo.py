"""Bounded memos owned by one Linux backend: what the collectors remember between calls.

A collector remembers what is costly to work out again and rarely changes (the CPU layout, how a
block device is classified, the kind of a network interface, the last parse of a file whose bytes
did not change). Every such memory is a :class:`Memo` held by the :class:`Memos` of one
:class:`~darwin_metrics.linux.fs.Roots`, which the backend creates with its roots: two backends
(two captured trees, or a captured tree and the live machine) never share an entry, and a backend
that is dropped takes its memos with it.

A collector module declares what it remembers once, as a :class:`MemoSpec` (a name, a bound and
the key and value types), and reaches the backend's memo through the roots it already receives::

    _LAYOUTS: MemoSpec[bytes | None, Layout] = MemoSpec("cpu.layouts", maxsize=16)
    layout = _LAYOUTS.of(roots).get(online_raw)

Bound and eviction: a memo holds at most ``maxsize`` entries; putting a new key into a full memo
first drops the least recently used entry (a hit or a put counts as a use). No memo grows past
its bound, whatever keys the machine or a captured tree feeds it.

Threads: every operation of a :class:`Memo` runs under the memo's own lock, so the entry count,
the order of use and the counters stay consistent when a backend is used from several threads at
once; a reader sees either the value before or after a concurrent put, never a torn one. No lock is
held while a value is worked out (:meth:`Memo.get_or_make` calls ``make`` outside the lock), so a
slow read never blocks other threads; two threads that miss the same key at once may both work the
value out, and the first one stored is the one both get. Values must be safe to share between
threads (the collectors store immutable records, tuples and frozensets, or objects with their
own lock such as :class:`~darwin_metrics.linux.mounts.MountTable`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import msgspec

if TYPE_CHECKING:
    from darwin_metrics.linux.fs import Roots

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")

_MISSING: Any = object()


class MemoStats(msgspec.Struct, frozen=True, kw_only=True):
    """What a memo holds and how it served, for tests and diagnostics."""

    name: str
    #: Entries held now.
    size: int
    #: The most entries it may hold.
    maxsize: int
    #: Lookups answered from the memo.
    hits: int
    #: Lookups that found nothing.
    misses: int
    #: Entries dropped to stay within ``maxsize``.
    evictions: int


class Memo(Generic[K, V]):
    """A bounded, thread-safe map that forgets its least recently used entry when full."""

    __slots__ = ("_entries", "_evictions", "_hits", "_lock", "_misses", "maxsize", "name")

    def __init__(self, name: str, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"memo {name!r}: maxsize must be at least 1, got {maxsize}")
        self.name = name
        self.maxsize = maxsize
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._evictions = 0

    @overload
    def get(self, key: K) -> V | None: ...

    @overload
    def get(self, key: K, default: D) -> V | D: ...

    def get(self, key: K, default: Any = None) -> Any:
        """The value remembered for ``key`` (now the most recently used), else ``default``."""
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is _MISSING:
                self._misses += 1
                return default
            self._entries.move_to_end(key)
            self._hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` for ``key``, dropping the least recently used entry if full."""
        with self._lock:
            self._store(key, value)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value for ``key``; on a miss ``make()`` (called without the lock) is stored and
        returned, unless another thread stored one first: then that one is returned."""
        value = self.get(key, _MISSING)
        if value is not _MISSING:
            return value
        made = make()
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is not _MISSING:
                return value
            self._store(key, made)
        return made

    def clear(self) -> None:
        """Forget every entry (the counters stay)."""
        with self._lock:
            self._entries.clear()

    def stats(self) -> MemoStats:
        """Size, bound and counters, read together."""
        with self._lock:
            return MemoStats(
                name=self.name,
                size=len(self._entries),
                maxsize=self.maxsize,
                hits=self._hits,
                misses=self._misses,
                evictions=self._evictions,
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"<Memo {self.name} {len(self)}/{self.maxsize}>"

    def _store(self, key: K, value: V) -> None:  # under the lock
        entries = self._entries
        if key in entries:
            entries.move_to_end(key)
        elif len(entries) >= self.maxsize:
            entries.popitem(last=False)
            self._evictions += 1
        entries[key] = value


class MemoSpec(Generic[K, V]):
    """What one collector remembers: a name and a bound. The memo itself belongs to each roots'
    :class:`Memos` and is made there on first use; a spec is a module constant with no state."""

    __slots__ = ("maxsize", "name")

    def __init__(self, name: str, maxsize: int) -> None:
        self.name = name
        self.maxsize = maxsize

    def of(self, roots: Roots) -> Memo[K, V]:
        """This spec's memo in the backend that ``roots`` belongs to."""
        return roots.memos.memo(self)

    def __repr__(self) -> str:
        return f"MemoSpec({self.name!r}, maxsize={self.maxsize})"


class Memos:
    """Every memo of one backend (one :class:`~darwin_metrics.linux.fs.Roots`), made on first use.

    Holds one :class:`Memo` per :class:`MemoSpec` used, so it is bounded by the specs the code
    declares, each of which is bounded in turn.
    """

    __slots__ = ("__weakref__", "_lock", "_memos")

    def __init__(self) -> None:
        self._memos: dict[MemoSpec[Any, Any], Memo[Any, Any]] = {}
        self._lock = threading.Lock()

    def memo(self, spec: MemoSpec[K, V]) -> Memo[K, V]:
        """The memo of ``spec``, made empty the first time it is asked for."""
        found = self._memos.get(spec)
        if found is None:
            with self._lock:
                found = self._memos.get(spec)
                if found is None:
                    found = self._memos[spec] = Memo(spec.name, spec.maxsize)
        return found

    def stats(self) -> tuple[MemoStats, ...]:
        """The stats of every memo made so far, by name."""
        with self._lock:
            memos = list(self._memos.values())
        return tuple(sorted((m.stats() for m in memos), key=lambda s: s.name))

    def clear(self) -> None:
        """Forget every entry of every memo (for a tree rewritten in place)."""
        with self._lock:
            memos = list(self._memos.values())
        for memo in memos:
            memo.clear()

    def __repr__(self) -> str:
        return f"<Memos {len(self._memos)} memos>"
