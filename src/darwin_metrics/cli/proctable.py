"""Process listings for the CLI: pairing processes with their rates, sorting, JSON shape, tables.

The sorting and JSON parts are plain Python; only :func:`table` and :func:`tree` import rich.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from darwin_metrics.cli import fmt
from darwin_metrics.rates import ProcessKey, process_key
from darwin_metrics.records.base import to_dict
from darwin_metrics.records.process import Process, ProcessNode
from darwin_metrics.records.rates import ProcessRates

if TYPE_CHECKING:
    from rich.table import Table
    from rich.tree import Tree

SortKey = Literal["cpu", "memory", "io"]
SORT_KEYS: tuple[SortKey, ...] = ("cpu", "memory", "io")


class Row(msgspec.Struct, frozen=True):
    """A process and its rates over the sampling interval (``None`` without one)."""

    process: Process
    rates: ProcessRates | None


def pair(
    processes: Iterable[Process], rates: Mapping[ProcessKey, ProcessRates] | None
) -> list[Row]:
    """One :class:`Row` per process, with its rates looked up by ``(pid, create_time)``."""
    found = rates or {}
    return [Row(process=p, rates=found.get(process_key(p))) for p in processes]


def _io_bytes(process: Process) -> int:
    return 0 if process.io is None else process.io.read_bytes + process.io.write_bytes


def _io_rate(rates: ProcessRates | None) -> float:
    if rates is None:
        return -1.0
    parts = (rates.read_bytes_per_second, rates.write_bytes_per_second)
    return -1.0 if all(p is None for p in parts) else sum(p or 0.0 for p in parts)


def _cpu_rate(rates: ProcessRates | None) -> float:
    return -1.0 if rates is None or rates.cpu_percent is None else rates.cpu_percent


def _rss(proc: Process) -> int | None:
    return None if proc.memory is None else proc.memory.rss


def _cpu_seconds(proc: Process) -> float | None:
    times = proc.cpu_times
    return None if times is None else times.user + times.system


def sort_value(row: Row, sort: SortKey) -> tuple[float, float]:
    """The key a row is sorted on, largest first.

    ``cpu``: CPU percent over the interval, then cumulative CPU seconds; ``memory``: resident
    bytes; ``io``: storage bytes per second, then cumulative storage bytes. Rows without rates
    sort after rows with them.
    """
    proc = row.process
    if sort == "memory":
        memory = proc.memory
        return (-1.0, -1.0) if memory is None else (float(memory.rss), float(memory.vms))
    if sort == "io":
        return (_io_rate(row.rates), float(_io_bytes(proc)))
    seconds = _cpu_seconds(proc)
    return (_cpu_rate(row.rates), -1.0 if seconds is None else seconds)


def sort_rows(rows: Iterable[Row], sort: SortKey) -> list[Row]:
    """Rows largest first by :func:`sort_value`, ties by pid."""
    return sorted(rows, key=lambda r: (tuple(-v for v in sort_value(r, sort)), r.process.pid))


def entry(row: Row) -> dict[str, Any]:
    """A row as JSON: the process's fields plus ``rates`` (ProcessRates fields, or null)."""
    data: dict[str, Any] = to_dict(row.process)
    data["rates"] = to_dict(row.rates)
    return data


def tree_entries(
    nodes: Sequence[ProcessNode], rows: Mapping[int, Row], sort: SortKey
) -> list[dict[str, Any]]:
    """The process tree as JSON: each node is :func:`entry` plus ``children``, siblings sorted."""
    result = []
    for node in _sorted_nodes(nodes, rows, sort):
        data = entry(rows[node.process.pid])
        data["children"] = tree_entries(node.children, rows, sort)
        result.append(data)
    return result


def _sorted_nodes(
    nodes: Sequence[ProcessNode], rows: Mapping[int, Row], sort: SortKey
) -> list[ProcessNode]:
    order = {id(r): i for i, r in enumerate(sort_rows((rows[n.process.pid] for n in nodes), sort))}
    return sorted(nodes, key=lambda n: order[id(rows[n.process.pid])])


def _cpu_cell(row: Row) -> str:
    if row.rates is not None:
        return fmt.percent(row.rates.cpu_percent)
    return fmt.MISSING


def table(rows: Sequence[Row], *, io: bool = True) -> Table:
    """A table of processes in the given order; ``io=False`` leaves out the I/O rate columns."""
    from rich.table import Table
    from rich.text import Text

    out = Table(box=None, pad_edge=False, header_style="bold", expand=True)
    out.add_column("PID", justify="right", no_wrap=True)
    out.add_column("USER", no_wrap=True, max_width=10, overflow="ellipsis")
    out.add_column("CPU%", justify="right", no_wrap=True)
    out.add_column("RSS", justify="right", no_wrap=True)
    out.add_column("THR", justify="right", no_wrap=True)
    if io:
        out.add_column("READ/s", justify="right", no_wrap=True)
        out.add_column("WRITE/s", justify="right", no_wrap=True)
    out.add_column("TIME", justify="right", no_wrap=True)
    out.add_column("NAME", no_wrap=True, overflow="ellipsis", ratio=1)
    for row in rows:
        proc, rates = row.process, row.rates
        cells: list[str | Text] = [
            str(proc.pid),
            Text(fmt.clean(proc.username or (str(proc.uid) if proc.uid is not None else "-"))),
            _cpu_cell(row),
            fmt.size(_rss(proc)),
            fmt.MISSING if proc.num_threads is None else str(proc.num_threads),
        ]
        if io:
            cells.append(fmt.byte_rate(rates.read_bytes_per_second if rates else None))
            cells.append(fmt.byte_rate(rates.write_bytes_per_second if rates else None))
        cells.append(fmt.duration(_cpu_seconds(proc)))
        cells.append(Text(fmt.clean(proc.name)))
        out.add_row(*cells)
    return out


def tree(nodes: Sequence[ProcessNode], rows: Mapping[int, Row], sort: SortKey) -> Tree:
    """The process tree, siblings in sort order, each labelled ``name [pid] cpu% rss``."""
    from rich.tree import Tree

    root = Tree("processes", guide_style="dim")
    _grow(root, nodes, rows, sort)
    return root


def _grow(
    parent: Tree, nodes: Sequence[ProcessNode], rows: Mapping[int, Row], sort: SortKey
) -> None:
    from rich.text import Text

    for node in _sorted_nodes(nodes, rows, sort):
        row = rows[node.process.pid]
        proc = row.process
        label = Text(fmt.clean(proc.name), style="bold")
        label.append(f" [{proc.pid}]", style="cyan")
        label.append(f"  cpu {_cpu_cell(row)}  rss {fmt.size(_rss(proc))}", style="dim")
        _grow(parent.add(label), node.children, rows, sort)
