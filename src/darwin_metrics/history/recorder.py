"""The Recorder: appends samples to the history database in batched transactions.

Example::

    with Recorder() as recorder:              # the default database (see default_db_path)
        sampler = Sampler(processes=False)
        while True:
            recorder.record(sampler.sample())
            time.sleep(1)

Each sample is flattened into concrete metric paths (:func:`darwin_metrics.metricpath.flatten`,
readings and rates). Samples are buffered and written in one transaction every ``batch_seconds``
of sample time (and on :meth:`flush` / :meth:`close`), so a sample costs no disk sync of its own.
Once a minute the recorder folds complete minutes and hours into rollups and enforces retention.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from types import TracebackType
from typing import IO, Any

from darwin_metrics.errors import StorageError
from darwin_metrics.history.paths import default_db_path
from darwin_metrics.history.store import HistoryStore, PendingSample, storage_error
from darwin_metrics.metricpath import flatten

__all__ = ["DEFAULT_RETENTION", "Recorder"]

log = logging.getLogger(__name__)

#: Default retention of the whole history (hour rollups): 30 days.
DEFAULT_RETENTION = 30 * 86400.0
#: Raw samples are kept at most one day, minute rollups at most seven (each capped by retention).
RAW_RETENTION = 86400.0
MINUTE_RETENTION = 7 * 86400.0


def _lock_exclusively(path: str) -> IO[str]:
    """Hold ``path`` locked (``flock``) so that one Recorder at a time writes a database: two
    interleaved writers would break each other's change-only points. The kernel drops the lock
    when the process ends, however it ends."""
    import fcntl

    try:
        handle = open(path, "a+")  # noqa: SIM115 (held open until close())
    except OSError as exc:
        raise storage_error(exc, path, "lock") from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StorageError(
            f"{path.removesuffix('.lock')} is being recorded by {holder}; one recorder at a time",
            path=path,
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle


class Recorder:
    """Records :class:`~darwin_metrics.Sample` objects into the history at ``path``.

    ``path`` defaults to :func:`~darwin_metrics.history.paths.default_db_path`; ``families``
    (Snapshot/Rates field names) defaults to every family but ``processes``. ``retention`` is in
    seconds. Raises :class:`~darwin_metrics.errors.StorageError` when the database cannot be
    opened or written (read-only location, disk full, another Recorder writing it: one at a time,
    held by a lock file ``PATH.lock``); after a failed write the buffered samples are dropped and
    the next sample is stored in full.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        families: Iterable[str] | None = None,
        retention: float = DEFAULT_RETENTION,
        batch_seconds: float = 10.0,
        keyframe_seconds: float = 60.0,
    ) -> None:
        self.path = str(default_db_path() if path is None else path)
        self.families = None if families is None else tuple(families)
        self.retention = float(retention)
        self.batch_seconds = float(batch_seconds)
        self.keyframe_ms = int(keyframe_seconds * 1000)
        self.store = HistoryStore(self.path)
        try:
            self._lock = _lock_exclusively(self.path + ".lock")
        except BaseException:
            self.store.close()
            raise
        self._pending: list[PendingSample] = []
        self._last: dict[str, float] = {}
        self._last_t = -1
        self._last_keyframe: int | None = None
        self._batch_start: int | None = None
        self._maintained_minute = -1
        self.batches_committed = 0
        self.samples_committed = 0

    def record(self, sample: Any) -> None:
        """Buffer ``sample`` (a Sample, or a Snapshot); write the batch when it is due.

        A sample not later than the previous one (same millisecond or a clock step back) is
        skipped.
        """
        t = round(float(sample.timestamp) * 1000)
        if t <= self._last_t:
            log.debug("sample at %d ms is not after %d ms: skipped", t, self._last_t)
            return
        values = flatten(sample, self.families)
        keyframe = self._last_keyframe is None or t - self._last_keyframe >= self.keyframe_ms
        changes: dict[str, float | None]
        if keyframe:
            changes = dict(values)
            self._last_keyframe = t
        else:
            last = self._last
            changes = {p: v for p, v in values.items() if last.get(p) != v}
            for gone in last.keys() - values.keys():
                changes[gone] = None
        self._last = values
        self._last_t = t
        self._pending.append((t, keyframe, changes))
        if self._batch_start is None:
            self._batch_start = t
        if t - self._batch_start >= self.batch_seconds * 1000:
            self.flush()

    def flush(self) -> None:
        """Write the buffered samples now (one transaction), then roll up and trim if due."""
        pending, self._pending, self._batch_start = self._pending, [], None
        if not pending:
            return
        try:
            self.store.write(pending)
        except StorageError:
            self._last_keyframe = None  # what follows must not depend on the lost batch
            raise
        self.batches_committed += 1
        self.samples_committed += len(pending)
        minute = pending[-1][0] // 60000
        if minute != self._maintained_minute:
            self._maintained_minute = minute
            self.maintain(pending[-1][0] / 1000)

    def maintain(self, now: float) -> None:
        """Roll up complete minutes and hours and delete what is past retention."""
        self.store.roll_up()
        self.store.enforce_retention(
            now,
            raw_seconds=min(RAW_RETENTION, self.retention),
            minute_seconds=min(MINUTE_RETENTION, self.retention),
            hour_seconds=self.retention,
        )

    def close(self) -> None:
        """Write what is buffered and close the database."""
        try:
            self.flush()
        finally:
            self.store.close()
            self._lock.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
