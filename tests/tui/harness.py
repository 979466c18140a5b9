"""Running the dashboard under Textual's pilot on the fake source, and reading what it shows."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from textual.pilot import Pilot

from darwin_metrics.tui.app import PANEL_KEYS, Dashboard
from darwin_metrics.tui.header import Host
from darwin_metrics.tui.proctable import ProcessTable
from tests.tui.fake import FakeSource

HOST = Host(name="demo-host", kernel="Linux 6.8.0-demo")
Scenario = Callable[[Dashboard, Pilot[None]], Awaitable[None]]


def dashboard(
    source: Callable[[], Any] | None = None,
    *,
    panels: Iterable[str] = PANEL_KEYS,
    recorder: Any = None,
    interval: float = 3600.0,
) -> Dashboard:
    """A dashboard on the fake machine; with the default interval it refreshes only at start."""
    return Dashboard(
        source if source is not None else FakeSource(),
        interval=interval,
        panels=panels,
        recorder=recorder,
        host=HOST,
    )


async def until(pilot: Pilot[None], done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Let the app run until ``done()`` (fails after ``seconds``)."""
    for _ in range(int(seconds / 0.02)):
        if done():
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError("the dashboard did not get there in time")


async def with_rates(app: Dashboard, pilot: Pilot[None]) -> None:
    """Wait for the second sample (the first with rates)."""
    await until(pilot, lambda: app.sample is not None and app.sample.rates is not None)


def run(app: Dashboard, scenario: Scenario, size: tuple[int, int] = (100, 32)) -> None:
    """Run ``scenario`` against ``app`` in a headless terminal of ``size`` columns by rows."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await with_rates(app, pilot)
            await scenario(app, pilot)

    asyncio.run(main())


def table_lines(app: Dashboard) -> list[str]:
    """The process table as text: the header, then one line per process on screen."""
    table = app.query_one(ProcessTable)
    return str(table.render()).splitlines()


def pids(app: Dashboard) -> list[int]:
    """The pids on screen, top to bottom."""
    words = [line.split() for line in table_lines(app)[1:]]
    return [int(w[0]) for w in words if w and w[0].isdigit()]


def panel_text(app: Dashboard, key: str) -> str:
    """What panel ``key`` drew last, as plain text at its width."""
    from rich.console import Console

    from darwin_metrics.tui.panel import Panel

    panel = app.query_one(f"#panel-{key}", Panel)
    console = Console(width=max(panel.content_size.width, 20), record=True, file=io.StringIO())
    console.print(panel.drawn)
    return console.export_text()
