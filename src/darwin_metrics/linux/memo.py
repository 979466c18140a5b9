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
first drops the entry stored longest ago (first in, first out; storing a key again counts as new).
No memo grows past its bound, whatever keys the machine or a captured tree feeds it. Not LRU: a
lookup changes nothing, so it is one dictionary lookup, without a lock, and the memos sit on
every family's path. What a memo holds is a machine's few devices, interfaces and files: it fills
only where they churn (containers making veth pairs), and then an entry dropped early costs one
reading again, not all of them as with "clear when full".

Threads: a lookup is the dictionary's own ``get``, one operation, atomic in CPython (with or
without the GIL), so it sees a value before or after a concurrent put, never a torn one. Puts run
under the memo's own lock, so the bound and the counters hold when a backend is used from several
threads at once. No lock is held while a value is worked out (:meth:`Memo.get_or_make` calls
``make`` outside it), so a slow read never blocks other threads; two threads that miss the same
key at once may both work the value out, and the first one stored is the one both get. Values must
be safe to share between threads (the collectors store immutable records, tuples and frozensets,
or objects with their own lock such as :class:`~darwin_metrics.linux.mounts.MountTable`).

Introspection: :meth:`Memo.stats` gives the size, the bound, and how many values were stored and
evicted. Lookups are not counted (counting would put Python code and a lock on every lookup);
"served from the memo" shows as no new store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast, overload

import msgspec

if TYPE_CHECKING:
    from darwin_metrics.linux.fs import Roots

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")
_K_contra = TypeVar("_K_contra", contravariant=True)
_V_co = TypeVar("_V_co", covariant=True)

_MISSING: Any = object()


class MemoStats(msgspec.Struct, frozen=True, kw_only=True):
    """What a memo holds and how often it was filled, for tests and diagnostics."""

    name: str
    #: Entries held now.
    size: int
    #: The most entries it may hold.
    maxsize: int
    #: Values stored (each after a lookup that found nothing, or found a stale value): a memo
    #: that serves its lookups stores nothing more.
    stores: int
    #: Entries dropped to stay within ``maxsize``.
    evictions: int


class _Lookup(Protocol[_K_contra, _V_co]):
    """The signature of :attr:`Memo.get` (that of ``dict.get``)."""

    @overload
    def __call__(self, key: _K_contra, default: None = None, /) -> _V_co | None: ...

    @overload
    def __call__(self, key: _K_contra, default: D, /) -> _V_co | D: ...


class Memo(Generic[K, V]):
    """A bounded, thread-safe map that forgets its oldest entry when full."""

    __slots__ = ("_entries", "_evictions", "_lock", "_stores", "get", "maxsize", "name")

    def __init__(self, name: str, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"memo {name!r}: maxsize must be at least 1, got {maxsize}")
        self.name = name
        self.maxsize = maxsize
        self._entries: dict[K, V] = {}  # in the order stored
        self._lock = threading.Lock()
        self._stores = 0
        self._evictions = 0
        #: ``get(key[, default])``: the value remembered for ``key``, else ``default`` (``None``).
        #: The dictionary's own ``get``: a lookup runs no Python code and takes no lock.
        self.get = cast("_Lookup[K, V]", self._entries.get)

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` for ``key``, dropping the oldest entry if full."""
        with self._lock:
            self._store(key, value)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value for ``key``; on a miss ``make()`` (called without the lock) is stored and
        returned, unless another thread stored one first: then that one is returned."""
        value = self._entries.get(key, _MISSING)
        if value is not _MISSING:
            return cast("V", value)
        made = make()
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is not _MISSING:
                return cast("V", value)
            self._store(key, made)
        return made

    def clear(self) -> None:
        """Forget every entry (the counters stay)."""
        with self._lock:
            self._entries.clear()

    def stats(self) -> MemoStats:
        """Size, bound and counters."""
        with self._lock:
            return MemoStats(
                name=self.name,
                size=len(self._entries),
                maxsize=self.maxsize,
                stores=self._stores,
                evictions=self._evictions,
            )

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Memo {self.name} {len(self)}/{self.maxsize}>"

    def _store(self, key: K, value: V) -> None:  # under the lock
        entries = self._entries
        if entries.pop(key, _MISSING) is _MISSING and len(entries) >= self.maxsize:
            del entries[next(iter(entries))]
            self._evictions += 1
        entries[key] = value
        self._stores += 1


class MemoSpec(Generic[K, V]):
    """What one collector remembers: a name and a bound. The memo itself belongs to each roots'
    :class:`Memos` and is made there on first use; a spec is a module constant with no state."""

    __slots__ = ("maxsize", "name")

    def __init__(self, name: str, maxsize: int) -> None:
        self.name = name
        self.maxsize = maxsize

    def of(self, roots: Roots) -> Memo[K, V]:
        """This spec's memo in the backend that ``roots`` belongs to."""
        memo: Memo[K, V] = roots.memos.by_spec[self]  # a plain dictionary lookup once made
        return memo

    def __repr__(self) -> str:
        return f"MemoSpec({self.name!r}, maxsize={self.maxsize})"


class _MemoTable(dict[MemoSpec[Any, Any], Memo[Any, Any]]):
    """Spec → memo; a missing one is made empty (under a lock), then found by a plain lookup."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def __missing__(self, spec: MemoSpec[Any, Any]) -> Memo[Any, Any]:
        with self._lock:
            found = self.get(spec)
            if found is None:
                found = self[spec] = Memo(spec.name, spec.maxsize)
        return found


class Memos:
    """Every memo of one backend (one :class:`~darwin_metrics.linux.fs.Roots`), made on first use.

    Holds one :class:`Memo` per :class:`MemoSpec` used, so it is bounded by the specs the code
    declares, each of which is bounded in turn.
    """

    __slots__ = ("__weakref__", "by_spec")

    def __init__(self) -> None:
        #: Spec → memo (use :meth:`MemoSpec.of` or :meth:`memo`).
        self.by_spec = _MemoTable()

    def memo(self, spec: MemoSpec[K, V]) -> Memo[K, V]:
        """The memo of ``spec``, made empty the first time it is asked for."""
        memo: Memo[K, V] = self.by_spec[spec]
        return memo

    def stats(self) -> tuple[MemoStats, ...]:
        """The stats of every memo made so far, by name."""
        memos = list(self.by_spec.values())
        return tuple(sorted((m.stats() for m in memos), key=lambda s: s.name))

    def clear(self) -> None:
        """Forget every entry of every memo (for a tree rewritten in place); the memos stay."""
        for memo in list(self.by_spec.values()):
            memo.clear()

    def __repr__(self) -> str:
        return f"<Memos {len(self.by_spec)} memos>"
