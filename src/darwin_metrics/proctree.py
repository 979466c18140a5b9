"""Build the process tree from a flat process list (pure, platform-independent)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from darwin_metrics.records.process import Process, ProcessNode


def build_tree(
    processes: Iterable[Process], known_parents: Mapping[int, int] | None = None
) -> tuple[ProcessNode, ...]:
    """Arrange ``processes`` as parent → children trees and return the roots, sorted by pid.

    A process whose parent is not in the list (it exited between reads, or is hidden) is attached to
    its nearest living ancestor, found by walking ``known_parents`` (pid → ppid remembered from
    earlier reads); with none found it becomes a root. A parent loop (possible only with pid reuse
    between reads) is broken by making its members roots; a process that names itself as its
    parent is a root. Built without recursion, so any depth works.
    """
    by_pid = {p.pid: p for p in processes}
    history = known_parents or {}
    parent_of: dict[int, int] = {}
    for pid, proc in by_pid.items():
        ancestor = _nearest_living(pid, proc.ppid, by_pid, history)
        if ancestor is not None:
            parent_of[pid] = ancestor
    _break_loops(parent_of)

    children: dict[int, list[int]] = {pid: [] for pid in by_pid}
    for pid, parent in parent_of.items():
        children[parent].append(pid)
    roots = sorted(pid for pid in by_pid if pid not in parent_of)
    return tuple(_build(root, by_pid, children) for root in roots)


def _build(
    root: int, by_pid: Mapping[int, Process], children: Mapping[int, list[int]]
) -> ProcessNode:
    """The node of ``root`` with its subtree, built without recursion (a chain of nested shells
    can be thousands deep): children are finished before their parent."""
    built: dict[int, ProcessNode] = {}
    stack: list[tuple[int, bool]] = [(root, False)]
    while stack:
        pid, expanded = stack.pop()
        kids = sorted(children[pid])
        if not expanded:
            stack.append((pid, True))
            stack.extend((kid, False) for kid in kids)
            continue
        built[pid] = ProcessNode(
            process=by_pid[pid], children=tuple(built.pop(kid) for kid in kids)
        )
    return built[root]


def _nearest_living(
    pid: int, ppid: int, by_pid: Mapping[int, Process], history: Mapping[int, int]
) -> int | None:
    seen = {pid}
    cur = ppid
    while cur > 0 and cur not in seen:
        if cur in by_pid:
            return cur
        seen.add(cur)
        nxt = history.get(cur)
        if nxt is None:
            return None
        cur = nxt
    return None


def _break_loops(parent_of: dict[int, int]) -> None:
    done: set[int] = set()
    for start in list(parent_of):
        path: list[int] = []
        on_path: set[int] = set()
        cur: int | None = start
        while cur is not None and cur not in done:
            if cur in on_path:
                for member in path[path.index(cur) :]:
                    parent_of.pop(member, None)
                break
            path.append(cur)
            on_path.add(cur)
            cur = parent_of.get(cur)
        done.update(path)
