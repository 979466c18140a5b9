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


class Line(NamedTuple):
    """One line of the table: a row, and the tree guide drawn before its name (tree view)."""

    row: Row
    guide: str = ""


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
) -> list[Line]:
    """The lines to show: the rows matching ``filter_text``, sorted, as a flat list or a tree."""
    terms = filter_text.split()
    kept = [r for r in rows if matches(r, terms)] if terms else list(rows)
    if not tree:
        return [Line(r) for r in sort_rows(kept, sort)]
    by_pid = {r.process.pid: r for r in kept}
    nodes = build_tree((r.process for r in kept), known_parents)
    lines: list[Line] = []
    _flatten(nodes, by_pid, sort, None, lines)
    return lines


def _flatten(
    nodes: Sequence[ProcessNode],
    rows: Mapping[int, Row],
    sort: SortKey,
    indent: str | None,
    out: list[Line],
) -> None:
    """Depth first; ``indent`` is ``None`` for the roots (drawn without a guide)."""
    ordered = sorted_nodes(nodes, rows, sort)
    for i, node in enumerate(ordered):
        last = i == len(ordered) - 1
        if indent is None:
            out.append(Line(rows[node.process.pid]))
            _flatten(node.children, rows, sort, "", out)
        else:
            out.append(Line(rows[node.process.pid], indent + ("└─ " if last else "├─ ")))
            _flatten(node.children, rows, sort, indent + ("   " if last else "│  "), out)
