"""``darwin-metrics top`` for real, in an 80x24 tmux session: it draws, takes keys, follows a
resize, quits.

Needs the ``tmux`` binary (``make integration`` installs it); skipped with the reason otherwise.
Runs on its own tmux server socket, killed at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("tmux") is None, reason="tmux is not installed (apt install tmux)"
    ),
]

SCRIPT = Path(sys.executable).parent / "darwin-metrics"


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=20,
        )

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "top").stdout

    def wait_for(self, ok: Callable[[str], bool], seconds: float = 30.0) -> str:
        deadline = time.monotonic() + seconds
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if ok(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"the screen never got there; last screen:\n{text}")


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux(f"darwin-metrics-test-{os.getpid()}")
    command = f"{SCRIPT} top --interval 0.5"
    server("new-session", "-d", "-s", "top", "-x", "80", "-y", "24", command)
    try:
        yield server
    finally:
        server("kill-server", check=False)


def test_top_in_tmux(tmux: Tmux) -> None:
    host = os.uname().nodename
    screen = tmux.wait_for(lambda s: "PID" in s and "load" in s and "Memory" in s)
    assert host in screen.splitlines()[0]
    assert "CPU" in screen and "q quit" in screen
    assert "none on this machine" not in screen

    tmux("send-keys", "-t", "top", "m")
    tmux.wait_for(lambda s: "RSS▼" in s)

    lines = tmux.screen().splitlines()
    assert len(lines) <= 24 and max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "PID" in line and "NAME" in line)
    assert "RSS▼" in header and "USER" in header
    # the panels' lines fit inside their frames (the panels' scrollbar may follow a frame)
    framed = [line.rstrip(" ▁▂▃▄▅▆▇█▔▕") for line in lines if line.startswith("│")]
    assert framed and all(line.endswith("│") for line in framed), "\n".join(lines)

    tmux("send-keys", "-t", "top", "/")
    tmux.wait_for(lambda s: "filter: words" in s)  # the box is open
    tmux("send-keys", "-t", "top", "-l", "user:root")
    tmux("send-keys", "-t", "top", "Enter")
    tmux.wait_for(lambda s: "filter 'user:root'" in s)

    tmux("send-keys", "-t", "top", "q")
    deadline = time.monotonic() + 10
    while tmux("has-session", "-t", "top", check=False).returncode == 0:
        assert time.monotonic() < deadline, "top did not quit on q"
        time.sleep(0.2)


def test_top_follows_a_resize_in_tmux(tmux: Tmux) -> None:
    tmux.wait_for(lambda s: "PID" in s and "load" in s and "Memory" in s)
    tmux("send-keys", "-t", "top", "m")
    tmux.wait_for(lambda s: "RSS▼" in s)
    tmux("resize-window", "-t", "top", "-x", "60", "-y", "24")
    # the table's columns are chosen again for 60 columns: NAME whole, storage I/O dropped
    screen = tmux.wait_for(
        lambda s: any("RSS▼" in x and "NAME" in x and "READ/s" not in x for x in s.splitlines())
    )
    lines = screen.splitlines()
    assert max(len(line) for line in lines) <= 60
    framed = [line.rstrip(" ▁▂▃▄▅▆▇█▔▕") for line in lines if line.startswith("│")]
    assert all(line.endswith("│") for line in framed), screen
