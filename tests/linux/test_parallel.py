"""processes() split between reader threads gives the same answer as one reader."""

from __future__ import annotations

import os
import threading

import pytest

from darwin_metrics.linux import parallel
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.process import ProcessReader
from darwin_metrics.records.process import Process
from tests.conftest import Tree

_REAL_IDLE_CPUS = parallel.idle_cpus


@pytest.fixture(autouse=True)
def _cpus_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split as on an idle machine, whatever else runs on this one now."""
    monkeypatch.setattr(parallel, "idle_cpus", lambda: 64)


def _read(roots: Roots, monkeypatch: pytest.MonkeyPatch, min_pids: int) -> tuple[Process, ...]:
    monkeypatch.setattr(parallel, "PARALLEL_MIN", min_pids)
    return ProcessReader(roots).processes()


def test_captured_tree_same_with_threads(pf_tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    single = _read(pf_tree.roots, monkeypatch, 10**9)
    split = _read(pf_tree.roots, monkeypatch, 1)
    assert [p.pid for p in split] == sorted(p.pid for p in split)
    assert split == single


@pytest.mark.live
def test_live_table_split_between_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pids stay sorted and unique, and the processes that live through both reads agree on
    what cannot change (ppid, start time; the name too, except kworkers, which rename themselves)."""
    single = {p.pid: p for p in _read(Roots(), monkeypatch, 10**9)}
    split = _read(Roots(), monkeypatch, 1)
    pids = [p.pid for p in split]
    assert pids == sorted(set(pids))
    for proc in split:
        before = single.get(proc.pid)
        if before is not None and before.create_time == proc.create_time:
            assert before.ppid == proc.ppid or proc.ppid == 1  # re-parented to init only
            assert before.name == proc.name or proc.name.startswith("kworker")


@pytest.mark.live
def test_socket_owners_same_with_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inode -> pids map of this process's own sockets is the same either way."""
    import socket

    from darwin_metrics.linux.connections import socket_owners

    with socket.socket() as a, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b:
        a.bind(("127.0.0.1", 0))
        a.listen()
        b.bind(("127.0.0.1", 0))
        mine = {os.fstat(s.fileno()).st_ino for s in (a, b)}
        monkeypatch.setattr(parallel, "PARALLEL_MIN", 10**9)
        single = socket_owners(Roots())
        monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
        split = socket_owners(Roots())
    for inode in mine:
        assert single[inode] == split[inode] == [os.getpid()]


def test_map_runs_keeps_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
    runs = parallel.map_runs(list(range(1000)), lambda run: list(run))
    assert [x for run in runs for x in run] == list(range(1000))


def test_no_helper_thread_while_the_cpus_are_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
    monkeypatch.setattr(parallel, "idle_cpus", lambda: 0)
    seen: list[int] = []

    def read(run: object) -> int:
        seen.append(threading.get_ident())
        return len(run)  # type: ignore[arg-type]

    assert parallel.map_runs(list(range(1000)), read) == [1000]
    assert seen == [threading.get_ident()]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one CPU: never split")
def test_split_while_cpus_are_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
    runs = parallel.map_runs(list(range(1000)), lambda run: list(run))
    assert len(runs) >= 2
    assert [x for run in runs for x in run] == list(range(1000))


def test_idle_cpus_from_loadavg() -> None:
    """Between none and every CPU; /proc/loadavg counts the caller as running."""
    assert 0 <= _REAL_IDLE_CPUS() <= (os.cpu_count() or 1)
    with open("/proc/loadavg", "rb") as f:
        running = int(f.read().split()[3].split(b"/")[0])
    assert running >= 1
