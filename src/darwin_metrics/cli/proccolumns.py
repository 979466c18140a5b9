"""The columns of a process table and how they fit a width (plain Python; the summary, the
``processes`` command and the dashboard share them).

Columns drop by priority as the terminal narrows; the PID column is always kept whole and the NAME
column takes what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from darwin_metrics.cli import fmt
from darwin_metrics.cli.proctable import Row, SortKey

#: Spaces between columns.
GAP = 1
#: The NAME column is dropped to this many characters before another column is.
NAME_MIN = 12


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: ``width`` characters, right-aligned unless ``left``; lower ``priority`` is
    kept longer when the terminal narrows (0: always shown)."""

    key: str
    header: str
    width: int
    priority: int
    left: bool = False
    sort: SortKey | None = None


PID = Column("pid", "PID", 5, 0)
NAME = Column("name", "NAME", NAME_MIN, 0, left=True)
#: Every column, in the order on screen (NAME last, it takes the rest of the line).
COLUMNS: tuple[Column, ...] = (
    PID,
    Column("user", "USER", 9, 3, left=True),
    Column("cpu", "CPU%", 6, 1, sort="cpu"),
    Column("rss", "RSS", 10, 2, sort="memory"),
    Column("read", "READ/s", 10, 5, sort="io"),
    Column("write", "WRITE/s", 10, 5, sort="io"),
    Column("threads", "THR", 4, 6),
    Column("time", "TIME", 9, 4),
    NAME,
)


def choose_columns(
    width: int, sort: SortKey | None, pid_width: int, exclude: Collection[str] = ()
) -> tuple[list[Column], int]:
    """The columns that fit in ``width`` characters, in screen order, and the NAME column's width.

    PID (``pid_width`` wide, never less) and NAME are always there; the others are added by priority
    (the sorted-by columns first) while NAME keeps at least :data:`NAME_MIN` characters. NAME gets
    what is left, which can be less than :data:`NAME_MIN` (even 0) on a very narrow screen.
    Columns whose key is in ``exclude`` are never shown.
    """
    pid = Column(PID.key, PID.header, max(pid_width, PID.width), 0)
    others = [c for c in COLUMNS if c.priority > 0 and c.key not in exclude]
    ranked = sorted(others, key=lambda c: (0 if c.sort == sort else c.priority, COLUMNS.index(c)))
    used = pid.width + GAP
    chosen: set[str] = set()
    for column in ranked:
        if used + column.width + GAP + NAME_MIN <= width:
            chosen.add(column.key)
            used += column.width + GAP
    shown = [pid, *(c for c in others if c.key in chosen), NAME]
    return shown, max(0, width - used)


def _io(value: float | None) -> str:
    return fmt.MISSING if value is None else fmt.size(value)


CELLS: dict[str, Callable[[Row], str]] = {
    "pid": lambda r: str(r.process.pid),
    "user": lambda r: fmt.clean(
        r.process.username or (str(r.process.uid) if r.process.uid is not None else fmt.MISSING)
    ),
    "cpu": lambda r: fmt.MISSING if r.rates is None else fmt.percent(r.rates.cpu_percent),
    "rss": lambda r: fmt.size(None if r.process.memory is None else r.process.memory.rss),
    "read": lambda r: _io(None if r.rates is None else r.rates.read_bytes_per_second),
    "write": lambda r: _io(None if r.rates is None else r.rates.write_bytes_per_second),
    "threads": lambda r: (
        fmt.MISSING if r.process.num_threads is None else str(r.process.num_threads)
    ),
    "time": lambda r: fmt.duration(
        None
        if r.process.cpu_times is None
        else r.process.cpu_times.user + r.process.cpu_times.system
    ),
    "name": lambda r: fmt.clean(r.process.name),
}


def fit(text: str, width: int, left: bool) -> str:
    """``text`` padded or cut to exactly ``width`` characters (cut text ends in ``…``)."""
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: width - 1] + "…"
    return text.ljust(width) if left else text.rjust(width)


def format_line(row: Row, columns: Sequence[Column], name_width: int, guide: str = "") -> str:
    """One table line: every column at its width, the PID whole, the name after the tree
    ``guide``."""
    parts = []
    for column in columns:
        if column.key == "name":
            parts.append(fit(guide + CELLS["name"](row), name_width, True))
        elif column.key == "pid":
            parts.append(CELLS["pid"](row).rjust(column.width))
        else:
            parts.append(fit(CELLS[column.key](row), column.width, column.left))
    return (" " * GAP).join(parts)


def format_header(columns: Sequence[Column], name_width: int, sort: SortKey | None) -> str:
    """The header line; the sorted-by columns are marked with ``▼``."""
    parts = []
    for column in columns:
        label = column.header + ("▼" if column.sort == sort else "")
        width = name_width if column.key == "name" else column.width
        parts.append(fit(label, width, column.left))
    return (" " * GAP).join(parts)
