"""The exporter's HTTP server: routes, basic auth, TLS, and clients that misbehave."""

from __future__ import annotations

import base64
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from darwin_metrics.export.server import parse_listen
from darwin_metrics.export.webconfig import load
from tests.export.serving import base_url, make_certificates, running


class Fixed(Collector):
    """A collector with ``size`` gauge samples; counts its scrapes."""

    def __init__(self, size: int = 1) -> None:
        self.size = size
        self.scrapes = 0

    def collect(self) -> Iterator[Metric]:
        self.scrapes += 1
        family = GaugeMetricFamily("test_value", "A test gauge.", labels=["n"])
        for n in range(self.size):
            family.add_metric([str(n)], float(n))
        yield family


def get(
    url: str, headers: dict[str, str] | None = None, context: Any = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_metrics_route_serves_the_exposition() -> None:
    with running(Fixed(3)) as server:
        status, headers, body = get(base_url(server) + "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=")
    assert b'test_value{n="2"} 2.0' in body


def test_index_links_to_metrics_and_unknown_paths_are_404() -> None:
    with running(Fixed()) as server:
        status, headers, body = get(base_url(server) + "/")
        missing, _, _ = get(base_url(server) + "/nope")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'href="/metrics"' in body
    assert missing == 404


def test_other_paths_go_to_the_wsgi_app() -> None:
    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["PATH_INFO"] + "?" + environ["QUERY_STRING"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']

    with running(Fixed(), app=app) as server:
        status, _, body = get(base_url(server) + "/api/snapshot?x=1")
        metrics, _, text = get(base_url(server) + "/metrics")
    assert (status, body) == (200, b'{"ok": true}')
    assert seen == ["/api/snapshot?x=1"]
    assert metrics == 200 and b"test_value" in text


def _auth_config(tmp_path: Path) -> Path:
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
    path = tmp_path / "web.yml"
    path.write_text(
        f"basic_auth_users:\n  alice: '{hashed}'\nhttp_server_config:\n  headers:\n"
        "    X-Frame-Options: deny\n"
    )
    return path


def test_basic_auth_rejects_missing_and_wrong_passwords(tmp_path: Path) -> None:
    config = load(str(_auth_config(tmp_path)))
    with running(Fixed(), web_config=config) as server:
        url = base_url(server) + "/metrics"
        none, headers, _ = get(url)
        wrong, _, _ = get(url, basic("alice", "nope"))
        unknown, _, _ = get(url, basic("bob", "s3cret"))
        garbage, _, _ = get(url, {"Authorization": "Basic !!!"})
        ok, ok_headers, body = get(url, basic("alice", "s3cret"))
        again, _, _ = get(url, basic("alice", "s3cret"))  # served from the check cache
    assert (none, wrong, unknown, garbage) == (401, 401, 401, 401)
    assert headers["WWW-Authenticate"].startswith("Basic")
    assert (ok, again) == (200, 200) and b"test_value" in body
    assert ok_headers["X-Frame-Options"] == "deny"


@pytest.mark.integration
def test_tls_serves_https_and_survives_plain_http(tmp_path: Path) -> None:
    certs = make_certificates(tmp_path)
    path = tmp_path / "web.yml"
    path.write_text("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
    config = load(str(path))
    context = ssl.create_default_context(cafile=str(certs["ca.crt"]))
    with running(Fixed(), web_config=config, header_timeout=1.0) as server:
        host, port = server.server_address[:2]
        silent = socket.create_connection((host, port), timeout=5)  # never starts the handshake
        status, _, body = get(base_url(server, "https") + "/metrics", context=context)
        started = time.monotonic()
        assert silent.recv(10) == b""  # cut off at the header deadline
        assert time.monotonic() - started < 3.0
        silent.close()
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            urllib.request.urlopen(base_url(server) + "/metrics", timeout=5).read()
        again, _, _ = get(base_url(server, "https") + "/metrics", context=context)
    assert (status, again) == (200, 200) and b"test_value" in body


@pytest.mark.integration
def test_tls_client_certificates_are_required_when_configured(tmp_path: Path) -> None:
    certs = make_certificates(tmp_path)
    path = tmp_path / "web.yml"
    path.write_text(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
    )
    config = load(str(path))
    anonymous = ssl.create_default_context(cafile=str(certs["ca.crt"]))
    with_cert = ssl.create_default_context(cafile=str(certs["ca.crt"]))
    with_cert.load_cert_chain(str(certs["client.crt"]), str(certs["client.key"]))
    with running(Fixed(), web_config=config) as server:
        url = base_url(server, "https") + "/metrics"
        with pytest.raises((urllib.error.URLError, ssl.SSLError, ConnectionError, OSError)):
            get(url, context=anonymous)
        status, _, _ = get(url, context=with_cert)
    assert status == 200


def test_slow_headers_are_cut_off_and_do_not_block_scrapes() -> None:
    with running(Fixed(), header_timeout=1.0) as server:
        host, port = server.server_address[:2]
        slow = socket.create_connection((host, port))
        slow.settimeout(5)
        started = time.monotonic()
        closed_after = None
        for byte in b"GET /metrics HTTP/1.1\r\nHost: x\r\n":
            try:
                slow.sendall(bytes([byte]))
            except OSError:
                closed_after = time.monotonic() - started
                break
            status, _, _ = get(base_url(server) + "/metrics")
            assert status == 200
            time.sleep(0.1)
            if time.monotonic() - started > 1.5:
                break
        if closed_after is None:
            assert slow.recv(100) == b""  # the server shut the connection down
            closed_after = time.monotonic() - started
        slow.close()
    assert closed_after < 3.0


def test_a_client_that_never_reads_does_not_block_scrapes() -> None:
    big = Fixed(size=200_000)  # about 5 MB of exposition
    with running(big, io_timeout=1.0) as server:
        host, port = server.server_address[:2]
        stuck = socket.create_connection((host, port))
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        small = Fixed()
        started = time.monotonic()
        with running(small) as other:  # sanity: a separate server is unaffected either way
            assert get(base_url(other) + "/metrics")[0] == 200
        status, _, body = get(base_url(server) + "/metrics", timeout=60)
        assert status == 200 and len(body) > 1_000_000
        assert time.monotonic() - started < 60
        stuck.close()


def test_malformed_requests_get_400_and_the_server_goes_on() -> None:
    with running(Fixed()) as server:
        host, port = server.server_address[:2]
        for junk in (b"\x00\x01\x02 garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"):
            with socket.create_connection((host, port), timeout=5) as s:
                s.sendall(junk)
                reply = s.recv(200)
            assert b"400" in reply or b"505" in reply  # HTTP/0.9-style junk gets a bare body
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(
                b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n"
            )
            assert s.recv(200).split(b"\r\n")[0].split(b" ")[1] in (b"400", b"431")
        assert get(base_url(server) + "/metrics")[0] == 200


def test_idle_keepalive_connections_cannot_hold_every_slot() -> None:
    with running(Fixed(), max_connections=2, header_timeout=1.0) as server:
        host, port = server.server_address[:2]
        idle = [socket.create_connection((host, port)) for _ in range(2)]
        started = time.monotonic()
        status, _, _ = get(base_url(server) + "/metrics")
        waited = time.monotonic() - started
        for s in idle:
            s.close()
    assert status == 200 and waited < 4.0


def test_concurrent_scrapes_all_succeed() -> None:
    collector = Fixed(100)
    results: list[int] = []
    with running(collector) as server:
        url = base_url(server) + "/metrics"

        def scrape() -> None:
            for _ in range(5):
                results.append(get(url)[0])

        threads = [threading.Thread(target=scrape) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == [200] * 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9101", ("127.0.0.1", 9101)),
        (":9101", ("", 9101)),
        ("[::1]:9101", ("::1", 9101)),
        ("localhost:0", ("localhost", 0)),
    ],
)
def test_parse_listen(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["9101", "host:", "host:99999", "host:abc"])
def test_parse_listen_rejects_bad_addresses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_listen(text)


def test_the_live_web_page_is_served_beside_metrics() -> None:
    from darwin_metrics.export.server import find_web_app

    app = find_web_app(None, 1.0)
    if app is None:
        pytest.skip("darwin_metrics.web is not installed")
    with running(Fixed(), app=app) as server:
        page, headers, body = get(base_url(server) + "/")
        info, _, info_body = get(base_url(server) + "/api/info")
        metrics, _, text = get(base_url(server) + "/metrics")
    assert page == 200 and headers["Content-Type"].startswith("text/html") and body
    assert info == 200 and b'"interval":1.0' in info_body.replace(b" ", b"")
    assert metrics == 200 and b"test_value" in text
