"""The live web page as a WSGI application (standard library only; JSON through msgspec).

Routes (GET and HEAD; JSON schemas in :mod:`darwin_metrics.web.schema` and docs/web.md):

``/``                      the dashboard page (static HTML, JS and CSS; no build step)
``/static/<file>``         the page's files, from the package
``/api/info``              host name, platform, sampling interval, whether history is available
``/api/snapshot``          the latest sample, flattened; ``?metric=PATH`` (repeatable) resolves paths
``/api/history``           ``?metric=PATH&since=1h[&until=...][&resolution=raw|minute|hour]``

The page polls ``/api/snapshot`` every ``interval`` seconds (no Server-Sent Events: polling works
behind every WSGI server and proxy). A sample is taken at most once per ``interval``, however many
pages poll.
"""

from __future__ import annotations

import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

import msgspec

from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.web.schema import ErrorBody, Info, LiveSnapshot

__all__ = ["make_app"]

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
_STATIC_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
_ENCODER = msgspec.json.Encoder()


class _Live:
    """The app's own Sampler: one fresh sample per ``interval``, shared by every request."""

    def __init__(self, interval: float) -> None:
        from darwin_metrics.sampler import Sampler

        self.interval = interval
        self.sampler = Sampler(processes=False)
        self.lock = threading.Lock()
        self.sample: Any = None
        self.taken = 0.0

    def latest(self) -> Any:
        with self.lock:
            now = time.monotonic()
            if self.sample is None:
                self.sampler.sample()
                time.sleep(min(0.25, self.interval))
                self.sample, self.taken = self.sampler.sample(), time.monotonic()
            elif now - self.taken >= self.interval * 0.9:
                self.sample, self.taken = self.sampler.sample(), now
            return self.sample


def _static(name: str) -> bytes | None:
    if not _STATIC_NAME.fullmatch(name):
        return None
    item = resources.files("darwin_metrics.web").joinpath("static").joinpath(name)
    if not item.is_file():
        return None
    return item.read_bytes()


def make_app(*, db_path: str | None, interval: float = 1.0) -> WSGIApp:
    """The dashboard as a WSGI callable.

    ``db_path`` is the history database behind ``/api/history`` (``None``: no history; the page
    then charts only what it sees live). ``interval`` is the seconds between samples.
    """
    if not interval > 0:
        raise ValueError(f"interval must be more than 0 seconds, got {interval!r}")
    live = _Live(interval)

    def api_info(query: dict[str, list[str]]) -> tuple[str, Any]:
        return "200 OK", Info(
            hostname=socket.gethostname(),
            platform=sys.platform,
            interval=interval,
            history=db_path is not None,
        )

    def api_snapshot(query: dict[str, list[str]]) -> tuple[str, Any]:
        from darwin_metrics.metricpath import PathError, flatten, parse, resolve

        try:
            paths = [parse(text) for text in query.get("metric", [])]
        except PathError as exc:
            return "400 Bad Request", ErrorBody(error=str(exc))
        sample = live.latest()
        return "200 OK", LiveSnapshot(
            timestamp=sample.timestamp,
            elapsed=sample.elapsed,
            values=flatten(sample),
            metrics={p.text: resolve(p, sample) for p in paths},
        )

    def api_history(query: dict[str, list[str]]) -> tuple[str, Any]:
        from darwin_metrics.history.durations import parse_time
        from darwin_metrics.history.query import query as run_query
        from darwin_metrics.history.store import HistoryStore
        from darwin_metrics.metricpath import PathError

        if db_path is None:
            return "404 Not Found", ErrorBody(error="this server keeps no history database")
        metric = query.get("metric", [""])[0]
        if not metric:
            return "400 Bad Request", ErrorBody(error="give ?metric=PATH")
        resolution = query.get("resolution", ["auto"])[0]
        if resolution not in ("auto", "raw", "minute", "hour"):
            return "400 Bad Request", ErrorBody(error=f"unknown resolution {resolution!r}")
        try:
            until = parse_time(query.get("until", ["now"])[0])
            since = parse_time(query.get("since", ["1h"])[0], now=until)
        except ValueError as exc:
            return "400 Bad Request", ErrorBody(error=str(exc))
        try:
            store = HistoryStore(db_path, readonly=True)
        except DarwinMetricsError as exc:
            return "404 Not Found", ErrorBody(error=str(exc))
        try:
            return "200 OK", run_query(store, metric, since, until, resolution)  # type: ignore[arg-type]
        except PathError as exc:
            return "400 Bad Request", ErrorBody(error=str(exc))
        finally:
            store.close()

    routes: dict[str, Callable[[dict[str, list[str]]], tuple[str, Any]]] = {
        "/api/info": api_info,
        "/api/snapshot": api_snapshot,
        "/api/history": api_history,
    }

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/") or "/"
        head = method == "HEAD"
        if method not in ("GET", "HEAD"):
            return _reply(
                start_response,
                "405 Method Not Allowed",
                _json(ErrorBody(error="only GET and HEAD")),
                "application/json",
                head,
                [("Allow", "GET, HEAD")],
            )
        if path in routes:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            try:
                status, body = routes[path](query)
            except DarwinMetricsError as exc:
                status, body = "500 Internal Server Error", ErrorBody(error=str(exc))
            return _reply(start_response, status, _json(body), "application/json", head)
        name = "index.html" if path in ("/", "/index.html") else None
        if path.startswith("/static/"):
            name = path[len("/static/") :]
        data = _static(name) if name is not None else None
        if data is None:
            return _reply(start_response, "404 Not Found", b"not found\n", _TYPES[".txt"], head)
        suffix = name[name.rfind(".") :] if name and "." in name else ".txt"
        return _reply(start_response, "200 OK", data, _TYPES.get(suffix, _TYPES[".txt"]), head)

    return app


def _json(body: Any) -> bytes:
    from darwin_metrics.records.base import to_json

    try:
        return _ENCODER.encode(body)
    except (TypeError, UnicodeEncodeError):
        return to_json(body)


def _reply(
    start_response: StartResponse,
    status: str,
    body: bytes,
    content_type: str,
    head: bool,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        *(extra or []),
    ]
    start_response(status, headers)
    return [] if head else [body]
