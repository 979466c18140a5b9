"""Arguments of public functions (issue 9): wrong types are TypeError, bad values ValueError, and a
mistyped root in the environment is an error at start."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import darwin_metrics
from darwin_metrics.errors import NotSupported
from darwin_metrics.linux.backend import LinuxBackend
from tests.conftest import REPO

CALLS: list[tuple[str, Callable[[Any], Any]]] = [
    ("process", darwin_metrics.process),
    ("threads", darwin_metrics.threads),
    ("process_connections", darwin_metrics.process_connections),
    ("network_stats", darwin_metrics.network_stats),
    ("socket_stats", darwin_metrics.socket_stats),
    ("cgroup", darwin_metrics.cgroup),
]


@pytest.mark.parametrize(("name", "call"), CALLS)
@pytest.mark.parametrize("bad", ["../../etc", "self", "1", 1.0, True, b"1", [1]])
def test_wrong_type_is_type_error(name: str, call: Callable[[Any], Any], bad: object) -> None:
    with pytest.raises(TypeError, match="pid must be an int"):
        call(bad)


@pytest.mark.parametrize(("name", "call"), CALLS)
@pytest.mark.parametrize("bad", [0, -1, 2**31, 10**30])
def test_out_of_range_is_value_error(name: str, call: Callable[[Any], Any], bad: int) -> None:
    with pytest.raises(ValueError, match="pid must be from 1"):
        call(bad)


def test_cgroup_path_traversal_reads_nothing(tmp_path: Any) -> None:
    backend = LinuxBackend(procfs=str(tmp_path), sysfs=str(tmp_path))
    with pytest.raises(TypeError):
        backend.cgroup("../../etc")  # type: ignore[arg-type]


def test_valid_pid_still_works() -> None:
    assert darwin_metrics.process(os.getpid()).pid == os.getpid()
    assert darwin_metrics.network_stats(os.getpid()) is not None
    assert darwin_metrics.socket_stats(os.getpid()).sockets_used is not None


@pytest.mark.parametrize("variable", ["DARWIN_METRICS_PROCFS", "DARWIN_METRICS_SYSFS"])
def test_mistyped_root_is_an_error_at_start(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, "/nonexistent/proc")
    with pytest.raises(NotSupported, match=f"{variable}=/nonexistent/proc is not a directory"):
        LinuxBackend()
    done = subprocess.run(
        [sys.executable, "-m", "darwin_metrics", "snapshot", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, variable: "/nonexistent/proc"},
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == f"darwin-metrics: {variable}=/nonexistent/proc is not a directory"
