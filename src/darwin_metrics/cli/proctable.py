"""Process listings for the CLI: pairing processes with their rates, sorting, JSON shape, tables.

The sorting and JSON parts are plain Python; only :func:`table` and :func:`tree` import rich.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from darwin_metrics.cli import fmt
from darwin_metrics.rates import ProcessKey
from darwin_metrics.records.base import to_dict
from darwin_metrics.records.process import Process, ProcessNode
from darwin_metrics.records.rates import ProcessRates

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.tree import Tree

SortKey = Literal["cpu", "memory", "io"]
SORT_KEYS: tuple[SortKey, ...] = ("cpu", "memory", "io")


class Row(NamedTuple):
    """A process and its rates over the sampling interval (``None`` without one).

    A named tuple: the dashboard builds thousands of these every refresh.
    """

    process: Process
    rates: ProcessRates | None


def pair(
    processes: Iterable[Process], rates: Mapping[ProcessKey, ProcessRates] | None
) -> list[Row]:
    """One :class:`Row` per process, with its rates looked up by ``(pid, create_time)``."""
    if not rates:
        return [Row(p, None) for p in processes]
    get = rates.get
    return [Row(p, get((p.pid, p.create_time))) for p in processes]


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
    return sorted(rows, key=_SORT_KEYS[sort])


def _by_cpu(row: Row) -> tuple[float, float, int]:
    proc, rates = row
    percent = -1.0 if rates is None or rates.cpu_percent is None else rates.cpu_percent
    times = proc.cpu_times
    seconds = -1.0 if times is None else times.user + times.system
    return (-percent, -seconds, proc.pid)


def _by_memory(row: Row) -> tuple[float, float, int]:
    memory = row.process.memory
    if memory is None:
        return (1.0, 1.0, row.process.pid)
    return (-float(memory.rss), -float(memory.vms), row.process.pid)


def _by_io(row: Row) -> tuple[float, float, int]:
    return (-_io_rate(row.rates), -float(_io_bytes(row.process)), row.process.pid)


#: The sort key of each order: :func:`sort_value` negated (largest first), then the pid.
_SORT_KEYS = {"cpu": _by_cpu, "memory": _by_memory, "io": _by_io}


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
    for node in sorted_nodes(nodes, rows, sort):
        data = entry(rows[node.process.pid])
        data["children"] = tree_entries(node.children, rows, sort)
        result.append(data)
    return result


def sorted_nodes(
    nodes: Sequence[ProcessNode], rows: Mapping[int, Row], sort: SortKey
) -> list[ProcessNode]:
    """Sibling ``nodes`` in the order :func:`sort_rows` gives their rows."""
    order = {id(r): i for i, r in enumerate(sort_rows((rows[n.process.pid] for n in nodes), sort))}
    return sorted(nodes, key=lambda n: order[id(rows[n.process.pid])])


def _cpu_cell(row: Row) -> str:
    if row.rates is not None:
        return fmt.percent(row.rates.cpu_percent)
    return fmt.MISSING


def table(rows: Sequence[Row], *, io: bool = True, sort: SortKey | None = None) -> FittedTable:
    """A table of processes in the given order; ``io=False`` leaves out the I/O rate columns.

    The columns fit the width the table is drawn at (see :mod:`darwin_metrics.cli.proccolumns`):
    the least useful drop first, and the PID is never cut.
    """
    return FittedTable(rows, io=io, sort=sort)


class FittedTable:
    """A rich renderable: the process table laid out for the width it is given."""

    def __init__(self, rows: Sequence[Row], *, io: bool, sort: SortKey | None) -> None:
        self.rows = rows
        self.exclude = () if io else ("read", "write")
        self.sort = sort

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        from darwin_metrics.cli import proccolumns as pc

        pid_width = max((len(str(r.process.pid)) for r in self.rows), default=1)
        sort: SortKey = self.sort or "cpu"
        columns, name_width = pc.choose_columns(options.max_width, sort, pid_width, self.exclude)
        marked = self.sort if self.sort is not None else "none"
        header = pc.format_header(columns, name_width, marked)  # type: ignore[arg-type]
        yield Text(header.rstrip(), style="bold", no_wrap=True, overflow="crop")
        for row in self.rows:
            line = pc.format_line(row, columns, name_width).rstrip()
            yield Text(line, no_wrap=True, overflow="crop")


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

    for node in sorted_nodes(nodes, rows, sort):
        row = rows[node.process.pid]
        proc = row.process
        label = Text(fmt.clean(proc.name), style="bold")
        label.append(f" [{proc.pid}]", style="cyan")
        label.append(f"  cpu {_cpu_cell(row)}  rss {fmt.size(_rss(proc))}", style="dim")
        _grow(parent.add(label), node.children, rows, sort)
