"""SVG screenshots of the dashboard on the fake machine, compared with the ones checked in.

``DARWIN_METRICS_UPDATE_SNAPSHOTS=1 pytest tests/tui/test_snapshots.py`` rewrites them (and the copy
in docs/) after a deliberate change of the screen; review the SVGs in a browser before committing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from textual.pilot import Pilot

from darwin_metrics.tui.app import Dashboard
from tests.tui.fake import FakeSource
from tests.tui.harness import dashboard, run

HERE = Path(__file__).resolve().parent / "snapshots"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "images"
UPDATE = os.environ.get("DARWIN_METRICS_UPDATE_SNAPSHOTS") == "1"


#: Samples shown before the screenshot (the sparklines' history).
HISTORY = 24


def _screenshot(size: tuple[int, int], keys: tuple[str, ...]) -> str:
    shot: list[str] = []
    source = FakeSource(vary=True)

    async def take(app: Dashboard, pilot: Pilot[None]) -> None:
        while source.step < HISTORY:
            app.apply(source())
        await pilot.press(*keys)
        await pilot.pause()
        shot.append(app.export_screenshot(title="darwin-metrics top"))

    run(dashboard(source), take, size=size)
    return shot[0]


def _text(svg: str) -> list[str]:
    """The characters of the screenshot (what a reader sees), without styles and ids."""
    return [re.sub(r"&#160;", " ", t) for t in re.findall(r">([^<>]+)</text>", svg)]


@pytest.mark.parametrize(
    ("name", "size", "keys"),
    [
        ("top-100x32", (100, 32), ()),
        ("top-80x24-memory", (80, 24), ("m",)),
        ("top-60x24-tree", (60, 24), ("t",)),
    ],
)
def test_screenshot_matches(name: str, size: tuple[int, int], keys: tuple[str, ...]) -> None:
    svg = _screenshot(size, keys)
    path = HERE / f"{name}.svg"
    if UPDATE:
        path.write_text(svg, encoding="utf-8")
        if name == "top-100x32":
            DOCS.mkdir(exist_ok=True)
            (DOCS / "top.svg").write_text(svg, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with DARWIN_METRICS_UPDATE_SNAPSHOTS=1"
    # The characters on screen, cell for cell (styles and ids vary with Textual's version).
    assert _text(svg) == _text(path.read_text(encoding="utf-8"))


def test_docs_screenshot_is_the_checked_in_one() -> None:
    assert (DOCS / "top.svg").read_bytes() == (HERE / "top-100x32.svg").read_bytes()
