"""The CLI's output errors and interrupts (issue 9): one line on stderr and a non-zero exit for a
full device, a closed standard output or a broken pipe; exit 130, quietly, on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

COMMAND = [sys.executable, "-m", "darwin_metrics", "snapshot", "--json", "--no-processes"]


def _run(**kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        COMMAND, cwd=REPO, stderr=subprocess.PIPE, text=True, timeout=120, **kwargs
    )  # type: ignore[call-overload,no-any-return]


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_full_device() -> None:
    with open("/dev/full", "w") as full:
        done = _run(stdout=full)
    assert done.returncode == 1
    assert "No space left on device" in _one_line(done.stderr)


def test_closed_stdout() -> None:
    done = subprocess.run(
        ["/bin/sh", "-c", '"$@" >&-', "sh", *COMMAND],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "cannot write the output" in _one_line(done.stderr)


def test_broken_pipe() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails with EPIPE
    try:
        done = _run(stdout=write_end)
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert "Broken pipe" in _one_line(done.stderr)


@pytest.mark.parametrize("delay", [1.0, 2.0])
def test_ctrl_c_exits_130_quietly(delay: float) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "darwin_metrics", "processes", "--interval", "30"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip() == ""


def test_ctrl_c_while_the_cli_loads() -> None:
    """An interrupt while ``darwin_metrics.cli.main`` imports its modules ends the process with 130
    and no import traceback (the handler that does it is put back once the module has loaded)."""
    code = (
        "import os, signal\n"
        "import darwin_metrics.cli.common\n"  # the heavy part of the import, already loaded
        "import builtins\n"
        "real = builtins.__import__\n"
        "def interrupting(name, *a, **k):\n"
        "    if name == 'darwin_metrics.errors' and not getattr(builtins, '_sent', False):\n"
        "        builtins._sent = True\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = interrupting\n"
        "import darwin_metrics.cli.main\n"
        "print('not interrupted')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 130, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
