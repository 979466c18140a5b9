"""Durability: SIGKILL mid-recording loses no committed batch; disk full and read-only locations
stop cleanly with a clear error."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from darwin_metrics.errors import StorageError
from darwin_metrics.history.query import query
from darwin_metrics.history.recorder import Recorder
from darwin_metrics.history.store import HistoryStore
from tests.history.samples import sample

T0 = 1_699_999_200.0


#: Families whose reads never touch a mount point: a process that ran ``statvfs`` on a wedged
#: network or FUSE mount cannot finish exiting while that mount hangs (its reader thread sleeps
#: uninterruptibly in the kernel), and these tests wait for the recorder to exit.
FAMILIES = "cpu,memory,disks,interfaces"


def _record_command(db: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "darwin_metrics", "record", "--db", str(db),
        "--families", FAMILIES, *extra,
    ]  # fmt: skip


def _check(db: Path) -> int:
    """Integrity check; the number of samples stored."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
    finally:
        conn.close()


def test_sigkill_keeps_every_committed_batch(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    committed_total = 0
    for _round in range(3):
        proc = subprocess.Popen(
            _record_command(db, "--interval", "0.05", "--batch", "0.2", "--verbose"),
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        reported = 0
        deadline = time.monotonic() + 60
        try:
            for line in proc.stderr:
                if line.startswith("committed batch"):
                    reported = int(line.split("(")[1].split()[0])
                    if line.startswith("committed batch 3 "):
                        break
                assert time.monotonic() < deadline, "the recorder did not commit 3 batches"
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        assert reported > 0
        committed_total += reported
        # Every sample reported committed is there; the file passes SQLite's integrity check.
        assert _check(db) >= committed_total
    store = HistoryStore(db, readonly=True)
    (series,) = query(store, "memory.total", 0, time.time() + 1).series
    assert len(series.values) >= committed_total
    store.close()


def _can_mount() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 192 KiB tmpfs (root on Linux), else skip: the simulated test below covers the rest."""
    if not _can_mount():
        pytest.skip("mounting a size-limited tmpfs needs root on Linux")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", str(mount)], check=False
    )
    if done.returncode:
        pytest.skip("mount -t tmpfs failed here (no CAP_SYS_ADMIN in this container)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_stops_cleanly(small_fs: Path) -> None:
    db = small_fs / "h.db"
    proc = subprocess.run(
        _record_command(db, "--interval", "0.01", "--batch", "0.05", "--count", "100000"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("darwin-metrics: cannot ")
    assert "the disk is full" in last
    assert "Traceback" not in proc.stderr
    # What was committed before the disk filled is intact and readable.
    assert _check(db) > 0


def test_disk_full_simulated(tmp_path: Path) -> None:
    """Where no small file system can be made: SQLite's own error, raised mid-batch."""

    class FullDisk:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def executemany(self, *args: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        def __getattr__(self, name: str) -> object:
            return getattr(self.conn, name)

    db = tmp_path / "h.db"
    recorder = Recorder(db, batch_seconds=1)
    recorder.record(sample(T0))
    recorder.record(sample(T0 + 1))  # first batch committed
    real = recorder.store.conn
    recorder.store.conn = FullDisk(real)  # type: ignore[assignment]
    recorder.record(sample(T0 + 2))
    with pytest.raises(StorageError, match="the disk is full"):
        recorder.record(sample(T0 + 3))
    recorder.store.conn = real
    # The failed batch was rolled back; the next sample is a keyframe, so reading stays exact.
    recorder.record(sample(T0 + 4, cpu=9.0))
    recorder.close()
    store = HistoryStore(db, readonly=True)
    series = query(store, "cpu.percent", T0, T0 + 10).series[0]
    assert series.times == (T0, T0 + 1, T0 + 4)
    assert series.values == (50.0, 50.0, 9.0)
    keyframes = store.conn.execute("SELECT t FROM samples WHERE keyframe = 1").fetchall()
    assert [t for (t,) in keyframes] == [T0 * 1000, (T0 + 4) * 1000]
    store.close()


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A read-only directory that holds an existing database: a read-only tmpfs as root, else a
    directory and file without write permission."""
    if _can_mount():
        mount = tmp_path / "ro"
        mount.mkdir()
        if (
            subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(mount)], check=False).returncode
            == 0
        ):
            try:
                with Recorder(mount / "old.db") as recorder:
                    recorder.record(sample(T0))
                subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
                yield mount
            finally:
                subprocess.run(["umount", "-l", str(mount)], check=False)
            return
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions and no read-only mount could be made")
    folder = tmp_path / "ro"
    folder.mkdir()
    with Recorder(folder / "old.db") as recorder:
        recorder.record(sample(T0))
    for name in os.listdir(folder):
        os.chmod(folder / name, 0o444)
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


def test_read_only_location(read_only_dir: Path) -> None:
    for name in ("new.db", "sub/new.db", "old.db"):
        proc = subprocess.run(
            _record_command(read_only_dir / name, "--count", "1"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 1, (name, proc.stderr)
        message = proc.stderr.strip().splitlines()[-1]
        assert message.startswith("darwin-metrics: cannot open history database"), message
        assert "read-only" in message or "cannot be opened" in message, message
        assert "Traceback" not in proc.stderr
    # The existing database still reads.
    store = HistoryStore(read_only_dir / "old.db", readonly=True)
    assert query(store, "cpu.percent", T0 - 1, T0 + 1).series[0].values == (50.0,)
    store.close()
