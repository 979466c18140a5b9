"""OpenTelemetry export: observable instruments under the semantic conventions for system, process
and hardware metrics.

>>> from opentelemetry.sdk.metrics import MeterProvider
>>> from darwin_metrics.export.otel import instrument
>>> instrument(provider)          # every collection of ``provider`` now reads this machine

One collection reads the system once: the first instrument's callback takes a fresh reading and
every other callback of the same collection uses it. Names, units (UCUM) and attribute names follow
the conventions (``system.cpu.time`` in ``s`` with ``cpu.mode`` and ``cpu.logical_number``,
``hw.temperature`` in ``Cel`` with ``hw.id`` …); docs/exporter.md lists them all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, MeterProvider, Observation

from darwin_metrics import __version__
from darwin_metrics.backend import Backend
from darwin_metrics.export import otel_observations as obs
from darwin_metrics.export.collector import DEFAULT_TOP_PROCESSES, SnapshotCollector
from darwin_metrics.export.node_system import CPU_MODES
from darwin_metrics.export.readings import Readings

log = logging.getLogger(__name__)
Read = Callable[[Readings], Iterable[Observation]]
_COLLECTORS = (
    "cpu",
    "meminfo",
    "diskstats",
    "filesystem",
    "netdev",
    "connections",  # read as counts only (connection_owners=False): no scan of /proc/*/fd
    "hwmon",
    "power",
    "gpu",
)


class Instrumentation:
    """The instruments registered on one meter, and the shared reading behind them."""

    def __init__(self, meter: Meter, backend: Backend | None, top: int) -> None:
        collectors = (*_COLLECTORS, "processes") if top > 0 else _COLLECTORS
        self._source = SnapshotCollector(
            backend, collectors=collectors, top_processes=top, connection_owners=False
        )
        self._top = top
        self._lock = threading.Lock()
        self._readings: Readings | None = None
        self._previous_cpu: tuple[float, dict[tuple[int, str], float]] | None = None
        self._utilization: dict[tuple[int, str], float] = {}
        #: Reads of the system so far (one per collection).
        self.reads = 0
        self.instruments: list[Any] = []
        self._register(meter)

    def _fresh(self, _options: CallbackOptions) -> Iterable[Observation]:
        """The first instrument: take this collection's reading, then report CPU time from it."""
        with self._lock:
            readings = self._source.read()
            self.reads += 1
            self._readings = readings
            self._update_utilization(readings)
        return list(obs.cpu_time(readings))

    def _observe(self, read: Read) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def callback(_options: CallbackOptions) -> Iterable[Observation]:
            with self._lock:
                readings = self._readings
            if readings is None:
                return []
            try:
                return list(read(readings))
            except Exception:  # one broken family never fails the collection
                log.debug("OpenTelemetry callback failed", exc_info=True)
                return []

        return callback

    def _update_utilization(self, readings: Readings) -> None:
        cpu = readings.snapshot.cpu
        if cpu is None:
            return
        now = time.monotonic()
        current = {
            (core.index, mode): getattr(core.times, mode) or 0.0
            for core in cpu.cores
            for mode in CPU_MODES
        }
        self._utilization = {}
        if self._previous_cpu is not None:
            _, before = self._previous_cpu
            for index in {i for i, _ in current}:
                deltas = {
                    mode: max(0.0, current[(index, mode)] - before.get((index, mode), 0.0))
                    for mode in CPU_MODES
                    if (index, mode) in before
                }
                total = sum(deltas.values())
                if total > 0:
                    for mode, delta in deltas.items():
                        self._utilization[(index, mode)] = delta / total
        self._previous_cpu = (now, current)

    def _register(self, meter: Meter) -> None:
        add = self.instruments.append
        add(
            meter.create_observable_counter(
                "system.cpu.time", [self._fresh], "s", "CPU seconds per mode"
            )
        )
        spec: Sequence[tuple[str, str, str, str, Read]] = (
            (
                "gauge",
                "system.cpu.utilization",
                "1",
                "CPU time share per mode since the last collection",
                self._cpu_utilization,
            ),
            ("gauge", "system.cpu.frequency", "Hz", "Current CPU frequency", obs.cpu_frequency),
            ("updown", "system.memory.usage", "By", "Memory in use per state", obs.memory_usage),
            ("updown", "system.memory.limit", "By", "Total memory", obs.memory_limit),
            (
                "gauge",
                "system.memory.utilization",
                "1",
                "Memory share per state",
                obs.memory_utilization,
            ),
            (
                "counter",
                "system.network.io",
                "By",
                "Bytes transmitted and received",
                obs.network("bytes", "By"),
            ),
            (
                "counter",
                "system.network.packets",
                "{packet}",
                "Packets transmitted and received",
                obs.network("packets", "{packet}"),
            ),
            (
                "counter",
                "system.network.errors",
                "{error}",
                "Network errors",
                obs.network("errors", "{error}"),
            ),
            (
                "counter",
                "system.network.dropped",
                "{packet}",
                "Packets dropped",
                obs.network("drops", "{packet}"),
            ),
            (
                "updown",
                "system.network.connections",
                "{connection}",
                "TCP sockets per state, and UDP sockets",
                obs.network_connections,
            ),
            ("counter", "system.disk.io", "By", "Disk bytes read and written", obs.disk_io),
            (
                "counter",
                "system.disk.operations",
                "{operation}",
                "Disk operations",
                obs.disk_operations,
            ),
            ("counter", "system.disk.io_time", "s", "Time disks were busy", obs.disk_io_time),
            (
                "updown",
                "system.filesystem.usage",
                "By",
                "File system space per state",
                obs.filesystem_usage,
            ),
            (
                "gauge",
                "system.filesystem.utilization",
                "1",
                "File system space used share",
                obs.filesystem_utilization,
            ),
            (
                "counter",
                "process.cpu.time",
                "s",
                "CPU seconds of the top processes",
                obs.process_cpu(self._top),
            ),
            (
                "updown",
                "process.memory.usage",
                "By",
                "Resident memory of the top processes",
                obs.process_memory(self._top),
            ),
            ("gauge", "hw.temperature", "Cel", "Temperature of a sensor", obs.hw_temperature),
            ("gauge", "hw.fan.speed", "rpm", "Fan speed", obs.hw_fan_speed),
            ("gauge", "hw.power", "W", "Power drawn by a component", obs.hw_power),
            ("counter", "hw.energy", "J", "Energy consumed by a component", obs.hw_energy),
            ("gauge", "hw.gpu.utilization", "1", "GPU engine busy share", obs.gpu_utilization),
            (
                "updown",
                "hw.gpu.memory.usage",
                "By",
                "GPU memory in use",
                obs.gpu_memory("memory_used"),
            ),
            (
                "updown",
                "hw.gpu.memory.limit",
                "By",
                "GPU memory size",
                obs.gpu_memory("memory_total"),
            ),
        )
        for kind, name, unit, doc, read in spec:
            callback = self._observe(read)
            if kind == "gauge":
                add(meter.create_observable_gauge(name, [callback], unit, doc))
            elif kind == "counter":
                add(meter.create_observable_counter(name, [callback], unit, doc))
            else:
                add(meter.create_observable_up_down_counter(name, [callback], unit, doc))

    def _cpu_utilization(self, _readings: Readings) -> Iterable[Observation]:
        for (index, mode), share in sorted(self._utilization.items()):
            yield Observation(share, {"cpu.mode": mode, "cpu.logical_number": index})


def instrument(
    meter_provider: MeterProvider | None = None,
    *,
    backend: Backend | None = None,
    top_processes: int = DEFAULT_TOP_PROCESSES,
) -> Instrumentation:
    """Register darwin-metrics' observable instruments on ``meter_provider`` (default: the global
    provider). ``top_processes`` bounds the ``process.*`` series (N busiest plus N largest)."""
    from opentelemetry import metrics

    provider = meter_provider or metrics.get_meter_provider()
    meter = provider.get_meter("darwin_metrics", __version__)
    return Instrumentation(meter, backend, max(0, top_processes))
