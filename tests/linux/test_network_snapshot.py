"""The network and container families inside snapshot(), capabilities() and the Sampler."""

from __future__ import annotations

import json
import time

import pytest

import darwin_metrics as dm
from darwin_metrics.backend import Backend
from darwin_metrics.collect import take_snapshot
from darwin_metrics.errors import NotSupported
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.records import to_dict
from tests.conftest import Tree

FAMILIES = ("connection_counts", "network_stats", "wifi", "cgroup")


def test_base_backend_says_not_supported() -> None:
    backend = Backend()
    for call in (
        lambda: backend.connections(),
        lambda: backend.connection_counts(),
        lambda: backend.process_connections(1),
        lambda: backend.wifi(),
        lambda: backend.network_stats(),
        lambda: backend.cgroup(),
    ):
        with pytest.raises(NotSupported):
            call()


def test_snapshot_of_captured_tree(pf_tree: Tree) -> None:
    backend = LinuxBackend(procfs=pf_tree.roots.procfs, sysfs=pf_tree.roots.sysfs)
    snap = take_snapshot(backend, include_processes=False)
    assert snap.wifi is not None and [w.interface for w in snap.wifi] == ["wlan0", "wlan1"]
    assert snap.connection_counts is not None and snap.connection_counts.total == 15
    # listening ports in a snapshot carry no owners: the /proc/*/fd scan is left out
    assert {p.pids for p in snap.connection_counts.listening} == {None}
    assert snap.network_stats is None  # that tree has no proc/net/snmp (only proc/26231/net)
    assert snap.cgroup is None  # nor any cgroup file


@pytest.mark.live
def test_live_snapshot_and_capabilities() -> None:
    snap = take_snapshot(LinuxBackend(), include_processes=False)
    assert snap.network_stats is not None and snap.connection_counts is not None
    assert snap.wifi is not None
    json.dumps(to_dict(snap))
    names = {f.name: f for f in dm.capabilities().families}
    assert set(FAMILIES) <= set(names)
    assert names["network_stats"].supported
    assert "tcp.active_opens" in names["network_stats"].fields


@pytest.mark.live
def test_live_sampler_rates() -> None:
    sampler = dm.Sampler(processes=False)
    sampler.sample()
    time.sleep(0.05)
    rates = sampler.sample().rates
    assert rates is not None and rates.network_stats is not None
    assert rates.network_stats.tcp_out_segments is not None
    assert rates.network_stats.tcp_out_segments >= 0
    assert rates.interface_loss is not None
