"""Which processes the dashboard's table shows, in what order: filter, sort, tree (plain Python).

The columns and how they fit are in :mod:`darwin_metrics.cli.proccolumns`. A filter is a list of
terms that must all match: ``user:NAME`` (or ``u:NAME``) matches the user name or uid, ``pid:N``
one pid, and any other word a case-insensitive part of the process name or command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from darwin_metrics.cli.proctable import Row, SortKey, sort_rows, sorted_nodes
from darwin_metrics.proctree import build_tree
from darwin_metrics.records.process import ProcessNode


class Arranged(NamedTuple):
    """The rows to show, in order, and in the tree view the guide drawn before each one's name
    (``None`` in the flat view)."""

    rows: list[Row]
    guides: list[str] | None = None


def matches(row: Row, terms: Sequence[str]) -> bool:
    """Whether ``row`` matches every filter term (see the module docstring)."""
    proc = row.process
    for term in terms:
        key, _, value = term.partition(":")
        key = key.lower()
        if value and key in ("user", "u"):
            names = {(proc.username or "").lower(), "" if proc.uid is None else str(proc.uid)}
            if value.lower() not in names:
                return False
        elif value and key == "pid":
            if value != str(proc.pid):
                return False
        else:
            needle = term.lower()
            haystack = proc.name.lower()
            if needle not in haystack and needle not in " ".join(proc.cmdline or ()).lower():
                return False
    return True


def arrange(
    rows: Iterable[Row],
    sort: SortKey,
    *,
    tree: bool = False,
    filter_text: str = "",
    known_parents: Mapping[int, int] | None = None,
) -> Arranged:
    """The rows to show: those matching ``filter_text``, sorted, as a flat list or a tree."""
    terms = filter_text.split()
    kept = [r for r in rows if matches(r, terms)] if terms else list(rows)
    if not tree:
        return Arranged(sort_rows(kept, sort))
    by_pid = {r.process.pid: r for r in kept}
    nodes = build_tree((r.process for r in kept), known_parents)
    out = Arranged([], [])
    _flatten(nodes, by_pid, sort, out)
    return out


def _flatten(
    nodes: Sequence[ProcessNode], rows: Mapping[int, Row], sort: SortKey, out: Arranged
) -> None:
    """Depth first, siblings in sort order; the roots are drawn without a guide. Without
    recursion: a chain of nested shells can be thousands deep."""
    assert out.guides is not None
    # (node, the guide drawn before its name, the indent of its children's guides)
    stack = [(node, "", "") for node in reversed(sorted_nodes(nodes, rows, sort))]
    while stack:
        node, guide, indent = stack.pop()
        out.rows.append(rows[node.process.pid])
        out.guides.append(guide)
        children = sorted_nodes(node.children, rows, sort)
        for i in range(len(children) - 1, -1, -1):
            last = i == len(children) - 1
            branch, below = ("└─ ", "   ") if last else ("├─ ", "│  ")
            stack.append((children[i], indent + branch, indent + below))
