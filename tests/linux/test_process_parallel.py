"""processes() split between reader threads gives the same answer as one reader."""

from __future__ import annotations

import pytest

from darwin_metrics.linux import process as process_mod
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.process import ProcessReader
from darwin_metrics.records.process import Process
from tests.conftest import Tree


def _read(roots: Roots, monkeypatch: pytest.MonkeyPatch, min_pids: int) -> tuple[Process, ...]:
    monkeypatch.setattr(process_mod, "PARALLEL_MIN_PIDS", min_pids)
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
