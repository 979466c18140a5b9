"""The pure process-tree builder."""

from __future__ import annotations

from darwin_metrics.proctree import build_tree
from darwin_metrics.records.process import Process, ProcessCPUTimes, ProcessMemory, ProcessNode


def _proc(pid: int, ppid: int) -> Process:
    return Process(
        pid=pid,
        ppid=ppid,
        name=f"p{pid}",
        status="sleeping",
        cpu_times=ProcessCPUTimes(user=0.0, system=0.0),
        memory=ProcessMemory(rss=0, vms=0),
        num_threads=1,
    )


def _shape(nodes: tuple[ProcessNode, ...]) -> list[tuple[int, list[object]]]:
    return [(n.process.pid, _shape(n.children)) for n in nodes]


def test_parents_and_children_sorted() -> None:
    procs = [_proc(1, 0), _proc(30, 1), _proc(20, 1), _proc(31, 30), _proc(2, 0), _proc(5, 2)]
    assert _shape(build_tree(procs)) == [(1, [(20, []), (30, [(31, [])])]), (2, [(5, [])])]


def test_orphan_attaches_to_nearest_living_ancestor() -> None:
    # 40's parent 35 exited; we remember 35's parent was 30, which is alive.
    procs = [_proc(1, 0), _proc(30, 1), _proc(40, 35)]
    tree = build_tree(procs, known_parents={35: 30, 30: 1})
    assert _shape(tree) == [(1, [(30, [(40, [])])])]


def test_orphan_without_history_becomes_root() -> None:
    assert _shape(build_tree([_proc(1, 0), _proc(40, 35)])) == [(1, []), (40, [])]


def test_loop_is_broken_and_every_process_appears_once() -> None:
    procs = [_proc(1, 0), _proc(7, 8), _proc(8, 7), _proc(9, 8)]
    tree = build_tree(procs)
    seen: list[int] = []

    def walk(nodes: tuple[ProcessNode, ...]) -> None:
        for n in nodes:
            seen.append(n.process.pid)
            walk(n.children)

    walk(tree)
    assert sorted(seen) == [1, 7, 8, 9]


def test_self_parent_is_root() -> None:
    assert _shape(build_tree([_proc(1, 1)])) == [(1, [])]
