"""The history database's tables, its schema version and the migrations between versions.

The version is SQLite's ``PRAGMA user_version``; :data:`MIGRATIONS` holds the statements that take
a database from version ``n - 1`` to ``n``. Opening a database runs the missing migrations in one
transaction; a database from a newer darwin-metrics (a higher version) is refused rather than
misread.

Times: ``samples.t`` and ``points.t`` are milliseconds since the Unix epoch; rollup ``t`` is the
first second (Unix epoch) of the minute or hour.
"""

from __future__ import annotations

import sqlite3

from darwin_metrics.errors import StorageError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate"]

#: Statements per version: MIGRATIONS[0] takes an empty file to version 1, MIGRATIONS[1] version 1
#: to version 2, and so on.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        # Settings and watermarks (retention, how far rollups got).
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # One row per concrete metric path; points refer to it by id.
        "CREATE TABLE series (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE)",
        # One row per recorded sample; a keyframe sample stores every value, the others only the
        # values that changed (NULL: the series vanished).
        "CREATE TABLE samples (t INTEGER PRIMARY KEY, keyframe INTEGER NOT NULL)",
        "CREATE TABLE points (t INTEGER NOT NULL, series_id INTEGER NOT NULL, value REAL,"
        " PRIMARY KEY (t, series_id)) WITHOUT ROWID",
        "CREATE TABLE rollup_minute (t INTEGER NOT NULL, series_id INTEGER NOT NULL,"
        " mean REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, count INTEGER NOT NULL,"
        " PRIMARY KEY (t, series_id)) WITHOUT ROWID",
        "CREATE TABLE rollup_hour (t INTEGER NOT NULL, series_id INTEGER NOT NULL,"
        " mean REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, count INTEGER NOT NULL,"
        " PRIMARY KEY (t, series_id)) WITHOUT ROWID",
    ),
    (
        # Version 2: rollups are change-only too. Each rolled minute/hour is a row here (step 60
        # or 3600); a keyframe holds every series, the others only the rows that changed, and a
        # row with count 0 marks a series that vanished. Version 1 rollups hold every row, so
        # each of their times is a keyframe.
        "CREATE TABLE rollup_times (step INTEGER NOT NULL, t INTEGER NOT NULL,"
        " keyframe INTEGER NOT NULL, PRIMARY KEY (step, t)) WITHOUT ROWID",
        "INSERT INTO rollup_times SELECT DISTINCT 60, t, 1 FROM rollup_minute",
        "INSERT INTO rollup_times SELECT DISTINCT 3600, t, 1 FROM rollup_hour",
    ),
)

#: The version this darwin-metrics writes.
SCHEMA_VERSION = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    """The schema version of the open database."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the database to :data:`SCHEMA_VERSION`; refuse one newer than that.

    ``conn`` is in autocommit mode (``isolation_level=None``); the migration is one transaction.
    """
    current = version(conn)
    if current > SCHEMA_VERSION:
        raise StorageError(
            f"{path}: history schema version {current} is newer than this darwin-metrics "
            f"understands ({SCHEMA_VERSION}); upgrade darwin-metrics",
            path=path,
        )
    if current == SCHEMA_VERSION:
        return
    if current == 0:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
        if tables[0]:
            raise StorageError(f"{path}: not a darwin-metrics history database", path=path)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for step in MIGRATIONS[current:]:
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
