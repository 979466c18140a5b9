"""processes() reuses a record only when every file it read is byte for byte the same as last time.

Hand-made trees (the same shape as in test_process.py) are changed between two enumerations; each
change must show in the second one. The live test checks that reused records equal fresh ones.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from darwin_metrics.linux import process as process_module
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.process import PF_KTHREAD, ProcessReader
from darwin_metrics.records.process import Process


def _stat_line(pid: int, comm: str = "proc", utime: int = 50, flags: int = 4194304) -> str:
    return (
        f"{pid} ({comm}) S 1 {pid} {pid} 0 -1 {flags} 10 0 0 0 {utime} 25 0 0 20 0 1 0 "
        f"100 4096000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
    )


def _status(pid: int, uid: int = 0, swap_kb: int = 8) -> str:
    return (
        f"Name:\tproc\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\n"
        f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{uid}\t{uid}\t{uid}\t{uid}\n"
        "VmSize:\t    4000 kB\nRssFile:\t     200 kB\nRssShmem:\t      56 kB\n"
        f"VmSwap:\t{swap_kb:8d} kB\nThreads:\t1\n"
        "voluntary_ctxt_switches:\t3\nnonvoluntary_ctxt_switches:\t4\n"
    )


_IO = "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\ncancelled_write_bytes: 0\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "stat").write_text("cpu 1 2 3 4\nbtime 1000000000\n")
    (proc / "self").symlink_to("1")
    for pid in (1, 2):
        base = proc / str(pid)
        (base / "fd").mkdir(parents=True)
        (base / "stat").write_text(_stat_line(pid))
        (base / "status").write_text(_status(pid))
        (base / "io").write_text(_IO)
        (base / "cmdline").write_bytes(f"proc-{pid}\0--flag\0".encode())
    return proc


def _by_pid(reader: ProcessReader) -> dict[int, Process]:
    return {p.pid: p for p in reader.processes()}


def test_unchanged_files_give_the_same_records(tree: Path) -> None:
    reader = ProcessReader(Roots(procfs=str(tree)))
    first = _by_pid(reader)
    second = _by_pid(reader)
    assert first == second
    assert all(second[pid] is first[pid] for pid in first)
    assert first == _by_pid(ProcessReader(Roots(procfs=str(tree))))


def test_rewritten_cmdline_shows_at_once(tree: Path) -> None:
    reader = ProcessReader(Roots(procfs=str(tree)))
    assert reader.processes()[0].cmdline == ("proc-1", "--flag")
    (tree / "1" / "cmdline").write_bytes(b"postgres: checkpointer   \0\0\0")
    procs = _by_pid(reader)
    assert procs[1].cmdline == ("postgres: checkpointer   ",)
    assert procs[2].cmdline == ("proc-2", "--flag")


@pytest.mark.parametrize(
    ("name", "content", "field", "expected"),
    [
        ("stat", _stat_line(1, utime=150), lambda p: p.cpu_times.user, 1.5),
        ("stat", _stat_line(1, comm="renamed"), lambda p: p.name, "renamed"),
        ("status", _status(1, swap_kb=16), lambda p: p.memory.swap, 16 * 1024),
        ("status", _status(1, uid=4242), lambda p: p.uid, 4242),
        ("io", _IO.replace("rchar: 1", "rchar: 99"), lambda p: p.io.read_chars, 99),
    ],
)
def test_each_changed_file_shows(
    tree: Path, name: str, content: str, field: Callable[[Process], object], expected: object
) -> None:
    reader = ProcessReader(Roots(procfs=str(tree)))
    before = _by_pid(reader)[1]
    (tree / "1" / name).write_text(content)
    after = _by_pid(reader)[1]
    assert field(after) == expected
    assert field(before) != expected
    assert after == ProcessReader(Roots(procfs=str(tree))).processes()[0]


def test_open_file_count_change_shows(tree: Path) -> None:
    reader = ProcessReader(Roots(procfs=str(tree)))
    assert _by_pid(reader)[1].num_fds == 0
    (tree / "1" / "fd" / "0").symlink_to("/dev/null")
    assert _by_pid(reader)[1].num_fds == 1


def test_io_becoming_unreadable_shows(tree: Path) -> None:
    reader = ProcessReader(Roots(procfs=str(tree)))
    assert _by_pid(reader)[1].io is not None
    (tree / "1" / "io").unlink()
    assert _by_pid(reader)[1].io is None


def test_renamed_user_shows_once_the_name_cache_expires(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = ProcessReader(Roots(procfs=str(tree)))
    reader._users.lookup = True  # as for this machine's own /proc
    assert _by_pid(reader)[1].username == "root"
    real = pwd.getpwuid

    def renamed(uid: int) -> pwd.struct_passwd:
        entry = real(uid)
        return pwd.struct_passwd(("superuser", *entry[1:]))

    monkeypatch.setattr(process_module.pwd, "getpwuid", renamed)
    assert _by_pid(reader)[1].username == "root"  # still within the cache's TTL
    monkeypatch.setattr(process_module, "USER_CACHE_TTL", -1.0)
    assert _by_pid(reader)[1].username == "superuser"


def test_kernel_thread_cmdline_not_read_while_stat_is_unchanged(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / "2" / "stat").write_text(_stat_line(2, comm="kworker/0:1", flags=PF_KTHREAD | 0x40))
    (tree / "2" / "cmdline").write_bytes(b"")
    reader = ProcessReader(Roots(procfs=str(tree)))
    real = os.open
    paths: list[str] = []

    def counting(path: str, *args: int, **kwargs: int) -> int:
        paths.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(process_module.os, "open", counting)
    assert _by_pid(reader)[2].cmdline == ()
    assert f"{tree}/2/cmdline" in paths
    paths.clear()
    assert _by_pid(reader)[2].cmdline == ()
    assert f"{tree}/2/cmdline" not in paths and f"{tree}/1/cmdline" in paths
    (tree / "2" / "stat").write_text(
        _stat_line(2, comm="kworker/0:1", utime=99, flags=PF_KTHREAD | 0x40)
    )
    paths.clear()
    assert _by_pid(reader)[2].cpu_times.user == 0.99
    assert f"{tree}/2/cmdline" in paths


def test_vanished_processes_are_forgotten(tree: Path) -> None:
    reader = ProcessReader(Roots(procfs=str(tree)))
    reader.processes()
    assert set(reader._memos[None]) == {1, 2}
    for leaf in ("stat", "status", "io", "cmdline"):
        (tree / "2" / leaf).unlink()
    (tree / "2" / "fd").rmdir()
    (tree / "2").rmdir()
    assert [p.pid for p in reader.processes()] == [1]
    assert set(reader._memos[None]) == {1}


@pytest.mark.live
def test_live_reused_records_equal_fresh_ones() -> None:
    child = subprocess.Popen(["sleep", "60"], stdin=subprocess.DEVNULL)
    try:
        # Wait until the child has settled (exec done, asleep): two fresh reads agree.
        previous = None
        for _ in range(100):
            current = ProcessReader(Roots()).process(child.pid)
            if current == previous and current.name == "sleep":
                break
            previous = current
            time.sleep(0.02)
        reader = ProcessReader(Roots())
        first = next(p for p in reader.processes() if p.pid == child.pid)
        second = next(p for p in reader.processes() if p.pid == child.pid)
        fresh = ProcessReader(Roots()).process(child.pid)
        assert second is first  # an idle process: every file the same, the record reused
        assert second == fresh
        assert second.cmdline == ("sleep", "60")
        assert second.pid == child.pid and second.ppid == os.getpid()
    finally:
        child.kill()
        child.wait()
