"""The history store: what is recorded reads back exactly, by metric path, raw and rolled up."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from darwin_metrics.errors import StorageError
from darwin_metrics.history import schema
from darwin_metrics.history.query import match, query, split_concrete
from darwin_metrics.history.recorder import Recorder
from darwin_metrics.history.store import HistoryStore
from darwin_metrics.metricpath import PathError, parse
from tests.history.samples import sample

T0 = 1_699_999_200.0  # a whole hour (multiple of 3600)


def record(path: Path, samples: list, **kwargs: float) -> None:
    with Recorder(path, **kwargs) as recorder:
        for one in samples:
            recorder.record(one)


def test_values_read_back_exactly(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    cpus = [10.0, 20.0, 20.0, 35.5, 35.5, 99.0]
    record(db, [sample(T0 + i, cpu=c) for i, c in enumerate(cpus)])
    with_store = HistoryStore(db, readonly=True)
    result = query(with_store, "cpu.percent", T0 - 1, T0 + 100)
    assert result.resolution == "raw"
    (series,) = result.series
    assert series.path == "cpu.percent"
    assert series.unit == "%"
    assert series.times == tuple(T0 + i for i in range(6))
    assert series.values == tuple(cpus)
    with_store.close()


def test_unchanged_values_are_stored_once_between_keyframes(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    record(db, [sample(T0 + i, cpu=float(i)) for i in range(30)], keyframe_seconds=10)
    conn = sqlite3.connect(db)
    (total_id,) = conn.execute("SELECT id FROM series WHERE path = 'volumes[/].total'").fetchone()
    stored = conn.execute("SELECT count(*) FROM points WHERE series_id = ?", (total_id,)).fetchone()
    keyframes = conn.execute("SELECT count(*) FROM samples WHERE keyframe = 1").fetchone()
    # The constant volume size is written at each keyframe only (t = 0, 10, 20 s).
    assert keyframes[0] == 3
    assert stored[0] == 3
    (cpu_id,) = conn.execute("SELECT id FROM series WHERE path = 'cpu.percent'").fetchone()
    assert (
        conn.execute("SELECT count(*) FROM points WHERE series_id = ?", (cpu_id,)).fetchone()[0]
        == 30
    )
    conn.close()
    store = HistoryStore(db, readonly=True)
    (series,) = query(store, "volumes[/].total", T0, T0 + 30).series
    assert len(series.values) == 30
    assert set(series.values) == {float(100 << 30)}
    store.close()


def test_vanished_series_stop_and_return(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    rx = [{"eth0": 1.0, "wlan0": 5.0}, {"eth0": 2.0}, {"eth0": 3.0}, {"eth0": 4.0, "wlan0": 7.0}]
    record(db, [sample(T0 + i, rx=r) for i, r in enumerate(rx)])
    store = HistoryStore(db, readonly=True)
    by_path = {
        s.path: s for s in query(store, "interfaces[*].rx_bytes_per_second", T0, T0 + 9).series
    }
    assert by_path["interfaces[wlan0].rx_bytes_per_second"].times == (T0, T0 + 3)
    assert by_path["interfaces[wlan0].rx_bytes_per_second"].values == (5.0, 7.0)
    assert by_path["interfaces[eth0].rx_bytes_per_second"].values == (1.0, 2.0, 3.0, 4.0)
    store.close()


def test_selectors_main_collections_main_values_and_reducers(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    record(
        db,
        [
            sample(
                T0 + i,
                cores=(10.0 + i, 30.0 + i),
                rx={"eth0": 100.0 * i, "lo": 1.0},
                volumes={"/": 20.0, "/home": 50.0 + i},
                sensors={"t1": ("cpu", 40.0 + i), "t2": ("cpu", 60.0)},
            )
            for i in range(3)
        ],
    )
    store = HistoryStore(db, readonly=True)

    def values(metric: str) -> dict[str, tuple[float, ...]]:
        return {s.path: s.values for s in query(store, metric, T0, T0 + 10).series}

    assert values("cpu[1].percent") == {"cpu.cores[1].percent": (30.0, 31.0, 32.0)}
    assert values("cpu.cores[*]") == {
        "cpu.cores[0].percent": (10.0, 11.0, 12.0),
        "cpu.cores[1].percent": (30.0, 31.0, 32.0),
    }
    assert values("volumes[/home]") == {"volumes[/home].used_percent": (50.0, 51.0, 52.0)}
    assert values("volumes[mount_point=/]") == {"volumes[/].used_percent": (20.0, 20.0, 20.0)}
    assert values("interfaces[*].rx_bytes_per_second.sum") == {
        "interfaces[*].rx_bytes_per_second.sum": (1.0, 101.0, 201.0)
    }
    assert values("temperatures[*].max") == {"temperatures[*].max": (60.0, 60.0, 60.0)}
    assert query(store, "temperatures[*].max", T0, T0 + 10).series[0].unit == "°C"
    assert values("temperatures[chip/t1]") == {
        "temperatures.sensors[chip/t1].celsius": (40.0, 41.0, 42.0)
    }
    assert values("cpu.cores[*].percent.count") == {"cpu.cores[*].percent.count": (2.0, 2.0, 2.0)}
    assert values("interfaces[wlan9].rx_bytes_per_second") == {}
    with pytest.raises(PathError, match="identity"):
        query(store, "temperatures[kind=cpu]", T0, T0 + 10)
    with pytest.raises(PathError):
        query(store, "cpu.nonsense", T0, T0 + 10)
    store.close()


def test_split_concrete_keeps_dots_and_brackets_inside_identities() -> None:
    assert split_concrete("volumes[/mnt/a.b].used_percent") == [
        ("volumes", "/mnt/a.b"),
        ("used_percent", None),
    ]
    assert split_concrete("interfaces[eth0.100].counters.rx_bytes") == [
        ("interfaces", "eth0.100"),
        ("counters", None),
        ("rx_bytes", None),
    ]
    assert split_concrete("disks[a[b].busy_percent") == [("disks", "a[b"), ("busy_percent", None)]
    stored = ["interfaces[eth0.100].rx_bytes_per_second", "interfaces[lo].rx_bytes_per_second"]
    assert match(parse("interfaces[eth0.100].rx_bytes_per_second"), stored) == stored[:1]


def test_rollups_to_minute_and_hour(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    # Two hours and one minute at one sample per 10 s; cpu = the minute number (0..120).
    samples = [sample(T0 + s, cpu=float(s // 60)) for s in range(0, 2 * 3600 + 70, 10)]
    record(db, samples, batch_seconds=600)
    store = HistoryStore(db, readonly=True)
    minutes = query(store, "cpu.percent", T0, T0 + 7200, "minute").series[0]
    assert minutes.times[:3] == (T0, T0 + 60, T0 + 120)
    assert len(minutes.times) == 121  # every complete minute (the last one is still open)
    assert minutes.values[:3] == (0.0, 1.0, 2.0)
    assert minutes.mins[5] == minutes.maxs[5] == 5.0
    hours = query(store, "cpu.percent", T0, T0 + 7200, "hour").series[0]
    assert hours.times == (T0, T0 + 3600)
    assert hours.values == pytest.approx((29.5, 89.5))  # means of minutes 0..59, 60..119
    assert hours.mins == (0.0, 60.0)
    assert hours.maxs == (59.0, 119.0)
    store.close()


def test_retention_keeps_what_still_reads(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    day = 86400.0
    # Samples every 5 minutes for 3 days, retention 2 days: raw is capped to the retention.
    samples = [sample(T0 + s, cpu=1.0) for s in range(0, int(3 * day), 300)]
    record(db, samples, retention=2 * day, batch_seconds=3600, keyframe_seconds=3600)
    store = HistoryStore(db, readonly=True)
    first, last = store.raw_span() or (0, 0)
    assert last == (T0 + 3 * day - 300) * 1000
    assert (last - first) / 1000 <= day + 3600  # raw kept a day, back to a keyframe
    oldest_hour = store.rollup_start("hour")
    cut = last / 1000 - 2 * day
    # Hour rollups are cut back to their keyframe (one each sixth hour) before the retention.
    assert oldest_hour is not None and cut - 6 * 3600 <= oldest_hour <= cut
    # What is left still reads from its first sample on (it starts at a keyframe).
    series = query(store, "volumes[/].total", first / 1000, last / 1000, "raw").series[0]
    assert series.times[0] == first / 1000
    store.close()


def test_auto_resolution_picks_rollups_for_old_ranges(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    samples = [sample(T0 + s, cpu=5.0) for s in range(0, 2 * 86400, 600)]
    record(db, samples, batch_seconds=86400, keyframe_seconds=3600)
    store = HistoryStore(db, readonly=True)
    assert query(store, "cpu.percent", T0 + 86400 * 1.5, T0 + 2 * 86400).resolution == "raw"
    assert query(store, "cpu.percent", T0, T0 + 2 * 86400).resolution == "minute"
    store.close()


def test_newer_schema_and_foreign_files_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    record(db, [sample(T0)])
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        HistoryStore(db)
    with pytest.raises(StorageError, match="newer"):
        HistoryStore(db, readonly=True)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="not a darwin-metrics"):
        HistoryStore(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not a usable SQLite"):
        HistoryStore(junk)
    with pytest.raises(StorageError, match="no history database"):
        HistoryStore(tmp_path / "missing.db", readonly=True)


def test_migration_from_an_empty_file(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    store = HistoryStore(db)
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "series", "samples", "points", "rollup_minute", "rollup_hour"} <= tables
    store.close()


def test_samples_out_of_order_are_skipped(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    record(db, [sample(T0 + 1, cpu=1.0), sample(T0 + 1, cpu=2.0), sample(T0, cpu=3.0)])
    store = HistoryStore(db, readonly=True)
    assert query(store, "cpu.percent", T0 - 5, T0 + 5).series[0].values == (1.0,)
    store.close()


def test_one_recorder_at_a_time(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with Recorder(db) as first:
        first.record(sample(T0))
        with pytest.raises(StorageError, match=f"being recorded by pid {os.getpid()}"):
            Recorder(db)
        # Readers are welcome while it records.
        HistoryStore(db, readonly=True).close()
    with Recorder(db) as second:  # the lock went with the first
        second.record(sample(T0 + 1))
    store = HistoryStore(db, readonly=True)
    assert query(store, "cpu.percent", T0, T0 + 1).series[0].times == (T0, T0 + 1)
    store.close()


def test_auto_resolution_reads_raw_when_recording_began_after_since(tmp_path: Path) -> None:
    """Ten minutes across an hour boundary: the hour rollup starts earlier (its period's first
    second) but holds nothing from before the raw samples, so raw is read."""
    db = tmp_path / "h.db"
    start = T0 + 3600 - 300
    record(db, [sample(start + 5 * i) for i in range(120)])
    store = HistoryStore(db, readonly=True)
    assert store.rollup_start("hour") == T0
    assert query(store, "cpu.percent", start - 900, start + 600).resolution == "raw"
    store.close()
