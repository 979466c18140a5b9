"""A widget that draws a list of one-line texts and repaints only the lines that changed.

Textual repaints a whole widget when its content is replaced (``Static.update``); a panel of a few
lines where one number moved then costs every line again, styled and composited. Here each line is
kept with what it was drawn from, and a new list repaints only the lines whose text or styles
differ; a different number of lines asks for a new layout.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Span, Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget

#: What a drawn line is compared by: its characters, base style and styled spans.
LineKey = tuple[str, object, tuple[Span, ...]]


def line_key(line: Text) -> LineKey:
    """The parts of ``line`` that change how it is drawn."""
    return (line.plain, line.style, tuple(line.spans))


def as_lines(content: RenderableType, width: int, console: Console) -> list[Text]:
    """``content`` as one-line texts at most ``width`` cells wide: a group or list of texts is
    taken line by line (a long line is cut with ``…``); anything else (a Rich table) is rendered
    at ``width`` and each of its lines kept with its styles."""
    parts: Sequence[RenderableType] | None = None
    if isinstance(content, Text):
        parts = [content]
    elif hasattr(content, "renderables"):
        parts = content.renderables
    if parts is not None and all(isinstance(p, Text) and "\n" not in p.plain for p in parts):
        out = []
        for part in parts:
            assert isinstance(part, Text)
            line = part.copy()
            line.truncate(width, overflow="ellipsis")
            out.append(line)
        return out
    options: ConsoleOptions = console.options.update(width=max(width, 1), height=None)
    rendered = console.render_lines(content, options, pad=False)
    return [_from_segments(segments) for segments in rendered]


def _from_segments(segments: Sequence[Segment]) -> Text:
    line = Text(no_wrap=True, overflow="crop", end="")
    for segment in segments:
        if not segment.control:
            line.append(segment.text, segment.style)
    line.rstrip()
    return line


class LineWidget(Widget):
    """Draws :attr:`lines`, one text per line; :meth:`set_lines` repaints only what changed."""

    DEFAULT_CSS = """
    LineWidget { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[Text] = []
        self._keys: list[LineKey] = []
        #: The drawn strip of each line, made when Textual first asks for it, and their width.
        self._strips: dict[int, Strip] = {}
        self._strips_width = 0

    def set_lines(self, lines: list[Text]) -> None:
        """Show ``lines``; repaint the lines that differ, and lay out again when their number
        changed."""
        keys = [line_key(line) for line in lines]
        before = self._keys
        self.lines = lines
        self._keys = keys
        if len(keys) != len(before):
            self._strips.clear()
            self.refresh(layout=True)
            return
        width = self.content_size.width
        for y, key in enumerate(keys):
            if key != before[y]:
                self._strips.pop(y, None)
                self.refresh(Region(0, y, width, 1))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if y >= len(self.lines):
            return Strip.blank(width, self.visual_style.rich_style)
        if width != self._strips_width:
            self._strips.clear()
            self._strips_width = width
        strip = self._strips.get(y)
        if strip is None:
            visual = visualize(self, self.lines[y], markup=False)
            strip = Visual.to_strips(self, visual, width, 1, self.visual_style, pad=True)[0]
            self._strips[y] = strip
        return strip

    def render(self) -> RenderableType:
        """The lines as one text (what :meth:`render_line` draws)."""
        return Text("\n").join(self.lines)
