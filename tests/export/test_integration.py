"""Real components: a Prometheus server scraping ``darwin-metrics serve`` (read back through its HTTP
query API), and ``wrk`` loading it with 50 connections while hostile clients misbehave.

Marked ``integration``: each test skips with the reason when its binary is missing
(``make integration`` installs them with apt).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest

import darwin_metrics
from tests.export.serving import make_certificates

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (make integration installs it with apt)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, deadline: float = 60.0, answered: bool = False, **kw: object) -> None:
    """Poll ``url`` until it returns 200 (or, with ``answered``, any HTTP status at all)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2, **kw).read()  # type: ignore[call-overload]
            return
        except urllib.error.HTTPError:
            if answered:
                return
            time.sleep(0.2)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up in {deadline} s")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    """Start ``darwin-metrics serve`` as a subprocess; yields a function (args) -> (process, port)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "darwin_metrics",
                "serve",
                "--listen",
                f"127.0.0.1:{port}",
                *args,
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process, port

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def query(prometheus: str, expr: str) -> list[dict[str, object]]:
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.load(response)
    assert body["status"] == "success", body
    result: list[dict[str, object]] = body["data"]["result"]
    return result


def test_prometheus_scrapes_serve_with_tls_and_basic_auth(tmp_path: Path, serve: object) -> None:
    binary = need("prometheus")
    certs = make_certificates(tmp_path)
    hashed = bcrypt.hashpw(b"scrape-pw", bcrypt.gensalt(rounds=6)).decode()
    web = tmp_path / "web.yml"
    web.write_text(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        f"basic_auth_users:\n  prom: '{hashed}'\n"
    )
    plain, plain_port = serve()  # type: ignore[operator]
    secure, secure_port = serve("--web.config.file", str(web))  # type: ignore[operator]
    wait_for(f"http://127.0.0.1:{plain_port}/metrics")
    (tmp_path / "pw").write_text("scrape-pw")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: plain
    static_configs: [{{targets: ["127.0.0.1:{plain_port}"]}}]
  - job_name: secure
    scheme: https
    tls_config: {{ca_file: {certs["ca.crt"]}}}
    basic_auth: {{username: prom, password_file: {tmp_path / "pw"}}}
    static_configs: [{{targets: ["127.0.0.1:{secure_port}"]}}]
  - job_name: wrong-password
    scheme: https
    tls_config: {{ca_file: {certs["ca.crt"]}}}
    basic_auth: {{username: prom, password: nope}}
    static_configs: [{{targets: ["127.0.0.1:{secure_port}"]}}]
"""
    )
    web_port = free_port()
    prometheus = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{web_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{web_port}"
    try:
        wait_for(f"{url}/-/ready")
        deadline = time.monotonic() + 60
        up: dict[str, float] = {}
        while time.monotonic() < deadline:
            try:
                up = {r["metric"]["job"]: float(r["value"][1]) for r in query(url, "up")}  # type: ignore[index]
            except urllib.error.HTTPError:  # 503 while Prometheus finishes starting
                time.sleep(0.5)
                continue
            if up.get("plain") == 1 and up.get("secure") == 1 and "wrong-password" in up:
                break
            time.sleep(0.5)
        assert up == {"plain": 1.0, "secure": 1.0, "wrong-password": 0.0}, up
        total = darwin_metrics.memory().total
        for job in ("plain", "secure"):
            memtotal = query(url, f'node_memory_MemTotal_bytes{{job="{job}"}}')
            assert float(memtotal[0]["value"][1]) == total  # type: ignore[index]
            cpus = query(url, f'count(node_cpu_seconds_total{{job="{job}",mode="idle"}})')
            assert int(cpus[0]["value"][1]) == darwin_metrics.cpu().logical_count  # type: ignore[index]
            ok = query(url, f'min(darwin_metrics_scrape_collector_success{{job="{job}"}})')
            assert ok and float(ok[0]["value"][1]) == 1.0  # type: ignore[index]
        rate = query(url, 'sum(rate(node_cpu_seconds_total{job="plain"}[10s]))')
        assert rate == [] or float(rate[0]["value"][1]) >= 0  # type: ignore[index]
    finally:
        prometheus.terminate()
        prometheus.wait(timeout=20)
    assert plain.poll() is None and secure.poll() is None  # type: ignore[attr-defined]


def _rss_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.MULTILINE)
    assert match
    return int(match.group(1))


def _hostile_clients(port: int, stop: threading.Event, failures: list[str]) -> None:
    """A one-byte-a-second client, a client that never reads, and malformed requests."""
    slow = socket.create_connection(("127.0.0.1", port))
    stuck = socket.create_connection(("127.0.0.1", port))
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
    sent = 0
    while not stop.is_set():
        try:
            stuck.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        except OSError:
            stuck.close()
            stuck = socket.create_connection(("127.0.0.1", port))
        try:
            slow.sendall(request[sent % len(request) : sent % len(request) + 1])
            sent += 1
        except OSError:
            slow.close()
            slow = socket.create_connection(("127.0.0.1", port))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as junk:
                junk.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
                junk.recv(100)
        except OSError as exc:
            failures.append(f"malformed: {exc}")
        stop.wait(1.0)
    slow.close()
    stuck.close()


def test_wrk_50_connections_for_10_seconds(serve: object) -> None:
    binary = need("wrk")
    process, port = serve("--collector.processes", "--collector.connections")  # type: ignore[operator]
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for(url)
    for _ in range(3):
        urllib.request.urlopen(url, timeout=10).read()
    rss_before = _rss_kib(process.pid)
    stop = threading.Event()
    failures: list[str] = []
    hostile = threading.Thread(target=_hostile_clients, args=(port, stop, failures))
    hostile.start()
    probe_latencies: list[float] = []

    def probe() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    assert response.status == 200
                probe_latencies.append(time.monotonic() - started)
            except OSError as exc:
                failures.append(f"probe: {exc}")
            stop.wait(0.5)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        result = subprocess.run(
            [binary, "-t2", "-c50", "-d10s", "--timeout", "10s", url],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stop.set()
        hostile.join()
        prober.join()
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Non-2xx" not in out, out
    assert "Socket errors" not in out, out
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    assert requests > 0, out
    assert not failures, failures
    assert probe_latencies, "no probe scrape completed during the load"
    rss_after = _rss_kib(process.pid)
    assert rss_after < rss_before + 150 * 1024, (rss_before, rss_after)
    assert process.poll() is None
    print(
        f"wrk: {requests} scrapes; RSS {rss_before} → {rss_after} KiB; "
        f"probe max {max(probe_latencies):.2f} s",
        file=sys.stderr,
    )
