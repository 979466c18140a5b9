"""The Sampler: snapshots plus the rates since the previous one.

Example::

    sampler = Sampler()
    sampler.sample()                 # first sample: rates is None (nothing to compare with)
    time.sleep(1.0)
    sampler.sample().rates.cpu.percent   # busy percent (0-100) over that second

Only the previous snapshot is kept. ``sample()`` holds a lock, so calls from several threads are
serialised and each sees the one before it; rates are meant for one caller sampling at its own pace.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable

from darwin_metrics.backend import Backend, default_backend
from darwin_metrics.collect import take_snapshot
from darwin_metrics.rates import compute_rates
from darwin_metrics.records.rates import Rates, Sample
from darwin_metrics.records.snapshot import Snapshot

__all__ = ["Rates", "Sample", "Sampler"]


class Sampler:
    """Takes snapshots from ``backend`` (this platform's by default) and computes rates.

    ``processes=False`` leaves processes out of every snapshot (cheaper; no per-process rates).
    ``process_fields`` reads only those :class:`Process` fields (see ``processes(fields=...)``),
    plus ``create_time``, which costs nothing extra and tells a process from a later one with
    the same pid; per-process CPU percent needs ``cpu_times`` and the I/O rates ``io``, and are
    ``None`` without them. ``ValueError``/``TypeError`` for bad names, as ``processes()``.
    Time is measured on the monotonic clock when each family's read begins: ``Sample.elapsed`` is
    from the start of the previous snapshot to the start of this one, and each family's rates are
    over the time between its own two reads.
    """

    def __init__(
        self,
        backend: Backend | None = None,
        *,
        processes: bool = True,
        families: Collection[str] | None = None,
        process_fields: Iterable[str] | None = None,
    ) -> None:
        self.backend = backend if backend is not None else default_backend()
        self.processes = processes
        #: The process fields read (``None``: all), ``create_time`` included.
        self.process_fields: frozenset[str] | None = None
        if process_fields is not None:
            from darwin_metrics.procfields import field_set

            self.process_fields = frozenset({"create_time", *(field_set(process_fields) or ())})
        #: The families read (``None``: all); the others are ``None`` in every snapshot.
        self.families = frozenset(families) if families is not None else None
        self._lock = threading.Lock()
        self._previous: tuple[dict[str, float], Snapshot] | None = None

    def sample(self) -> Sample:
        """Read a snapshot; ``rates`` and ``elapsed`` are ``None`` on the first call (and after
        :meth:`reset`)."""
        with self._lock:
            read_times: dict[str, float] = {}
            snapshot = take_snapshot(
                self.backend,
                include_processes=self.processes,
                read_times=read_times,
                families=self.families,
                process_fields=self.process_fields,
            )
            return self._combine(snapshot, read_times)

    def combine(self, snapshot: Snapshot, read_times: dict[str, float]) -> Sample:
        """A sample of a snapshot read elsewhere (the async stream reads its families on the
        event loop and in a worker thread): rates against the previous one, as :meth:`sample`."""
        with self._lock:
            return self._combine(snapshot, read_times)

    def _combine(self, snapshot: Snapshot, read_times: dict[str, float]) -> Sample:
        previous = self._previous
        self._previous = (read_times, snapshot)
        if previous is None or not read_times:
            return Sample(timestamp=snapshot.timestamp, snapshot=snapshot)
        before_times, before = previous
        family_elapsed = {
            name: at - before_times[name] for name, at in read_times.items() if name in before_times
        }
        elapsed = min(read_times.values()) - min(before_times.values())
        rates: Rates = compute_rates(before, snapshot, elapsed, family_elapsed)
        return Sample(timestamp=snapshot.timestamp, snapshot=snapshot, elapsed=elapsed, rates=rates)

    def reset(self) -> None:
        """Forget the previous snapshot: the next sample has no rates."""
        with self._lock:
            self._previous = None
