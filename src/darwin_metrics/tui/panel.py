"""The frame every dashboard panel shares: observe a sample once, draw it at any width."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from darwin_metrics.records.rates import Sample
from darwin_metrics.tui.history import History


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


class Panel(Static):
    """A bordered panel; hidden (not drawn at all) while :meth:`body` has nothing to show.

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
        self._shape: int | None = None

    def observe(self, sample: Sample, history: History) -> None:
        """Add what this panel charts from ``sample`` to ``history`` (once per sample)."""

    def body(self, sample: Sample, history: History, width: int) -> RenderableType | None:
        """What to draw in ``width`` columns, or ``None`` when this machine has nothing for it.

        Every panel overrides this; the base panel has nothing to draw, so it stays hidden."""
        return None

    def show(self, sample: Sample, history: History, width: int) -> None:
        """Draw ``sample`` (or hide the panel when there is nothing to draw)."""
        content = self.body(sample, history, max(width, 10))
        self.drawn = content
        if self.display != (content is not None):
            self.display = content is not None
        if content is not None:
            # A new layout only when the height may have changed (it costs a reflow of the screen).
            shape = _line_count(content)
            self.update(content, layout=shape is None or shape != self._shape)
            self._shape = shape


def _line_count(content: RenderableType) -> int | None:
    """Lines of a group of one-line texts (the panels' usual body); ``None`` when unknown."""
    if isinstance(content, Group) and all(isinstance(r, Text) for r in content.renderables):
        for line in content.renderables:
            assert isinstance(line, Text)
            line.no_wrap, line.overflow = True, "ellipsis"  # one line each, cut if too long
        return len(content.renderables)
    return None
