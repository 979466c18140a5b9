"""The frame every dashboard panel shares: observe a sample once, draw it at any width."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text

from darwin_metrics.records.rates import Sample
from darwin_metrics.tui.history import History
from darwin_metrics.tui.lines import LineWidget, as_lines


def level_style(percent: float | None) -> str:
    """Green, yellow above 70, red above 90 (dim without a value)."""
    if percent is None:
        return "dim"
    return "red" if percent > 90 else "yellow" if percent > 70 else "green"


def meter(percent: float | None, width: int) -> Text:
    """A 0-100 bar of ``width`` cells, coloured by :func:`level_style`; blank without value."""
    if percent is None or width <= 0:
        return Text(" " * max(width, 0))
    filled = round(min(max(percent, 0.0), 100.0) / 100.0 * width)
    bar = Text("█" * filled, style=level_style(percent))
    bar.append("░" * (width - filled), style="dim")
    return bar


class Panel(LineWidget):
    """A bordered panel; hidden (not drawn at all) while :meth:`body` has nothing to show.

    Only the lines that changed since the last sample are drawn again (:class:`LineWidget`).

    Subclasses set :attr:`KEY` (the name ``--panels`` uses) and :attr:`TITLE`, and implement
    :meth:`observe` (called once per sample, to extend histories) and :meth:`body`.
    """

    KEY: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    DEFAULT_CSS = """
    Panel { border: round $primary; border-title-color: $text; border-title-style: bold;
            height: auto; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__(id=f"panel-{self.KEY}")
        self.border_title = self.TITLE
        #: What the panel drew last (``None`` while hidden).
        self.drawn: RenderableType | None = None

    def observe(self, sample: Sample, history: History) -> None:
        """Add what this panel charts from ``sample`` to ``history`` (once per sample)."""

    def body(self, sample: Sample, history: History, width: int) -> RenderableType | None:
        """What to draw in ``width`` columns, or ``None`` when this machine has nothing for it.

        Every panel overrides this; the base panel has nothing to draw, so it stays hidden."""
        return None

    def show(self, sample: Sample, history: History, width: int) -> None:
        """Draw ``sample`` (or hide the panel when there is nothing to draw)."""
        width = max(width, 10)
        content = self.body(sample, history, width)
        self.drawn = content
        if self.display != (content is not None):
            self.display = content is not None
        if content is not None:
            self.set_lines(as_lines(content, width, self.app.console))
