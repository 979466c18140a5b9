"""OpenTelemetry ``system.network.connections``: the series read through the SDK's in-memory reader
equal ``connection_counts()`` read at the same time, with sockets the test opens (a listening TCP
socket, an established pair, a UDP socket), on this machine and in a fresh network namespace where
the counts are known exactly."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk", reason="needs the 'otel' extra")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import darwin_metrics as dm
from darwin_metrics.backend import Backend
from darwin_metrics.export.otel import instrument
from darwin_metrics.records import ConnectionCounts
from tests.support.netns import ip, namespace

NAME = "system.network.connections"
#: The conventions' ``network.connection.state`` values (RFC 9293 state names).
CONVENTION_STATES = {
    "closed",
    "close_wait",
    "closing",
    "established",
    "fin_wait_1",
    "fin_wait_2",
    "last_ack",
    "listen",
    "syn_received",
    "syn_sent",
    "time_wait",
}
#: Our records' TCP states, spelled as the conventions spell them (written out here, not taken
#: from the module under test).
EXPECTED_NAMES = {
    "ESTABLISHED": "established",
    "SYN_SENT": "syn_sent",
    "SYN_RECV": "syn_received",
    "NEW_SYN_RECV": "syn_received",
    "FIN_WAIT1": "fin_wait_1",
    "FIN_WAIT2": "fin_wait_2",
    "TIME_WAIT": "time_wait",
    "CLOSE": "closed",
    "CLOSE_WAIT": "close_wait",
    "LAST_ACK": "last_ack",
    "LISTEN": "listen",
    "CLOSING": "closing",
}

Series = dict[tuple[tuple[str, Any], ...], int]


def open_sockets(stack: ExitStack) -> None:
    """A listening TCP socket, an established loopback pair (two sockets) and a bound UDP socket,
    closed when ``stack`` closes."""
    listener = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = stack.enter_context(socket.create_connection(listener.getsockname(), timeout=10))
    served, _ = listener.accept()
    stack.enter_context(served)
    assert client.getpeername() == served.getsockname()
    udp = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    udp.bind(("127.0.0.1", 0))


def expected(counts: ConnectionCounts) -> Series:
    """The series ``counts`` should give: TCP per state (IPv4 and IPv6 summed), UDP as one series
    without a state, unix sockets left out."""
    out: dict[tuple[tuple[str, Any], ...], int] = {}
    for c in counts.counts:
        if c.protocol == "tcp":
            key: tuple[tuple[str, Any], ...] = (
                ("network.connection.state", EXPECTED_NAMES[c.state]),
                ("network.transport", "tcp"),
            )
        elif c.protocol == "udp":
            key = (("network.transport", "udp"),)
        else:
            continue
        out[key] = out.get(key, 0) + c.count
    return out


def read_series(reader: InMemoryMetricReader) -> tuple[Series, Any]:
    data = reader.get_metrics_data()
    assert data is not None
    metric = next(
        m
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for m in scope.metrics
        if m.name == NAME
    )
    series = {tuple(sorted(p.attributes.items())): p.value for p in metric.data.data_points}
    return series, metric


def settled_reading(reader: InMemoryMetricReader) -> tuple[Series, Any, ConnectionCounts]:
    """One collection with ``connection_counts()`` read just before and just after it, retried
    until the two agree (other programs open and close sockets meanwhile)."""
    for _ in range(50):
        before = dm.connection_counts(pids=False)
        series, metric = read_series(reader)
        after = dm.connection_counts(pids=False)
        if before.counts == after.counts:
            return series, metric, after
    pytest.fail("the socket counts never held still across one collection in 50 tries")


@pytest.fixture
def reader() -> Iterator[InMemoryMetricReader]:
    memory = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[memory])
    instrument(provider, top_processes=0)
    yield memory
    provider.shutdown()


@pytest.mark.live
def test_series_equal_connection_counts_read_at_the_same_time(
    reader: InMemoryMetricReader,
) -> None:
    with ExitStack() as stack:
        open_sockets(stack)
        series, metric, counts = settled_reading(reader)
    assert metric.unit == "{connection}"
    assert not metric.data.is_monotonic  # an up-down counter
    assert series == expected(counts)
    # the test's own sockets are among them
    listen = (("network.connection.state", "listen"), ("network.transport", "tcp"))
    established = (("network.connection.state", "established"), ("network.transport", "tcp"))
    assert series[listen] >= 1
    assert series[established] >= 2
    assert series[(("network.transport", "udp"),)] >= 1
    for key in series:
        attributes = dict(key)
        assert attributes["network.transport"] in ("tcp", "udp")
        if attributes["network.transport"] == "tcp":
            assert attributes["network.connection.state"] in CONVENTION_STATES
        else:
            assert set(attributes) == {"network.transport"}


def test_every_tcp_state_of_the_records_has_a_convention_value() -> None:
    from typing import get_args

    from darwin_metrics.records.connections import ConnectionState

    assert set(get_args(ConnectionState)) - {"NONE"} == set(EXPECTED_NAMES)
    assert set(EXPECTED_NAMES.values()) <= CONVENTION_STATES


def test_names_match_the_semantic_conventions_package() -> None:
    """The installed ``opentelemetry-semantic-conventions`` (an SDK dependency) spells the
    attribute names and the state values as this test does."""
    incubating = pytest.importorskip(
        "opentelemetry.semconv._incubating.attributes.network_attributes",
        reason="this opentelemetry-semantic-conventions has no incubating network attributes",
    )
    from opentelemetry.semconv.attributes import network_attributes

    assert network_attributes.NETWORK_TRANSPORT == "network.transport"
    assert {"tcp", "udp"} <= {v.value for v in network_attributes.NetworkTransportValues}
    assert incubating.NETWORK_CONNECTION_STATE == "network.connection.state"
    assert {v.value for v in incubating.NetworkConnectionStateValues} == CONVENTION_STATES


class _Counted(Backend):
    """Only socket counts, and whether owners were asked for (synthetic backend)."""

    def __init__(self) -> None:
        self.asked: list[bool] = []

    def connection_counts(self, pids: bool = True) -> ConnectionCounts:
        self.asked.append(pids)
        return ConnectionCounts(counts=(), listening=(), total=0)


def test_one_collection_reads_the_counts_once_without_owners() -> None:
    backend = _Counted()
    memory = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[memory])
    instrument(provider, backend=backend, top_processes=0)
    memory.get_metrics_data()
    memory.get_metrics_data()
    provider.shutdown()
    assert backend.asked == [False, False]


#: Run inside the namespace: open the sockets, collect once, print the series and the counts.
_IN_NAMESPACE = """
import json, socket
from contextlib import ExitStack
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
import darwin_metrics as dm
from darwin_metrics.export.otel import instrument
from darwin_metrics.records import to_dict
from tests.export.test_otel_connections import open_sockets, read_series

