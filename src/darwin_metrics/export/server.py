"""The exporter's HTTP server: ``/metrics``, and every other path to the live web page (or a small
page of its own), with optional TLS and basic auth.

Built on the standard library so that slow or hostile clients cannot stall scrapes:

- one thread per connection, at most ``max_connections`` at once (further connections wait in the
  kernel's accept queue); while the server is at that limit every response closes its connection,
  so keep-alive clients cannot hold all slots;
- a deadline for each request's line and headers (``header_timeout``, counted from when the server
  starts waiting for the request, TLS handshake included): a client sending one byte a second is
  cut off there, whatever its pace;
- a socket timeout (``io_timeout``) on every read and write: a client that never reads its
  response frees its thread when the timeout expires.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import itertools
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import IO, Any, cast

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from darwin_metrics import __version__
from darwin_metrics.export.webconfig import WebConfig

log = logging.getLogger(__name__)

#: The default port: 9101 is not node_exporter's 9100 and not taken by a common exporter
#: (haproxy_exporter's old 9101 is retired upstream; see docs/exporter.md).
DEFAULT_PORT = 9101
DEFAULT_LISTEN = f"127.0.0.1:{DEFAULT_PORT}"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_INDEX = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>darwin-metrics exporter</title></head>
<body><h1>darwin-metrics exporter</h1>
<p><a href="/metrics">Metrics</a></p>
</body></html>
"""


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9101`` for IPv6, ``:9101`` for every address) → (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--listen expects HOST:PORT, got {text!r}")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return host, int(port)


class _Deadlines:
    """Shuts down sockets whose deadline passed; one thread keeps the deadlines of every connection."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, socket.socket]] = []
        self._armed: dict[int, int] = {}  # id(socket) -> ticket of its live deadline
        self._tickets = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="deadlines", daemon=True)
        self._thread.start()

    def arm(self, sock: socket.socket, seconds: float) -> None:
        with self._cond:
            ticket = next(self._tickets)
            self._armed[id(sock)] = ticket
            heapq.heappush(self._heap, (time.monotonic() + seconds, ticket, sock))
            self._cond.notify()

    def disarm(self, sock: socket.socket) -> None:
        with self._cond:
            self._armed.pop(id(sock), None)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                while self._heap and (
                    self._heap[0][0] <= now
                    or self._armed.get(id(self._heap[0][2])) != self._heap[0][1]
                ):
                    due, ticket, sock = heapq.heappop(self._heap)
                    if self._armed.get(id(sock)) == ticket and due <= now:
                        del self._armed[id(sock)]
                        try:
                            sock.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                timeout = self._heap[0][0] - now if self._heap else None
                self._cond.wait(timeout)


class ExporterServer(HTTPServer):
    """An HTTP(S) server for the exporter; see the module docstring for its limits."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        registry: CollectorRegistry,
        *,
        web_config: WebConfig | None = None,
        app: WSGIApp | None = None,
        max_connections: int = 64,
        header_timeout: float = 10.0,
        io_timeout: float = 10.0,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.registry = registry
        self.web_config = web_config or WebConfig()
        self.app = app
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.io_timeout = io_timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        self._active = 0
        self._active_lock = threading.Lock()
        super().__init__(address, ExporterHandler)  # binds: raises OSError before any thread starts
        self.deadlines = _Deadlines()

    @property
    def saturated(self) -> bool:
        """True while every connection slot is taken."""
        return self._active >= self.max_connections

    def process_request(self, request: Any, client_address: Any) -> None:
        self._slots.acquire()  # blocks accepting: excess connections wait in the kernel's queue
        with self._active_lock:
            self._active += 1
        thread = threading.Thread(
            target=self._serve, args=(request, client_address), name="exporter-conn", daemon=True
        )
        thread.start()

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            log.debug("connection from %s failed", client_address, exc_info=True)
        finally:
            self.deadlines.disarm(request)
            self.shutdown_request(request)
            with self._active_lock:
                self._active -= 1
            self._slots.release()

    def server_close(self) -> None:
        super().server_close()
        deadlines: _Deadlines | None = getattr(self, "deadlines", None)  # None: the bind failed
        if deadlines is not None:
            deadlines.stop()


class ExporterHandler(BaseHTTPRequestHandler):
    """One connection: TLS handshake, then requests until the client or the server closes it."""

    server: ExporterServer
    protocol_version = "HTTP/1.1"
    server_version = f"darwin-metrics/{__version__}"

    def setup(self) -> None:
        raw: socket.socket = self.request
        raw.settimeout(self.server.io_timeout)
        context = self.server.web_config.ssl_context
        if context is not None:
            tls = context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
            self.request = tls
            self.server.deadlines.arm(tls, self.server.header_timeout)
            tls.do_handshake()  # under the header deadline: a stalled handshake is cut off too
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.deadlines.disarm(self.connection)
            if isinstance(self.connection, ssl.SSLSocket):
                self.connection.close()

    def handle_one_request(self) -> None:
        self.server.deadlines.arm(self.connection, self.server.header_timeout)
        super().handle_one_request()

    def parse_request(self) -> bool:
        ok = super().parse_request()
        self.server.deadlines.disarm(self.connection)
        return ok

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_POST(self) -> None:
        if self.server.app is None or self.path.startswith("/metrics"):
            self._send(405, b"method not allowed\n", "text/plain; charset=utf-8")
            return
        self._dispatch(head=False)

    def _authorized(self) -> bool:
        auth = self.server.web_config.basic_auth
        if auth is None:
            return True
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return bool(sep) and auth.check(user, password)

    def _dispatch(self, *, head: bool) -> None:
        if self.server.saturated:
            self.close_connection = True
        if not self._authorized():
            self._send(
                401,
                b"Unauthorized\n",
                "text/plain; charset=utf-8",
                extra={"WWW-Authenticate": 'Basic realm="darwin-metrics"'},
                head=head,
            )
            return
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            try:
                body = generate_latest(self.server.registry)
            except Exception:
                log.exception("scrape failed")
                self._send(500, b"scrape failed\n", "text/plain; charset=utf-8", head=head)
                return
            self._send(200, body, CONTENT_TYPE_LATEST, head=head)
        elif self.server.app is not None:
            self._run_app(self.server.app)
        elif path == "/":
            self._send(200, _INDEX, "text/html; charset=utf-8", head=head)
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", head=head)

    def _send(
        self,
        code: int,
        body: bytes,
        content_type: str,
        *,
        extra: dict[str, str] | None = None,
        head: bool = False,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**self.server.web_config.headers, **(extra or {})}.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _run_app(self, app: WSGIApp) -> None:
        from wsgiref.handlers import SimpleHandler

        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": self.headers.get("Content-Length", ""),
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value
        if isinstance(self.connection, ssl.SSLSocket):
            environ["HTTPS"] = "on"
        handler = SimpleHandler(
            cast(IO[bytes], self.rfile),
            cast(IO[bytes], self.wfile),
            cast(Any, _LogStream()),
            environ,
            multithread=True,
        )
        # HTTP/1.0 framing: the app may stream without a length, so the response ends with the
        # connection (hop-by-hop headers such as Connection may not pass through WSGI).
        handler.http_version = "1.0"
        handler.origin_server = True
        handler.server_software = self.server_version
        handler.os_environ = {}
        extra = dict(self.server.web_config.headers)

        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                names = {n.lower() for n, _ in headers}
                headers = headers + [(n, v) for n, v in extra.items() if n.lower() not in names]
                return start_response(status, headers, exc_info)

            return app(environ, start)

        self.close_connection = True
        handler.run(wrapped)


class _LogStream:
    """The WSGI error stream, to the logger."""

    def write(self, text: str) -> int:
        if text.strip():
            log.debug("wsgi: %s", text.rstrip())
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        return None


def make_registry(collector: Any) -> CollectorRegistry:
    """A registry holding only ``collector`` (no process or platform collectors of the client)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def find_web_app(db_path: str | None, interval: float) -> WSGIApp | None:
    """The live web page's WSGI app when ``darwin_metrics.web`` is installed, else ``None``."""
    try:
        from darwin_metrics.web.app import make_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    app: WSGIApp = make_app(db_path=db_path, interval=interval)
    return app
