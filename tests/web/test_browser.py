"""The page in a real browser: headless Chromium (Debian package ``chromium``) via Playwright.

Never downloads a browser: it drives /usr/bin/chromium, and skips with the reason where that or
the ``playwright`` package is missing (``make integration`` installs both).
"""

from __future__ import annotations

import os
import shutil
import time
from typing import Any
from urllib.parse import unquote

import msgspec
import pytest

from darwin_metrics.history.query import HistoryResult
from darwin_metrics.web.schema import Info, LiveSnapshot

pytestmark = pytest.mark.integration

CHROMIUM = (
    os.environ.get("DARWIN_METRICS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Any:
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"chromium not found at {CHROMIUM} (apt-get install chromium; make integration)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def test_page_loads_draws_and_updates(browser: Any, base_url: str) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    api: list[tuple[str, int, bytes]] = []

    def on_response(response: Any) -> None:
        if "/api/" in response.url:
            api.append((response.url, response.status, response.body()))

    page.on("response", on_response)
    page.goto(base_url + "/", wait_until="load")
    page.wait_for_function("document.getElementById('state').textContent === 'live'", timeout=15000)

    # The CPU chart drew: the recorded history (120 points) plus live points, as SVG polylines.
    cpu_chart = page.locator("#chart-cpu svg")
    cpu_chart.wait_for(state="visible", timeout=5000)
    assert page.locator("#chart-cpu polyline").count() >= 1
    first_points = int(cpu_chart.get_attribute("data-points") or 0)
    assert first_points >= 121
    assert page.locator("#chart-memory polyline").count() >= 1
    assert page.locator("#card-memory").is_visible()
    memory_text = page.locator("#value-memory").text_content() or ""
    assert memory_text.endswith("iB") or memory_text.endswith(" B")

    # Values change within two seconds (the server samples every 0.5 s).
    updated = page.locator("#updated").text_content()
    started = time.monotonic()
    page.wait_for_function(
        "([old, n]) => document.getElementById('updated').textContent !== old && "
        "Number(document.querySelector('#chart-cpu svg').getAttribute('data-points')) > n",
        arg=[updated, first_points],
        timeout=2000,
    )
    assert time.monotonic() - started < 2.0

    # Every JSON answer the page received validates against its documented schema.
    kinds = {"/api/info": Info, "/api/snapshot": LiveSnapshot, "/api/history": HistoryResult}
    checked = set()
    for url, status, body in api:
        assert status == 200, url
        path = url.split("?")[0].removeprefix(base_url)
        msgspec.json.decode(body, type=kinds[path])
        checked.add(path)
    assert checked == set(kinds)
    assert any("interfaces[*].rx_bytes_per_second.sum" in unquote(u) for u, _, _ in api)
    assert problems == []
    page.close()
