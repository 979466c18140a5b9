"""The SQLite history store: series, samples, change-only points, rollups and retention.

Layout (see :mod:`darwin_metrics.history.schema`): every concrete metric path is a row of
``series``; every recorded sample a row of ``samples``; ``points`` holds ``(t, series id, value)``.
A *keyframe* sample stores every value; the samples between keyframes store only the values that
changed since the sample before (``NULL`` when a series vanished). The value of a series at a
sample is therefore its last point at or after the latest keyframe. This keeps constant values
(totals, limits, idle devices) from costing a row every second.

The connection is in WAL mode with ``synchronous=NORMAL``: a process killed mid-write (SIGKILL)
leaves every committed transaction readable; a power cut may lose the last few commits.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from darwin_metrics.errors import StorageError
from darwin_metrics.history import rollups
from darwin_metrics.history.rollups import Stat
from darwin_metrics.history.schema import migrate

__all__ = ["HistoryStore", "PendingSample"]

log = logging.getLogger(__name__)

#: One sample to write: (time in ms since the epoch, keyframe?, {path: value or None}).
PendingSample = tuple[int, bool, dict[str, float | None]]


def storage_error(exc: BaseException, path: str, doing: str) -> StorageError:
    """A :class:`StorageError` that says plainly what went wrong with ``path``."""
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered or getattr(exc, "errno", None) == 28:
        reason = "the disk is full"
    elif "readonly" in lowered or "read-only" in lowered or getattr(exc, "errno", None) in (13, 30):
        reason = "the location is read-only"
    elif "unable to open" in lowered:
        reason = (
            "the location is read-only"
            if _read_only_location(path)
            else "the file cannot be opened or created there"
        )
    elif "not a database" in lowered or "malformed" in lowered:
        reason = "the file is not a usable SQLite database"
    else:
        reason = text
    return StorageError(f"cannot {doing} history database {path}: {reason} ({text})", path=path)


def _read_only_location(path: str) -> bool:
    """Whether the nearest existing directory of ``path`` is on a read-only mount or not writable."""
    folder = Path(path).absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(folder, os.W_OK)


class HistoryStore:
    """An open history database.

    ``readonly=True`` opens an existing file for queries only (raises :class:`StorageError` when
    there is none); otherwise the file and its directory are created as needed and the schema is
    migrated to the current version. Every failure of SQLite or the file system is raised as
    :class:`StorageError` naming the file and the reason.
    """

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = str(path)
        self.readonly = readonly
        self._series: dict[str, int] = {}
        self._rollup_last: dict[str, tuple[int, dict[int, Stat]]] = {}
        try:
            if readonly:
                if not os.path.exists(self.path):
                    raise StorageError(
                        f"no history database at {self.path} (record one with "
                        "'darwin-metrics record')",
                        path=self.path,
                    )
                self.conn = self._connect_read_only()
            else:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(
                    self.path, isolation_level=None, timeout=10.0, check_same_thread=False
                )
        except (sqlite3.Error, OSError) as exc:
            raise storage_error(exc, self.path, "open") from exc
        try:
            if not readonly:
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                migrate(self.conn, self.path)
            else:
                self._check_readable()
            self._load_series()
        except StorageError:
            self.conn.close()
            raise
        except (sqlite3.Error, OSError) as exc:
            self.conn.close()
            raise storage_error(exc, self.path, "open") from exc

    def _connect_read_only(self) -> sqlite3.Connection:
        """A read-only connection; on read-only media (where SQLite cannot make the WAL index)
        the file is opened as immutable."""
        uri = Path(self.path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(
            uri, uri=True, isolation_level=None, timeout=10.0, check_same_thread=False
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            if not _read_only_location(self.path):
                raise
            conn = sqlite3.connect(
                uri + "&immutable=1",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
        return conn

    def _check_readable(self) -> None:
        from darwin_metrics.history.schema import SCHEMA_VERSION, version

        found = version(self.conn)
        if 0 < found < SCHEMA_VERSION:
            # Written by an older darwin-metrics: migrate it once through a writing connection.
            HistoryStore(self.path).close()
            self.conn.close()
            self.conn = self._connect_read_only()
            found = version(self.conn)
        if found == 0:
            raise StorageError(
                f"{self.path}: not a darwin-metrics history database", path=self.path
            )
        if found > SCHEMA_VERSION:
            raise StorageError(
                f"{self.path}: history schema version {found} is newer than this darwin-metrics "
                f"understands ({SCHEMA_VERSION}); upgrade darwin-metrics",
                path=self.path,
            )

    def _load_series(self) -> None:
        self._series = dict(self.conn.execute("SELECT path, id FROM series"))

    def close(self) -> None:
        """Close the connection (a WAL checkpoint runs when the last writer closes)."""
        self.conn.close()

    @contextmanager
    def transaction(self, doing: str = "write") -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back and raised as :class:`StorageError`."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path, doing) from exc
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                log.debug("rollback of %s failed", self.path, exc_info=True)
            if isinstance(exc, (sqlite3.Error, OSError)):
                raise storage_error(exc, self.path, doing) from exc
            raise

    # --- writing ------------------------------------------------------------------------------

    def write(self, samples: Sequence[PendingSample]) -> None:
        """Store ``samples`` in one transaction (all or none)."""
        if not samples:
            return
        with self.transaction() as conn:
            added: dict[str, int] = {}
            rows: list[tuple[int, int, float | None]] = []
            for t, _, values in samples:
                for path, value in values.items():
                    series_id = self._series.get(path) or added.get(path)
                    if series_id is None:
                        cursor = conn.execute("INSERT INTO series (path) VALUES (?)", (path,))
                        series_id = int(cursor.lastrowid or 0)
                        added[path] = series_id
                    rows.append((t, series_id, value))
            conn.executemany(
                "INSERT OR REPLACE INTO samples (t, keyframe) VALUES (?, ?)",
                [(t, int(keyframe)) for t, keyframe, _ in samples],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO points (t, series_id, value) VALUES (?, ?, ?)", rows
            )
        self._series.update(added)

    # --- reading ------------------------------------------------------------------------------

    def series(self) -> dict[str, int]:
        """Every stored concrete path and its id (re-read from the file)."""
        self._load_series()
        return dict(self._series)

    def raw_span(self) -> tuple[int, int] | None:
        """(first, last) sample time in ms, or ``None`` for no samples."""
        row = self.conn.execute("SELECT min(t), max(t) FROM samples").fetchone()
        return None if row[0] is None else (int(row[0]), int(row[1]))

    def times(self, resolution: str, since: float, until: float) -> list[float]:
        """Every sample (``raw``) or rolled period (``minute``/``hour``) time in the range, in
        epoch seconds."""
        if resolution == "raw":
            rows = self.conn.execute(
                "SELECT t FROM samples WHERE t >= ? AND t <= ? ORDER BY t",
                (int(since * 1000), int(until * 1000)),
            )
            return [t / 1000 for (t,) in rows]
        _, step, _ = rollups.RESOLUTIONS[resolution]
        rows = self.conn.execute(
            "SELECT t FROM rollup_times WHERE step = ? AND t >= ? AND t <= ? ORDER BY t",
            (step, int(since) // step * step, int(until)),
        )
        return [float(t) for (t,) in rows]

    def rollup_start(self, resolution: str) -> int | None:
        """The first rollup second of ``resolution`` (``minute``/``hour``), or ``None``."""
        return rollups.first_time(self.conn, resolution)

    def expand(
        self, since_ms: int, until_ms: int, series_ids: Iterable[int] | None = None
    ) -> Iterator[tuple[int, dict[int, float]]]:
        """Each sample time in ``[since_ms, until_ms]`` with the value of every wanted series then.

        The values start from the latest keyframe at or before ``since_ms``; a keyframe resets
        them (a series missing from a keyframe has no value from there on). The yielded dict is
        reused from one sample to the next: copy it to keep it.
        """
        wanted = None if series_ids is None else set(series_ids)
        row = self.conn.execute(
            "SELECT max(t) FROM samples WHERE keyframe = 1 AND t <= ?", (since_ms,)
        ).fetchone()
        start = since_ms if row[0] is None else int(row[0])
        samples = self.conn.execute(
            "SELECT t, keyframe FROM samples WHERE t >= ? AND t <= ? ORDER BY t", (start, until_ms)
        )
        if wanted is not None and len(wanted) <= 500:
            marks = ",".join("?" * len(wanted))
            points = self.conn.execute(
                "SELECT t, series_id, value FROM points WHERE t >= ? AND t <= ? "
                f"AND series_id IN ({marks}) ORDER BY t",
                (start, until_ms, *sorted(wanted)),
            )
        else:
            points = self.conn.execute(
                "SELECT t, series_id, value FROM points WHERE t >= ? AND t <= ? ORDER BY t",
                (start, until_ms),
            )
        state: dict[int, float] = {}
        pending = next(points, None)
        for t, keyframe in samples:
            if keyframe:
                state.clear()
            while pending is not None and pending[0] <= t:
                pt, series_id, value = pending
                if pt == t and (wanted is None or series_id in wanted):
                    if value is None:
                        state.pop(series_id, None)
                    else:
                        state[series_id] = float(value)
                pending = next(points, None)
            if t >= since_ms:
                yield t, state

    def rollups(
        self, resolution: str, since_s: int, until_s: int, series_ids: Iterable[int]
    ) -> Iterator[tuple[int, dict[int, Stat]]]:
        """Each period of ``resolution`` in ``[since_s, until_s]`` with the wanted series'
        ``(mean, min, max, count)`` (see :func:`darwin_metrics.history.rollups.expand`)."""
        return rollups.expand(self.conn, resolution, since_s, until_s, series_ids)

    # --- rollups and retention ----------------------------------------------------------------

    def roll_up(self) -> None:
        """Fold complete minutes of raw samples into minute rollups and complete hours of those
        into hour rollups, from where each got to before."""
        span = self.raw_span()
        if span is None:
            return
        done = rollups.last_time(self.conn, "minute")
        minute = span[0] // 60000 * 60 if done is None else done + 60
        last_minute = span[1] // 60000 * 60  # the minute still being recorded is left open
        while minute < last_minute:
            end = min(last_minute, minute + 3600)
            periods = rollups.aggregate(self.expand(minute * 1000, end * 1000 - 1), 60)
            self._write_rollups("minute", periods)
            minute = end
        done_minute = rollups.last_time(self.conn, "minute")
        if done_minute is None:
            return
        done = rollups.last_time(self.conn, "hour")
        first = rollups.first_time(self.conn, "minute") or done_minute
        hour = first // 3600 * 3600 if done is None else done + 3600
        last_hour = (done_minute + 60) // 3600 * 3600  # complete hours only
        while hour < last_hour:
            end = min(last_hour, hour + 86400)
            minutes = rollups.expand(self.conn, "minute", hour, end - 1)
            self._write_rollups("hour", rollups.combine(minutes, 3600))
            hour = end

    def _write_rollups(self, resolution: str, periods: list[tuple[int, dict[int, Stat]]]) -> None:
        if not periods:
            return
        previous = self._rollup_last.get(resolution)
        if previous is None:
            last = rollups.last_time(self.conn, resolution)
            if last is not None:
                found = next(rollups.expand(self.conn, resolution, last, last), None)
                previous = None if found is None else (found[0], dict(found[1]))
        with self.transaction("roll up") as conn:
            latest = rollups.write(conn, resolution, periods, previous)
        if latest is not None:
            self._rollup_last[resolution] = latest

    def enforce_retention(
        self, now: float, *, raw_seconds: float, minute_seconds: float, hour_seconds: float
    ) -> None:
        """Delete raw samples older than ``raw_seconds`` (back to a keyframe, so what is left
        still reads), minute rollups older than ``minute_seconds`` and hour rollups older than
        ``hour_seconds`` (each back to its own keyframe)."""
        raw_cut = int((now - raw_seconds) * 1000)
        with self.transaction("trim") as conn:
            row = conn.execute(
                "SELECT max(t) FROM samples WHERE keyframe = 1 AND t <= ?", (raw_cut,)
            ).fetchone()
            if row[0] is not None:
                conn.execute("DELETE FROM points WHERE t < ?", (row[0],))
                conn.execute("DELETE FROM samples WHERE t < ?", (row[0],))
            rollups.trim(conn, "minute", int(now - minute_seconds))
            rollups.trim(conn, "hour", int(now - hour_seconds))
