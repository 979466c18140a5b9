"""The web app over real HTTP on loopback: routes, JSON schemas, errors, static files."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from urllib.parse import quote

import msgspec
import pytest

from darwin_metrics.history.query import HistoryResult
from darwin_metrics.web.app import make_app
from darwin_metrics.web.schema import ErrorBody, Info, LiveSnapshot


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_page_and_static_files(base_url: str) -> None:
    status, kind, body = get(base_url + "/")
    assert status == 200
    assert kind == "text/html; charset=utf-8"
    assert b'<script src="/static/app.js">' in body
    for name, expected in (("app.js", "text/javascript"), ("style.css", "text/css")):
        status, kind, body = get(f"{base_url}/static/{name}")
        assert status == 200
        assert kind.startswith(expected)
        assert len(body) > 500
    for bad in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/nope.js", "/etc/passwd"):
        assert get(base_url + bad)[0] == 404


def test_info_schema(base_url: str) -> None:
    status, kind, body = get(base_url + "/api/info")
    assert (status, kind) == (200, "application/json")
    info = msgspec.json.decode(body, type=Info)
    assert info.interval == 0.5
    assert info.history is True


def test_snapshot_schema_and_values(base_url: str) -> None:
    import psutil

    metrics = ["cpu.percent", "memory.total", "interfaces[*].rx_bytes_per_second.sum"]
    query = "&".join(f"metric={quote(m)}" for m in metrics)
    status, _, body = get(f"{base_url}/api/snapshot?{query}")
    assert status == 200
    snap = msgspec.json.decode(body, type=LiveSnapshot)
    assert abs(snap.timestamp - time.time()) < 30
    assert snap.values["memory.total"] == pytest.approx(psutil.virtual_memory().total, rel=0.01)
    assert snap.metrics["memory.total"] == {"memory.total": snap.values["memory.total"]}
    assert 0 <= snap.metrics["cpu.percent"]["cpu.percent"] <= 100
    assert set(snap.metrics["interfaces[*].rx_bytes_per_second.sum"]) == {
        "interfaces[*].rx_bytes_per_second.sum"
    }
    # A fresh sample at most once per interval: two quick calls share one.
    first = msgspec.json.decode(get(base_url + "/api/snapshot")[2], type=LiveSnapshot)
    second = msgspec.json.decode(get(base_url + "/api/snapshot")[2], type=LiveSnapshot)
    assert second.timestamp - first.timestamp < 0.5 + 0.2
    time.sleep(0.6)
    third = msgspec.json.decode(get(base_url + "/api/snapshot")[2], type=LiveSnapshot)
    assert third.timestamp > second.timestamp


def test_history_schema_and_values(base_url: str) -> None:
    status, _, body = get(base_url + "/api/history?metric=cpu.percent&since=15m")
    assert status == 200
    result = msgspec.json.decode(body, type=HistoryResult)
    assert result.resolution == "raw"
    (series,) = result.series
    assert series.values == tuple(i / 1.2 for i in range(120))
    assert series.unit == "%"
    status, _, body = get(base_url + "/api/history?metric=" + quote("interfaces[eth0]"))
    assert msgspec.json.decode(body, type=HistoryResult).series[0].values[-1] == 1119.0


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/history", 400, "metric"),
        ("/api/history?metric=cpu.bogus", 400, "bogus"),
        ("/api/history?metric=cpu.percent&since=yesterday", 400, "not a time"),
        ("/api/history?metric=cpu.percent&resolution=second", 400, "resolution"),
        ("/api/snapshot?metric=nope.nothing", 400, "not a family"),
    ],
)
def test_errors_are_json(base_url: str, url: str, status: int, words: str) -> None:
    got, kind, body = get(base_url + url)
    assert (got, kind) == (status, "application/json")
    assert words in msgspec.json.decode(body, type=ErrorBody).error


def test_without_history_and_bad_methods() -> None:
    app = make_app(db_path=None, interval=1.0)
    seen: list[str] = []

    def start(status: str, headers: list[tuple[str, str]]) -> None:
        seen.append(status)

    body = b"".join(
        app(
            {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": "/api/history",
                "QUERY_STRING": "metric=cpu.percent",
            },
            start,
        )
    )
    assert seen[-1] == "404 Not Found"
    assert "no history" in msgspec.json.decode(body, type=ErrorBody).error
    assert b"".join(app({"REQUEST_METHOD": "POST", "PATH_INFO": "/api/info"}, start)) != b""
    assert seen[-1] == "405 Method Not Allowed"
    assert b"".join(app({"REQUEST_METHOD": "HEAD", "PATH_INFO": "/"}, start)) == b""
    assert seen[-1] == "200 OK"
    with pytest.raises(ValueError):
        make_app(db_path=None, interval=0)


def test_every_metric_path_of_the_page_parses() -> None:
    """The page names its metrics by path; a renamed record field must fail here, not in a
    browser."""
    import re
    from importlib import resources

    from darwin_metrics.metricpath import parse

    script = resources.files("darwin_metrics.web").joinpath("static").joinpath("app.js").read_text()
    paths = set(re.findall(r'metric: "([^"]+)"', script)) | set(
        re.findall(r'\["([a-z_]+[^"]*)", "[^"]+"\]', script)
    )
    assert len(paths) >= 11
    for path in paths:
        parse(path)
