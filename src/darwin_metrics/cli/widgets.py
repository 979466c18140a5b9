"""Building blocks shared by the summary sections: the panel frame and the level bar."""

from __future__ import annotations

from rich.console import RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.text import Text


def panel(title: str, body: RenderableType) -> Panel:
    """The frame every section uses."""
    return Panel(body, title=f"[bold]{title}[/]", title_align="left", padding=(0, 1))


def bar(percent: float | None, width: int = 20) -> RenderableType:
    """A 0-100 bar coloured by level (green, yellow above 70, red above 90); blank without value."""
    if percent is None:
        return Text(" " * width)
    value = min(100.0, max(0.0, percent))
    style = "red" if value > 90 else "yellow" if value > 70 else "green"
    return ProgressBar(total=100.0, completed=value, width=width, complete_style=style)
