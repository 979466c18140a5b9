"""The dashboard's process table: a scrolling, focusable list with a cursor that follows its process.

Only the lines on screen are formatted, so thousands of processes cost little per refresh. The
columns are chosen for the widget's width (:mod:`darwin_metrics.cli.proccolumns`): the PID is never
cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget

from darwin_metrics.cli import proccolumns
from darwin_metrics.cli.proctable import Row, SortKey
from darwin_metrics.tui.procview import Line


class ProcessTable(Widget, can_focus=True):
    """Lines of processes with a header; Up/Down/PgUp/PgDn/Home/End move the cursor."""

    DEFAULT_CSS = """
    ProcessTable { height: 1fr; min-height: 4; border: round $primary; padding: 0 1;
                   border-title-style: bold; }
    ProcessTable:focus { border: round $accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "up", show=False),
        Binding("down", "move(1)", "down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("home", "move(-1000000000)", "first", show=False),
        Binding("end", "move(1000000000)", "last", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="processes")
        self.lines: list[Line] = []
        self.pid_width = 1
        self.sort: SortKey = "cpu"
        self.cursor = 0
        self.top_line = 0
        self.border_title = "Processes"

    # -- data -----------------------------------------------------------------------------------

    def set_lines(self, lines: list[Line], sort: SortKey, title: str) -> None:
        """Show ``lines``; the cursor stays on the process it was on, if that is still listed."""
        chosen = self.selected
        self.lines = lines
        self.pid_width = max((len(str(line.row.process.pid)) for line in lines), default=1)
        self.sort = sort
        self.border_title = title
        if chosen is not None:
            key = (chosen.process.pid, chosen.process.create_time)
            for i, line in enumerate(lines):
                if (line.row.process.pid, line.row.process.create_time) == key:
                    self.cursor = i
                    break
        self._clamp()
        self.refresh()

    @property
    def selected(self) -> Row | None:
        """The row under the cursor, or ``None`` when the table is empty."""
        if not self.lines:
            return None
        return self.lines[min(self.cursor, len(self.lines) - 1)].row

    # -- movement -------------------------------------------------------------------------------

    @property
    def visible_rows(self) -> int:
        """Lines of processes that fit under the header."""
        return max(1, self.content_size.height - 1)

    def _clamp(self) -> None:
        self.cursor = max(0, min(self.cursor, len(self.lines) - 1))
        rows = self.visible_rows
        if self.cursor < self.top_line:
            self.top_line = self.cursor
        elif self.cursor >= self.top_line + rows:
            self.top_line = self.cursor - rows + 1
        self.top_line = max(0, min(self.top_line, max(0, len(self.lines) - rows)))

    def action_move(self, step: int) -> None:
        self.cursor += step
        self._clamp()
        self.refresh()

    def action_page(self, pages: int) -> None:
        self.action_move(pages * self.visible_rows)

    def on_resize(self) -> None:
        self._clamp()
        self.refresh()  # the columns depend on the width

    # -- drawing --------------------------------------------------------------------------------

    def render(self) -> RenderableType:
        width = self.content_size.width
        shown: Sequence[Line] = self.lines[self.top_line : self.top_line + self.visible_rows]
        columns, name_width = proccolumns.choose_columns(width, self.sort, self.pid_width)
        out = Text(no_wrap=True, overflow="crop")
        out.append(proccolumns.format_header(columns, name_width, self.sort), style="bold reverse")
        for i, line in enumerate(shown, start=self.top_line):
            text = proccolumns.format_line(line.row, columns, name_width, line.guide)
            out.append("\n")
            out.append(
                text,
                style="reverse bold"
                if i == self.cursor and self.has_focus
                else ("reverse" if i == self.cursor else ""),
            )
        if not self.lines:
            out.append("\nno process matches", style="dim")
        return out
