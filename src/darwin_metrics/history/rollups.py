"""Minute and hour rollups, stored change-only like the raw points.

A rollup of one series over one period (a minute or an hour) is its ``(mean, min, max, count)``.
Each rolled period is a row of ``rollup_times``; a *keyframe* period (the first of each hour for
minutes, of each sixth hour for hours, and the first after a gap) stores every series, the periods
between store only the series whose rollup differs from the period before, and a row with
``count = 0`` marks a series that vanished. A constant value therefore costs one row an hour in
``rollup_minute`` instead of sixty.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

__all__ = ["RESOLUTIONS", "Stat", "aggregate", "expand", "first_time", "trim", "write"]

#: Resolution name → (table, period in seconds, keyframe every so many seconds).
RESOLUTIONS = {"minute": ("rollup_minute", 60, 3600), "hour": ("rollup_hour", 3600, 21600)}
#: (mean, min, max, count) of one series over one period.
Stat = tuple[float, float, float, int]
_VANISHED: Stat = (0.0, 0.0, 0.0, 0)


def first_time(conn: sqlite3.Connection, resolution: str) -> int | None:
    """The first rolled period (epoch second) of ``resolution``, or ``None``."""
    _, step, _ = RESOLUTIONS[resolution]
    row = conn.execute("SELECT min(t) FROM rollup_times WHERE step = ?", (step,)).fetchone()
    return None if row[0] is None else int(row[0])


def last_time(conn: sqlite3.Connection, resolution: str) -> int | None:
    """The last rolled period of ``resolution``, or ``None``."""
    _, step, _ = RESOLUTIONS[resolution]
    row = conn.execute("SELECT max(t) FROM rollup_times WHERE step = ?", (step,)).fetchone()
    return None if row[0] is None else int(row[0])


def expand(
    conn: sqlite3.Connection,
    resolution: str,
    since: int,
    until: int,
    series_ids: Iterable[int] | None = None,
) -> Iterator[tuple[int, dict[int, Stat]]]:
    """Each rolled period in ``[since, until]`` with every wanted series' rollup then.

    Rebuilt from the latest keyframe at or before ``since``. The dict is reused: copy to keep.
    """
    table, step, _ = RESOLUTIONS[resolution]
    wanted = None if series_ids is None else set(series_ids)
    row = conn.execute(
        "SELECT max(t) FROM rollup_times WHERE step = ? AND keyframe = 1 AND t <= ?",
        (step, since),
    ).fetchone()
    start = since if row[0] is None else int(row[0])
    times = conn.execute(
        "SELECT t, keyframe FROM rollup_times WHERE step = ? AND t >= ? AND t <= ? ORDER BY t",
        (step, start, until),
    )
    where = ""
    extra: tuple[int, ...] = ()
    if wanted is not None and len(wanted) <= 500:
        where = f" AND series_id IN ({','.join('?' * len(wanted))})"
        extra = tuple(sorted(wanted))
    rows = conn.execute(
        f"SELECT t, series_id, mean, min, max, count FROM {table} WHERE t >= ? AND t <= ?"
        f"{where} ORDER BY t",
        (start, until, *extra),
    )
    state: dict[int, Stat] = {}
    pending = next(rows, None)
    for t, keyframe in times:
        if keyframe:
            state.clear()
        while pending is not None and pending[0] <= t:
            pt, series_id, mean, low, high, count = pending
            if pt == t and (wanted is None or series_id in wanted):
                if count:
                    state[series_id] = (float(mean), float(low), float(high), int(count))
                else:
                    state.pop(series_id, None)
            pending = next(rows, None)
        if t >= since:
            yield t, state


def write(
    conn: sqlite3.Connection,
    resolution: str,
    periods: Sequence[tuple[int, dict[int, Stat]]],
    previous: tuple[int, dict[int, Stat]] | None,
) -> tuple[int, dict[int, Stat]] | None:
    """Store ``periods`` (in time order) after ``previous`` (the last stored period and its
    rollups, ``None`` for none); returns the new last period. Runs inside the caller's
    transaction."""
    table, step, every = RESOLUTIONS[resolution]
    times: list[tuple[int, int, int]] = []
    rows: list[tuple[int, int, float, float, float, int]] = []
    for t, stats in periods:
        keyframe = previous is None or t - previous[0] != step or t % every == 0
        before = {} if previous is None else previous[1]
        for series_id, stat in stats.items():
            if keyframe or before.get(series_id) != stat:
                rows.append((t, series_id, *stat))
        if not keyframe:
            rows.extend((t, gone, *_VANISHED) for gone in before.keys() - stats.keys())
        times.append((step, t, int(keyframe)))
        previous = (t, dict(stats))
    conn.executemany(
        "INSERT OR REPLACE INTO rollup_times (step, t, keyframe) VALUES (?, ?, ?)", times
    )
    conn.executemany(
        f"INSERT OR REPLACE INTO {table} (t, series_id, mean, min, max, count) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    return previous


def aggregate(
    samples: Iterable[tuple[int, dict[int, float]]], step: int
) -> list[tuple[int, dict[int, Stat]]]:
    """Raw samples ``(ms, {series: value})`` folded into periods of ``step`` seconds."""
    sums: dict[int, dict[int, list[float]]] = {}
    for t, values in samples:
        period = sums.setdefault(t // (step * 1000) * step, {})
        for series_id, value in values.items():
            acc = period.get(series_id)
            if acc is None:
                period[series_id] = [value, value, value, 1.0]
            else:
                acc[0] += value
                acc[1] = min(acc[1], value)
                acc[2] = max(acc[2], value)
                acc[3] += 1
    return [
        (t, {s: (a[0] / a[3], a[1], a[2], int(a[3])) for s, a in period.items()})
        for t, period in sorted(sums.items())
    ]


def combine(
    periods: Iterable[tuple[int, dict[int, Stat]]], step: int
) -> list[tuple[int, dict[int, Stat]]]:
    """Finer rollups folded into periods of ``step`` seconds (means weighted by count)."""
    sums: dict[int, dict[int, list[float]]] = {}
    for t, stats in periods:
        period = sums.setdefault(t // step * step, {})
        for series_id, (mean, low, high, count) in stats.items():
            acc = period.get(series_id)
            if acc is None:
                period[series_id] = [mean * count, low, high, float(count)]
            else:
                acc[0] += mean * count
                acc[1] = min(acc[1], low)
                acc[2] = max(acc[2], high)
                acc[3] += count
    return [
        (t, {s: (a[0] / a[3], a[1], a[2], int(a[3])) for s, a in period.items() if a[3]})
        for t, period in sorted(sums.items())
    ]


def trim(conn: sqlite3.Connection, resolution: str, before: int) -> None:
    """Delete periods before ``before``, back to a keyframe so that what is left still reads."""
    table, step, _ = RESOLUTIONS[resolution]
    row = conn.execute(
        "SELECT max(t) FROM rollup_times WHERE step = ? AND keyframe = 1 AND t <= ?",
        (step, before),
    ).fetchone()
    if row[0] is None:
        return
    conn.execute(f"DELETE FROM {table} WHERE t < ?", (row[0],))
    conn.execute("DELETE FROM rollup_times WHERE step = ? AND t < ?", (step, row[0]))
