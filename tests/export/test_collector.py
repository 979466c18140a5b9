"""The Prometheus collector: one read per scrape, collector selection, bounded process series, and
the darwin_metrics_* families from hand-made records (synthetic values)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.backend import Backend
from darwin_metrics.cli import cmd_serve
from darwin_metrics.export import extra, node_hardware, node_system
from darwin_metrics.export.collector import COLLECTOR_NAMES, SnapshotCollector, select
from darwin_metrics.export.exposition import Exposition
from darwin_metrics.export.readings import Readings
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.records.connections import ConnectionCount, ConnectionCounts, ListeningPort
from darwin_metrics.records.gpu import GPU, GPUProcess
from darwin_metrics.records.power import Power, PowerRail
from darwin_metrics.records.sensors import Fan
from darwin_metrics.records.snapshot import Snapshot
from tests.conftest import Tree
from tests.export.helpers import exposition, parse, values
from tests.support import make


class Counting:
    """A backend proxy that counts each family call."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if name == "shared_reads" or not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return target(*args, **kwargs)

        return call


def ne_backend(tree: Tree) -> LinuxBackend:
    return LinuxBackend(procfs=str(tree.proc), sysfs=str(tree.sys))


def test_one_scrape_reads_each_family_once(ne_tree: Tree) -> None:
    backend = Counting(ne_backend(ne_tree))
    collector = SnapshotCollector(backend, collectors=COLLECTOR_NAMES, top_processes=3)  # type: ignore[arg-type]
    exposition(collector)
    assert backend.calls, "nothing was read"
    assert max(backend.calls.values()) == 1, backend.calls
    assert collector.reads == 1


