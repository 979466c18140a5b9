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
import time

from darwin_metrics.backend import Backend, default_backend
from darwin_metrics.rates import compute_rates
from darwin_metrics.records.rates import Rates, Sample
from darwin_metrics.records.snapshot import Snapshot
from darwin_metrics.snapshot import take_snapshot

__all__ = ["Rates", "Sample", "Sampler"]


class Sampler:
    """Takes snapshots from ``backend`` (this platform's by default) and computes rates.

    ``processes=False`` leaves processes out of every snapshot (cheaper; no per-process rates).
    Elapsed time is measured on the monotonic clock at the start of each snapshot.
    """

    def __init__(self, backend: Backend | None = None, *, processes: bool = True) -> None:
        self.backend = backend if backend is not None else default_backend()
        self.processes = processes
        self._lock = threading.Lock()
        self._previous: tuple[float, Snapshot] | None = None

    def sample(self) -> Sample:
        """Read a snapshot; ``rates`` and ``elapsed`` are ``None`` on the first call (and after
        :meth:`reset`)."""
        with self._lock:
            started = time.monotonic()
            snapshot = take_snapshot(self.backend, include_processes=self.processes)
            previous = self._previous
            self._previous = (started, snapshot)
            if previous is None:
                return Sample(timestamp=snapshot.timestamp, snapshot=snapshot)
            elapsed = started - previous[0]
            rates: Rates = compute_rates(previous[1], snapshot, elapsed)
            return Sample(
                timestamp=snapshot.timestamp, snapshot=snapshot, elapsed=elapsed, rates=rates
            )

    def reset(self) -> None:
        """Forget the previous snapshot: the next sample has no rates."""
        with self._lock:
            self._previous = None
