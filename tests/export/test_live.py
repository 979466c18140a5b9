"""The exposition of this machine against independent readings (psutil, statvfs)."""

from __future__ import annotations

import os

import psutil
import pytest

from darwin_metrics.export.collector import SnapshotCollector
from tests.export.helpers import exposition, values

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def text() -> str:
    return exposition(SnapshotCollector(top_processes=0))


def test_memory_total_matches_psutil(text: str) -> None:
    name = "node_memory_total_bytes" if psutil.MACOS else "node_memory_MemTotal_bytes"
    assert values(text, name) == {(): float(psutil.virtual_memory().total)}


def test_one_idle_series_per_logical_cpu(text: str) -> None:
    idle = {
        k: v for k, v in values(text, "node_cpu_seconds_total").items() if ("mode", "idle") in k
    }
    assert len(idle) == psutil.cpu_count()


def test_load_average_matches(text: str) -> None:
    one = values(text, "node_load1")[()]
    assert abs(one - os.getloadavg()[0]) < max(1.0, 0.5 * os.getloadavg()[0])


def test_network_counters_match_psutil(text: str) -> None:
    ours = {
        dict(k)["device"]: v for k, v in values(text, "node_network_receive_bytes_total").items()
    }
    theirs = psutil.net_io_counters(pernic=True)
    assert ours, "no interface counters"
    for device, received in ours.items():
        if device in theirs:
            # the counters move between the two reads; bytes received on loopback by this test alone
            # stay far below 64 MiB
            assert 0 <= theirs[device].bytes_recv - received < 64 << 20, device


def test_root_file_system_size_matches_statvfs(text: str) -> None:
    sizes = {
        dict(k)["mountpoint"]: v for k, v in values(text, "node_filesystem_size_bytes").items()
    }
    if "/" not in sizes:
        pytest.skip("the root file system is a pseudo file system here (overlay in a container?)")
    st = os.statvfs("/")
    assert sizes["/"] == float(st.f_blocks * st.f_frsize)
