"""Rollups: change-only storage, exact read-back (fuzzed), hours from minutes, schema migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.history import rollups, schema
from darwin_metrics.history.query import query
from darwin_metrics.history.recorder import Recorder
from darwin_metrics.history.store import HistoryStore
from tests.history.samples import sample

T0 = 1_699_999_200  # a whole hour


def _memory_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    schema.migrate(conn, ":memory:")
    return conn


stats = st.tuples(st.sampled_from([1.0, 2.5]), st.just(0.0), st.just(9.0), st.integers(1, 3))
periods = st.lists(st.dictionaries(st.integers(1, 4), stats), min_size=1, max_size=30)


@given(periods=periods, gap_at=st.integers(0, 40), split=st.integers(0, 30))
def test_rollups_read_back_exactly(
    periods: list[dict[int, rollups.Stat]], gap_at: int, split: int
) -> None:
    conn = _memory_db()
    timed = [(T0 + 60 * (i + (5 if i >= gap_at else 0)), p) for i, p in enumerate(periods)]
    # Written in two calls, as the store does in chunks, the state carried between them.
    last = rollups.write(conn, "minute", timed[:split], None)
    rollups.write(conn, "minute", timed[split:], last)
    got = [(t, dict(s)) for t, s in rollups.expand(conn, "minute", T0, T0 + 3600)]
    assert got == timed
    middle = timed[len(timed) // 2][0]
    assert [(t, dict(s)) for t, s in rollups.expand(conn, "minute", middle, T0 + 3600)] == [
        p for p in timed if p[0] >= middle
    ]
    conn.close()


def test_constant_series_cost_one_minute_row_an_hour(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with Recorder(db, batch_seconds=600) as recorder:
        for s in range(0, 3 * 3600 + 120, 10):
            recorder.record(sample(T0 + s, cpu=float(s // 60 % 7)))
    conn = sqlite3.connect(db)
    ids = dict(conn.execute("SELECT path, id FROM series"))
    per_series = dict(
        conn.execute("SELECT series_id, count(*) FROM rollup_minute GROUP BY series_id").fetchall()
    )
    assert per_series[ids["volumes[/].total"]] == 4  # one keyframe row per hour (3 h + 1 min)
    assert per_series[ids["cpu.percent"]] == 3 * 60 + 1  # changes every minute
    conn.close()
    store = HistoryStore(db, readonly=True)
    minutes = query(store, "volumes[/].total", T0, T0 + 4 * 3600, "minute").series[0]
    assert len(minutes.times) == 3 * 60 + 1
    hours = query(store, "cpu.percent", T0, T0 + 4 * 3600, "hour").series[0]
    assert hours.times == (T0, T0 + 3600, T0 + 7200)
    # Minutes cycle 0..6: each hour's mean is the mean of its 60 minute values.
    for index, mean in enumerate(hours.values):
        expected = sum((index * 60 + m) % 7 for m in range(60)) / 60
        assert abs(mean - expected) < 1e-9
    assert hours.mins == (0.0, 0.0, 0.0) and hours.maxs == (6.0, 6.0, 6.0)
    store.close()


def test_migration_from_version_1(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in schema.MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO series (id, path) VALUES (1, 'cpu.percent')")
    conn.executemany(
        "INSERT INTO rollup_minute VALUES (?, 1, ?, ?, ?, 60)",
        [(T0 + 60 * i, float(i), float(i), float(i)) for i in range(5)],
    )
    conn.close()
    store = HistoryStore(db)
    assert schema.version(store.conn) == schema.SCHEMA_VERSION == 2
    result = query(store, "cpu.percent", T0, T0 + 600, "minute")
    assert result.series[0].values == (0.0, 1.0, 2.0, 3.0, 4.0)
    store.close()


def test_reading_an_older_database_migrates_it(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in schema.MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    store = HistoryStore(db, readonly=True)
    assert schema.version(store.conn) == schema.SCHEMA_VERSION
    assert query(store, "cpu.percent", T0, T0 + 60).series == ()
    store.close()