def test_concurrent_scrapes_share_reads(ne_tree: Tree) -> None:
    collector = SnapshotCollector(ne_backend(ne_tree), top_processes=0)
    barrier = threading.Barrier(8)

    def scrape() -> None:
        barrier.wait()
        list(collector.collect())

    threads = [threading.Thread(target=scrape) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 <= collector.reads < 8


def test_a_later_scrape_reads_again(ne_tree: Tree) -> None:
    collector = SnapshotCollector(ne_backend(ne_tree), top_processes=0)
    list(collector.collect())
    list(collector.collect())
    assert collector.reads == 2


def test_selection_limits_families_and_reads(ne_tree: Tree) -> None:
    backend = Counting(ne_backend(ne_tree))
    text = exposition(SnapshotCollector(backend, collectors=["loadavg"]))  # type: ignore[arg-type]
    names = {f for f in parse(text) if not f.startswith("darwin_metrics_scrape")}
    assert names == {"node_load1", "node_load5", "node_load15"}
    assert set(backend.calls) == {"cpu"}


def test_select_defaults_disabling_and_unknown_names() -> None:
    assert select() == tuple(n for n in COLLECTOR_NAMES if n not in ("connections", "processes"))
    assert select(None, [], ["connections", "processes"]) == COLLECTOR_NAMES
    assert "wifi" not in select(None, ["wifi"])
    assert select(["cpu", "gpu"], ["gpu"]) == ("cpu",)
    with pytest.raises(ValueError, match="unknown collector"):
        select(["cpu", "nope"])


def test_cli_lists_every_collector() -> None:
    assert cmd_serve.COLLECTORS == COLLECTOR_NAMES


def test_a_failing_collector_is_reported_and_the_rest_still_served(
    ne_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from darwin_metrics.export import collector as module

    def broken(out: Exposition, r: Readings) -> None:
        raise RuntimeError("boom")

    specs = tuple(
        type(s)(s.name, s.reads, broken, s.help) if s.name == "loadavg" else s
        for s in module.COLLECTORS
    )
    monkeypatch.setattr(module, "COLLECTORS", specs)
    text = exposition(SnapshotCollector(ne_backend(ne_tree), collectors=["loadavg", "stat"]))
    success = values(text, "darwin_metrics_scrape_collector_success")
    assert success[(("collector", "loadavg"),)] == 0.0
    assert success[(("collector", "stat"),)] == 1.0
    assert values(text, "node_boot_time_seconds")


def test_top_processes_are_bounded() -> None:
    procs = tuple(
        make.proc(pid, user=float(pid % 7), rss=(pid * 37 % 101) << 20) for pid in range(1, 201)
    )
    rates = {p.pid: float(p.pid % 13) for p in procs}
    chosen = extra.top_processes(procs, rates, 3)
    assert 3 <= len(chosen) <= 6
    busiest = sorted(procs, key=lambda p: rates[p.pid], reverse=True)[:3]
    largest = sorted(procs, key=lambda p: p.memory.rss if p.memory else 0, reverse=True)[:3]
    assert {p.pid for p in busiest} | {p.pid for p in largest} == {p.pid for p in chosen}
    out = Exposition()
    snap = Snapshot(timestamp=0.0, platform="linux", processes=procs)
    extra.emit_processes(out, Readings(snapshot=snap, process_cpu_rates=rates), 3)
    pids = {s.labels["pid"] for f in out.families() for s in f.samples if "pid" in s.labels}
    assert len(pids) <= 6
    assert extra.top_processes(procs, rates, 0) == []


def test_darwin_memory_uses_node_exporter_darwin_names() -> None:
    mem = make.memory()
    out = Exposition()
    node_system.emit_meminfo(
        out, Readings(snapshot=Snapshot(timestamp=0.0, platform="darwin", memory=mem))
    )
    names = {f.name for f in out.families()}
    assert {
        "node_memory_total_bytes",
        "node_memory_free_bytes",
        "node_memory_swap_used_bytes",
    } <= names
    assert not any("MemTotal" in n for n in names)


def _text(out: Exposition) -> str:
    from prometheus_client.exposition import generate_latest

    class _Registry:
        def collect(self) -> Any:
            return iter(out.families())

    return generate_latest(_Registry()).decode()  # type: ignore[arg-type]


def test_gpu_families_from_records() -> None:
    gpu = GPU(
        index=0,
        vendor="nvidia",
        name="Test GPU",
        uuid="GPU-1",
        utilization_percent=50.0,
        memory_total=8 << 30,
        memory_used=1 << 30,
        temperature_celsius=61.0,
        power_watts=120.5,
        energy_joules=1000.0,
        graphics_hertz=1_500_000_000,
        graphics_max_hertz=2_000_000_000,
        throttle_reasons=("sw_power_cap",),
        processes=(GPUProcess(pid=42, type="compute", name="train", used_memory=512 << 20),),
    )
    out = Exposition()
    extra.emit_gpu(out, Readings(snapshot=Snapshot(timestamp=0.0, platform="linux", gpus=(gpu,))))
    text = _text(out)
    assert (
        values(text, "darwin_metrics_gpu_utilization_ratio")[(("engine", "graphics"), ("gpu", "0"))]
        == 0.5
    )
    assert values(text, "darwin_metrics_gpu_power_watts") == {(("gpu", "0"),): 120.5}
    assert values(text, "darwin_metrics_gpu_energy_joules_total") == {(("gpu", "0"),): 1000.0}
    assert (
        values(text, "darwin_metrics_gpu_clock_hertz")[(("clock", "graphics"), ("gpu", "0"))]
        == 1.5e9
    )
    reasons = values(text, "darwin_metrics_gpu_throttle_reason")
    assert reasons[(("gpu", "0"), ("reason", "sw_power_cap"))] == 1.0
    assert reasons[(("gpu", "0"), ("reason", "hw_slowdown"))] == 0.0
    memory = values(text, "darwin_metrics_gpu_process_memory_bytes")
    assert memory == {
        (("gpu", "0"), ("name", "train"), ("pid", "42"), ("type", "compute")): float(512 << 20)
    }
    # what the GPU does not report is absent, never 0
    assert values(text, "darwin_metrics_gpu_fan_rpm") == {}


def test_fan_power_and_connection_families_from_records() -> None:
    fan = Fan(
        chip="nct6779", name="fan1", index=1, rpm=900, duty_percent=40.0, mode="manual", path="/x"
    )
    rail = PowerRail(
        name="package-0", source="rapl", domain="package", index=0, watts=12.5, joules=100.0
    )
    counts = ConnectionCounts(
        counts=(ConnectionCount(protocol="tcp", family="ipv4", state="LISTEN", count=2),),
        listening=(
            ListeningPort(
                protocol="tcp",
                family="ipv4",
                address="127.0.0.1",
                port=9101,
                pids=(7,),
                names=("py",),
            ),
        ),
        total=2,
    )
    snap = Snapshot(
        timestamp=0.0,
        platform="linux",
        fans=(fan,),
        power=Power(rails=(rail,)),
        connection_counts=counts,
    )
    out = Exposition()
    readings = Readings(snapshot=snap)
    extra.emit_fans(out, readings)
    extra.emit_power(out, readings)
    extra.emit_connections(out, readings)
    node_hardware.emit_rapl(out, readings)
    text = _text(out)
    assert values(text, "darwin_metrics_fan_duty_ratio") == {
        (("chip", "nct6779"), ("fan", "fan1")): 0.4
    }
    modes = values(text, "darwin_metrics_fan_mode")
    assert modes[(("chip", "nct6779"), ("fan", "fan1"), ("mode", "manual"))] == 1.0
    assert modes[(("chip", "nct6779"), ("fan", "fan1"), ("mode", "automatic"))] == 0.0
    labels = (("domain", "package"), ("rail", "package-0"), ("source", "rapl"))
    assert values(text, "darwin_metrics_power_rail_watts") == {labels: 12.5}
    assert values(text, "node_rapl_package_joules_total") == {(("index", "0"), ("path", "")): 100.0}
    assert values(text, "darwin_metrics_sockets") == {
        (("family", "ipv4"), ("protocol", "tcp"), ("state", "LISTEN")): 2.0
    }
    ports = values(text, "darwin_metrics_listening_port_info")
    assert ports == {
        (
            ("address", "127.0.0.1"),
            ("family", "ipv4"),
            ("pid", "7"),
            ("port", "9101"),
            ("process", "py"),
            ("protocol", "tcp"),
        ): 1.0
    }


@given(
    st.text(max_size=30),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
def test_any_label_value_round_trips_through_the_exposition(label: str, value: float) -> None:
    out = Exposition()
    out.gauge("darwin_metrics_test", "A test.", value, {"label": label})
    out.counter("darwin_metrics_test_events_total", "Events.", abs(value), {"label": label})
    text = _text(out)
    assert values(text, "darwin_metrics_test") == {(("label", label),): value}
    assert values(text, "darwin_metrics_test_events_total") == {(("label", label),): abs(value)}
