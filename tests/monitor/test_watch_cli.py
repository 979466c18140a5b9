"""``darwin-metrics watch``: JSON lines, rules from --on, --events, bad arguments, SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from darwin_metrics.cli.main import main

pytestmark = pytest.mark.live


def _watch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "darwin_metrics", "watch", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_json_lines_from_a_rule() -> None:
    done = _watch(
        "--json", "--families", "memory", "--interval", "0.2", "--duration", "1.5",
        "--on", "memory.total>0", "--events", "threshold_crossed",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(e["event"], e["path"], e["active"]) for e in events] == [
        ("threshold_crossed", "memory.total", True)
    ]
    assert "watching every 0.2 s" in done.stderr


def test_human_lines() -> None:
    done = _watch(
        "--families", "memory", "--no-processes", "--duration", "1", "--on", "memory.used>0"
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.splitlines()[0]
    assert "threshold_crossed" in line and "path=memory.used" in line and "active=True" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--on", "cpu.nope>1"], "no field 'nope'"),
        (["--on", "cpu.percent 90"], "expected PATH OP NUMBER"),
        (["--events", "process_started,bogus"], "unknown event kind(s) bogus"),
        (["--families", "cpu,nothing"], "unknown families: nothing"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_exits_cleanly_on_signals(signum: int) -> None:
    proc = subprocess.Popen(
        # Not volumes: a wedged FUSE mount (another test's) leaves a statvfs thread in the
        # kernel, and a process with such a thread cannot finish exiting until it returns.
        [sys.executable, "-m", "darwin_metrics", "watch", "--families", "memory"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    assert "watching" in proc.stderr.readline()
    time.sleep(0.3)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
