"""``darwin-metrics serve`` and ``otel`` argument handling, and ``serve`` end to end."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.cli.main import main
from darwin_metrics.export.server import parse_listen
from tests.conftest import REPO


def test_serve_rejects_an_unknown_collector(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--collectors", "cpu,bogus"]) == 2
    assert "unknown collector(s): bogus" in capsys.readouterr().err


def test_serve_rejects_a_bad_listen_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--listen", "nowhere"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err


def test_serve_rejects_an_invalid_web_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "web.yml"
    config.write_text("basic_auth_users:\n  alice: plaintext\n")
    assert main(["serve", "--web.config.file", str(config)]) == 2
    assert "basic_auth_users.alice is not a bcrypt hash" in capsys.readouterr().err


def test_serve_reports_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--listen", f"127.0.0.1:{port}"]) == 1
    assert "cannot listen on" in capsys.readouterr().err


def test_serve_help_lists_the_collector_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--no-collector.NAME" in out and "127.0.0.1:9101" in out


def test_serve_end_to_end_on_the_captured_tree(tmp_path: Path, ne_tree: object) -> None:
    """The roots come from DARWIN_METRICS_PROCFS/SYSFS; the page and /metrics answer."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "DARWIN_METRICS_PROCFS": str(ne_tree.proc),  # type: ignore[attr-defined]
        "DARWIN_METRICS_SYSFS": str(ne_tree.sys),  # type: ignore[attr-defined]
        "PATH": "/usr/bin:/bin",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "darwin_metrics",
            "serve",
            "--listen",
            f"127.0.0.1:{port}",
            "--no-collector.wifi",
        ],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        body = b""
        for _ in range(100):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        assert b'node_hwmon_temp_celsius{chip="platform_coretemp_0",sensor="temp1"} 55.0' in body
        assert b"node_wifi" not in body
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert f"serving http://127.0.0.1:{port}/metrics".encode() in err


@given(st.text(max_size=40))
def test_parse_listen_never_crashes(text: str) -> None:
    try:
        host, port = parse_listen(text)
    except ValueError:
        return
    assert 0 <= port <= 65535 and isinstance(host, str)