memory = InMemoryMetricReader()
provider = MeterProvider(metric_readers=[memory])
instrument(provider, top_processes=0)
with ExitStack() as stack:
    open_sockets(stack)
    series, _ = read_series(memory)
    counts = dm.connection_counts(pids=False)
print(json.dumps({"series": [[list(map(list, k)), v] for k, v in series.items()],
                  "counts": to_dict(counts)}))
"""


@pytest.mark.live
@pytest.mark.root
def test_exact_series_in_a_fresh_network_namespace() -> None:
    with namespace("dmotel") as ns:
        ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
        done = subprocess.run(
            ["ip", "netns", "exec", ns, sys.executable, "-c", _IN_NAMESPACE],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    series = {tuple(tuple(pair) for pair in key): value for key, value in out["series"]}
    assert series == {
        (("network.connection.state", "listen"), ("network.transport", "tcp")): 1,
        (("network.connection.state", "established"), ("network.transport", "tcp")): 2,
        (("network.transport", "udp"),): 1,
    }
    inet = [c for c in out["counts"]["counts"] if c["protocol"] in ("tcp", "udp")]
    assert sorted((c["protocol"], c["state"], c["count"]) for c in inet) == [
        ("tcp", "ESTABLISHED", 2),
        ("tcp", "LISTEN", 1),
        ("udp", "NONE", 1),
    ]
