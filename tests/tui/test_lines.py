"""The line-based widget (:mod:`darwin_metrics.tui.lines`): lines as texts, and only the changed
lines drawn again."""

from __future__ import annotations

import asyncio

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult

from darwin_metrics.tui.lines import LineWidget, as_lines, line_key


def test_as_lines_cuts_long_lines_and_renders_tables() -> None:
    console = Console(width=80)
    lines = as_lines(Group(Text("short"), Text("x" * 50, style="bold")), 20, console)
    assert [line.plain for line in lines] == ["short", "x" * 19 + "…"]
    assert lines[1].style == "bold"
    table = Table("name", "value", box=None)
    table.add_row("temp", "42 °C")
    table.add_row("fan", "1200 rpm")
    drawn = [line.plain for line in as_lines(table, 30, console)]
    assert len(drawn) == 3 and "temp" in drawn[1] and "1200 rpm" in drawn[2]


def test_line_key_tells_styles_apart() -> None:
    assert line_key(Text("a", style="red")) != line_key(Text("a", style="green"))
    assert line_key(Text("a", style="red")) == line_key(Text("a", style="red"))
    styled = Text("ab")
    styled.stylize("bold", 0, 1)
    assert line_key(styled) != line_key(Text("ab"))


class _Lines(App[None]):
    def compose(self) -> ComposeResult:
        yield LineWidget(id="lines")


def test_only_changed_lines_are_drawn_again() -> None:
    async def main() -> None:
        app = _Lines()
        async with app.run_test(size=(40, 10)) as pilot:
            widget = app.query_one(LineWidget)
            widget.set_lines([Text("one"), Text("two"), Text("three")])
            await pilot.pause()
            assert widget.size.height == 3  # laid out for its lines
            assert sorted(widget._strips) == [0, 1, 2]
            kept = widget._strips[0]
            widget.set_lines([Text("one"), Text("TWO"), Text("three")])
            assert sorted(widget._strips) == [0, 2]  # line 1 is drawn again, the others kept
            await pilot.pause()
            assert widget._strips[0] is kept
            assert "TWO" in "".join(s.text for s in widget._strips[1])
            widget.set_lines([Text("one")])
            await pilot.pause()
            assert widget.size.height == 1
            assert str(widget.render()) == "one"

    asyncio.run(main())
