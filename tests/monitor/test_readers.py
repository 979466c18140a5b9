"""The Monitor's own cheap readers on the live system, cross-checked: the one-file-per-process
table against ``processes()`` and psutil, the listeners-only socket dump against
``connection_counts()`` and ``ss``; and which families a tick reads."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys

import psutil
import pytest

import darwin_metrics as dm
from darwin_metrics.monitor import Monitor

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux readers"),
]


def test_stat_table_agrees_with_processes_and_psutil() -> None:
    from darwin_metrics.monitor.proctable import StatTable

    table = {p.pid: p for p in StatTable().read()}
    full = {p.pid: p for p in dm.processes()}
    common = table.keys() & full.keys()
    assert len(common) >= 0.9 * len(full)
    for pid in common:
        a, b = table[pid], full[pid]
        assert (a.create_time, a.ppid) == (b.create_time, b.ppid), pid
    me = table[psutil.Process().pid]
    assert me.create_time == pytest.approx(psutil.Process().create_time(), abs=0.02)
    assert me.num_threads is not None and me.memory is not None and me.memory.rss > 0
    again = {p.pid: p for p in StatTable().read()}
    assert again.keys() & table.keys()


def test_listening_sockets_agree_with_connection_counts_and_ss() -> None:
    from darwin_metrics.linux.connections import read_listening_sockets

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        mine = {
            (c.protocol, c.family, c.local_address, c.local_port) for c in read_listening_sockets()
        }
        counted = {
            (p.protocol, p.family, p.address, p.port)
            for p in dm.connection_counts(pids=False).listening
        }
        assert ("tcp", "ipv4", "127.0.0.1", port) in mine
        assert {k for k in mine if k[0] == "tcp"} == {k for k in counted if k[0] == "tcp"}
        if shutil.which("ss"):
            out = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True, check=True)
            ports = {int(line.split()[3].rsplit(":", 1)[1]) for line in out.stdout.splitlines()}
            assert {k[3] for k in mine if k[0] == "tcp"} == ports
    finally:
        server.close()


def test_polled_families_follow_detectors_rules_and_pushes() -> None:
    monitor = Monitor(processes=False)
    base = monitor.polled_families()
    assert "memory" in base and "volumes" in base and "cpu" not in base
    assert "processes" not in base and "connection_counts" not in base
    monitor.threshold("cpu.percent>90")
    monitor.threshold("connection_counts[state=TIME_WAIT].count.sum>100")
    assert {"cpu", "connection_counts"} <= monitor.polled_families()
    assert Monitor(families=("cpu",), processes=False).polled_families() == {"cpu"}
    with pytest.raises(ValueError, match="unknown families: nope"):
        Monitor(families=("nope",))
    with pytest.raises(ValueError):
        Monitor(interval=0)
