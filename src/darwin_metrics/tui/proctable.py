"""The dashboard's process table: a scrolling, focusable list with a cursor that follows its process.

Only the lines on screen are formatted, so thousands of processes cost little per refresh, and only
the lines whose text or highlight changed since the last refresh are drawn again (a line-based
widget: Textual asks :meth:`ProcessTable.render_line` for the lines it repaints). The columns are
chosen for the widget's width (:mod:`darwin_metrics.cli.proccolumns`): the PID is never cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget

from darwin_metrics.cli import proccolumns
from darwin_metrics.cli.proctable import Row, SortKey

#: What one screen line shows: its text and its highlight (a Rich style name, "" for none).
ScreenLine = tuple[str, str]
_HEADER_STYLE = "bold reverse"
_EMPTY: ScreenLine = ("no process matches", "dim")


class ProcessTable(Widget, can_focus=True):
    """Lines of processes with a header; Up/Down/PgUp/PgDn/Home/End move the cursor.

    :meth:`set_rows` gives it the rows in display order (and, in the tree view, the guide drawn
    before each name); :attr:`complete`, when set, fills in the fields of each row on screen that
    the rows were read without (:class:`~darwin_metrics.tui.details.Details`).
    """

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
        self.rows: Sequence[Row] = ()
        #: The tree guide of each row (``None`` outside the tree view).
        self.guides: Sequence[str] | None = None
        self.pid_width = 1
        self.sort: SortKey = "cpu"
        self.cursor = 0
        self.top_line = 0
        self.border_title = "Processes"
        #: Fills in the fields a row on screen lacks (``None``: the rows are whole).
        self.complete: Callable[[Row], Row] | None = None
        #: What each line of the content area shows now (index 0 is the column header).
        self._screen: list[ScreenLine] = []
        #: The drawn line of each screen line shown now, built when Textual first asks for it.
        self._strips: dict[ScreenLine, Strip] = {}

    # -- data -----------------------------------------------------------------------------------

    def set_rows(
        self,
        rows: Sequence[Row],
        sort: SortKey,
        title: str,
        guides: Sequence[str] | None = None,
        pid_width: int | None = None,
    ) -> None:
        """Show ``rows`` (in this order); the cursor stays on the process it was on, if that is
        still listed. ``pid_width``: characters of the widest pid (found here when not given)."""
        chosen = self.selected
        self.rows = rows
        self.guides = guides
        if pid_width is None:
            pid_width = len(str(max((r.process.pid for r in rows), default=0)))
        self.pid_width = pid_width
        self.sort = sort
        if title != self.border_title:
            self.border_title = title  # a new title repaints the whole widget
        if chosen is not None:
            key = (chosen.process.pid, chosen.process.create_time)
            for i, row in enumerate(rows):
                if row.process.pid == key[0] and row.process.create_time == key[1]:
                    self.cursor = i
                    break
        self._clamp()
        self._update_screen()

    @property
    def selected(self) -> Row | None:
        """The row under the cursor, or ``None`` when the table is empty."""
        if not self.rows:
            return None
        return self.rows[min(self.cursor, len(self.rows) - 1)]

    def shown_rows(self) -> Sequence[Row]:
        """The rows on screen now, top to bottom."""
        return self.rows[self.top_line : self.top_line + self.visible_rows]

    # -- movement -------------------------------------------------------------------------------

    @property
    def visible_rows(self) -> int:
        """Lines of processes that fit under the header."""
        return max(1, self.content_size.height - 1)

    def _clamp(self) -> None:
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))
        rows = self.visible_rows
        if self.cursor < self.top_line:
            self.top_line = self.cursor
        elif self.cursor >= self.top_line + rows:
            self.top_line = self.cursor - rows + 1
        self.top_line = max(0, min(self.top_line, max(0, len(self.rows) - rows)))

    def action_move(self, step: int) -> None:
        self.cursor += step
        self._clamp()
        self._update_screen()

    def action_page(self, pages: int) -> None:
        self.action_move(pages * self.visible_rows)

    def on_resize(self) -> None:
        self._clamp()
        self._screen = []  # the columns depend on the width: every line is drawn anew
        self._strips = {}
        self._update_screen()
        self.refresh()

    def on_focus(self) -> None:
        self._update_screen()

    def on_blur(self) -> None:
        self._update_screen()

    # -- drawing --------------------------------------------------------------------------------

    def screen_lines(self) -> list[ScreenLine]:
        """What each line of the content area shows: the column header, then the rows on screen
        (or a note that nothing matches)."""
        columns, name_width = proccolumns.choose_columns(
            self.content_size.width, self.sort, self.pid_width
        )
        lines = [(proccolumns.format_header(columns, name_width, self.sort), _HEADER_STYLE)]
        cursor_style = "reverse bold" if self.has_focus else "reverse"
        guides = self.guides
        complete = self.complete
        for i, row in enumerate(self.shown_rows(), start=self.top_line):
            if complete is not None:
                row = complete(row)
            guide = "" if guides is None else guides[i]
            text = proccolumns.format_line(row, columns, name_width, guide)
            lines.append((text, cursor_style if i == self.cursor else ""))
        if not self.rows:
            lines.append(_EMPTY)
        return lines

    def _update_screen(self) -> None:
        """Work out the lines to show, and ask Textual to repaint the ones that changed."""
        if not self.is_mounted:
            return
        lines = self.screen_lines()
        before = self._screen
        width = self.content_size.width
        for y, line in enumerate(lines):
            if y >= len(before) or before[y] != line:
                self.refresh(Region(0, y, width, 1))
        if len(before) > len(lines):
            self.refresh(Region(0, len(lines), width, len(before) - len(lines)))
        self._screen = lines
        kept = set(lines)
        self._strips = {k: v for k, v in self._strips.items() if k in kept}

    def render_line(self, y: int) -> Strip:
        """Content line ``y``, drawn as :meth:`render` draws it; blank below the last line."""
        width = self.content_size.width
        if y >= len(self._screen):
            return Strip.blank(width, self.visual_style.rich_style)
        line = self._screen[y]
        strip = self._strips.get(line)
        if strip is None:
            text = Text(line[0], style=line[1], no_wrap=True, overflow="crop", end="")
            visual = visualize(self, text, markup=False)
            strip = Visual.to_strips(self, visual, width, 1, self.visual_style, pad=True)[0]
            self._strips[line] = strip
        return strip

    def render(self) -> RenderableType:
        """The lines on screen as one text (what :meth:`render_line` draws, line by line)."""
        out = Text(no_wrap=True, overflow="crop")
        for i, (text, style) in enumerate(self._screen or self.screen_lines()):
            if i:
                out.append("\n")
            out.append(text, style=style)
        return out
