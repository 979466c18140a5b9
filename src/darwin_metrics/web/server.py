"""A small threaded server for the web app (standard library ``wsgiref``), loopback by default.

Used by the tests and by anything that needs the page without the exporter's server::

    server = make_server(make_app(db_path=None, interval=1.0), port=8000)
    server.serve_forever()
"""

from __future__ import annotations

import socketserver
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as _make_server

__all__ = ["ThreadingWSGIServer", "make_server"]


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per connection, so a slow client never holds up the others."""

    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        return


def make_server(app: Any, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """A bound server for ``app`` (``port=0``: a free port, see ``server.server_port``)."""
    return _make_server(
        host, port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
