"""OpenTelemetry export: instruments read through the SDK's in-memory reader, and the ``otel``
command pushing to a local OTLP/HTTP receiver that decodes the protobuf request."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

pytest.importorskip("opentelemetry.sdk", reason="needs the 'otel' extra")

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from darwin_metrics.backend import Backend
from darwin_metrics.cli.main import main
from darwin_metrics.export.otel import instrument
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.records import CPU
from tests.conftest import Tree
from tests.support import make


def collect(reader: InMemoryMetricReader) -> dict[str, Any]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        metric.name: metric
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }


def points(metric: Any) -> dict[tuple[tuple[str, Any], ...], float]:
    return {tuple(sorted(p.attributes.items())): p.value for p in metric.data.data_points}


@pytest.fixture
def ne_reader(ne_tree: Tree) -> Iterator[tuple[InMemoryMetricReader, Any, LinuxBackend]]:
    backend = LinuxBackend(procfs=str(ne_tree.proc), sysfs=str(ne_tree.sys))
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    instrumentation = instrument(provider, backend=backend, top_processes=2)
    yield reader, instrumentation, backend
    provider.shutdown()


def test_names_units_and_attributes_follow_the_conventions(ne_reader: Any) -> None:
    reader, _, backend = ne_reader
    metrics = collect(reader)
    assert metrics["system.cpu.time"].unit == "s"
    assert metrics["system.memory.usage"].unit == "By"
    assert metrics["system.disk.io"].unit == "By"
    assert metrics["hw.temperature"].unit == "Cel"
    cpu = backend.cpu()
    cpu_points = points(metrics["system.cpu.time"])
    assert cpu_points[(("cpu.logical_number", 0), ("cpu.mode", "user"))] == cpu.cores[0].times.user
    assert len(cpu_points) == sum(
        1
        for c in cpu.cores
        for m in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
        if getattr(c.times, m) is not None
    )
    memory = backend.memory()
    assert points(metrics["system.memory.usage"])[(("system.memory.state", "used"),)] == memory.used
    assert points(metrics["system.memory.limit"]) == {(): memory.total}
    disk = {d.name: d for d in backend.disks()}["sda"]
    io = points(metrics["system.disk.io"])
    assert io[(("disk.io.direction", "read"), ("system.device", "sda"))] == disk.read_bytes
    assert io[(("disk.io.direction", "write"), ("system.device", "sda"))] == disk.write_bytes
    temps = backend.temperatures()
    hw = points(metrics["hw.temperature"])
    sensor = temps.sensors[0]
    matching = [v for k, v in hw.items() if dict(k)["hw.id"] == sensor.id]
    assert matching == [sensor.celsius]
    rails = {r.name: r for r in backend.power().rails if r.joules is not None}
    energy = {
        dict(k)["hw.id"]: (dict(k)["hw.type"], v) for k, v in points(metrics["hw.energy"]).items()
    }
    assert rails and {name: energy[name][1] for name in rails} == {
        n: r.joules for n, r in rails.items()
    }
    assert energy["package-0"][0] == "cpu"
    assert metrics["hw.energy"].unit == "J"


def test_one_collection_reads_the_system_once(ne_reader: Any) -> None:
    reader, instrumentation, _ = ne_reader
    collect(reader)
    assert instrumentation.reads == 1
    second = collect(reader)
    assert instrumentation.reads == 2
    # CPU utilization needs two readings; the fixture's counters do not move, so no shares yet
    assert "system.cpu.time" in second


class _Receiver(BaseHTTPRequestHandler):
    requests: ClassVar[list[ExportMetricsServiceRequest]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportMetricsServiceRequest()
        request.ParseFromString(body)
        type(self).requests.append(request)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


def test_otel_command_pushes_otlp_http_protobuf() -> None:
    _Receiver.requests = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        port = server.server_address[1]
        code = main(
            [
                "otel",
                "--endpoint",
                f"http://127.0.0.1:{port}/v1/metrics",
                "--count",
                "2",
                "--interval",
                "0.2",
            ]
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert code == 0
    assert len(_Receiver.requests) == 2
    request = _Receiver.requests[-1]
    resource = request.resource_metrics[0].resource
    attributes = {a.key: a.value.string_value for a in resource.attributes}
    assert attributes["service.name"] == "darwin-metrics"
    names = {
        m.name for rm in request.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    assert {"system.cpu.time", "system.memory.usage", "system.network.io"} <= names
    connections = next(
        m
        for rm in request.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if m.name == "system.network.connections"
    )
    assert connections.unit == "{connection}" and not connections.sum.is_monotonic
    assert all(p.as_int >= 0 for p in connections.sum.data_points)
    cpu_time = next(
        m
        for rm in request.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if m.name == "system.cpu.time"
    )
    assert cpu_time.sum.is_monotonic and all(p.as_double >= 0 for p in cpu_time.sum.data_points)


def test_otel_command_rejects_a_non_http_endpoint() -> None:
    assert main(["otel", "--endpoint", "grpc://127.0.0.1:4317", "--count", "1"]) == 2


class _MovingCPU(Backend):
    """A backend whose only family is a CPU whose counters advance between reads (synthetic)."""

    def __init__(self) -> None:
        self.step = 0

    def cpu(self) -> CPU:
        self.step += 1
        n = float(self.step)
        cores = [make.core(0, user=3 * n, system=1 * n, idle=4 * n), make.core(1, idle=8 * n)]
        return make.cpu(cores)


def test_cpu_utilization_is_the_share_of_each_mode_between_collections() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    instrument(provider, backend=_MovingCPU(), top_processes=0)
    first = collect(reader)
    assert "system.cpu.utilization" not in first or not points(first["system.cpu.utilization"])
    second = points(collect(reader)["system.cpu.utilization"])
    assert second[(("cpu.logical_number", 0), ("cpu.mode", "user"))] == pytest.approx(3 / 8)
    assert second[(("cpu.logical_number", 0), ("cpu.mode", "system"))] == pytest.approx(1 / 8)
    assert second[(("cpu.logical_number", 0), ("cpu.mode", "idle"))] == pytest.approx(4 / 8)
    assert second[(("cpu.logical_number", 1), ("cpu.mode", "idle"))] == pytest.approx(1.0)
    provider.shutdown()
