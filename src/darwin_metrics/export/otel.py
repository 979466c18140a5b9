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
from darwin_metrics.export.collector import DEFAULT_TOP_PROCESSES, SnapshotCollector
from darwin_metrics.export.extra import top_processes
from darwin_metrics.export.node import CPU_MODES
from darwin_metrics.export.readings import Readings

log = logging.getLogger(__name__)
Read = Callable[[Readings], Iterable[Observation]]
_COLLECTORS = ("cpu", "meminfo", "diskstats", "filesystem", "netdev", "hwmon", "power", "gpu")


class Instrumentation:
    """The instruments registered on one meter, and the shared reading behind them."""

    def __init__(self, meter: Meter, backend: Backend | None, top: int) -> None:
        collectors = (*_COLLECTORS, "processes") if top > 0 else _COLLECTORS
        self._source = SnapshotCollector(backend, collectors=collectors, top_processes=top)
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
        return list(_cpu_time(readings))

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
            ("gauge", "system.cpu.frequency", "Hz", "Current CPU frequency", _cpu_frequency),
            ("updown", "system.memory.usage", "By", "Memory in use per state", _memory_usage),
            ("updown", "system.memory.limit", "By", "Total memory", _memory_limit),
            (
                "gauge",
                "system.memory.utilization",
                "1",
                "Memory share per state",
                _memory_utilization,
            ),
            (
                "counter",
                "system.network.io",
                "By",
                "Bytes transmitted and received",
                _network("bytes", "By"),
            ),
            (
                "counter",
                "system.network.packets",
                "{packet}",
                "Packets transmitted and received",
                _network("packets", "{packet}"),
            ),
            (
                "counter",
                "system.network.errors",
                "{error}",
                "Network errors",
                _network("errors", "{error}"),
            ),
            (
                "counter",
                "system.network.dropped",
                "{packet}",
                "Packets dropped",
                _network("drops", "{packet}"),
            ),
            ("counter", "system.disk.io", "By", "Disk bytes read and written", _disk_io),
            (
                "counter",
                "system.disk.operations",
                "{operation}",
                "Disk operations",
                _disk_operations,
            ),
            ("counter", "system.disk.io_time", "s", "Time disks were busy", _disk_io_time),
            (
                "updown",
                "system.filesystem.usage",
                "By",
                "File system space per state",
                _filesystem_usage,
            ),
            (
                "gauge",
                "system.filesystem.utilization",
                "1",
                "File system space used share",
                _filesystem_utilization,
            ),
            (
                "counter",
                "process.cpu.time",
                "s",
                "CPU seconds of the top processes",
                _process_cpu(self._top),
            ),
            (
                "updown",
                "process.memory.usage",
                "By",
                "Resident memory of the top processes",
                _process_memory(self._top),
            ),
            ("gauge", "hw.temperature", "Cel", "Temperature of a sensor", _hw_temperature),
            ("gauge", "hw.fan.speed", "rpm", "Fan speed", _hw_fan_speed),
            ("gauge", "hw.power", "W", "Power drawn by a component", _hw_power),
            ("counter", "hw.energy", "J", "Energy consumed by a component", _hw_energy),
            ("gauge", "hw.gpu.utilization", "1", "GPU engine busy share", _gpu_utilization),
            (
                "updown",
                "hw.gpu.memory.usage",
                "By",
                "GPU memory in use",
                _gpu_memory("memory_used"),
            ),
            ("updown", "hw.gpu.memory.limit", "By", "GPU memory size", _gpu_memory("memory_total")),
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


def _cpu_time(r: Readings) -> Iterable[Observation]:
    cpu = r.snapshot.cpu
    if cpu is None:
        return
    for core in cpu.cores:
        for mode in CPU_MODES:
            value = getattr(core.times, mode)
            if value is not None:
                yield Observation(value, {"cpu.mode": mode, "cpu.logical_number": core.index})


def _cpu_frequency(r: Readings) -> Iterable[Observation]:
    cpu = r.snapshot.cpu
    for core in cpu.cores if cpu is not None else ():
        if core.frequency.hertz is not None:
            yield Observation(core.frequency.hertz, {"cpu.logical_number": core.index})


def _memory_states(r: Readings) -> dict[str, int]:
    mem = r.snapshot.memory
    if mem is None:
        return {}
    states = {"used": mem.used, "free": mem.free, "cached": mem.cached, "buffers": mem.buffers}
    return {state: value for state, value in states.items() if value is not None}


def _memory_usage(r: Readings) -> Iterable[Observation]:
    for state, value in _memory_states(r).items():
        yield Observation(value, {"system.memory.state": state})


def _memory_limit(r: Readings) -> Iterable[Observation]:
    if r.snapshot.memory is not None:
        yield Observation(r.snapshot.memory.total)


def _memory_utilization(r: Readings) -> Iterable[Observation]:
    mem = r.snapshot.memory
    if mem is None or not mem.total:
        return
    for state, value in _memory_states(r).items():
        yield Observation(value / mem.total, {"system.memory.state": state})


def _network(kind: str, _unit: str) -> Read:
    def read(r: Readings) -> Iterable[Observation]:
        for iface in r.snapshot.interfaces or ():
            if iface.counters is None:
                continue
            for direction, prefix in (("receive", "rx"), ("transmit", "tx")):
                value = getattr(iface.counters, f"{prefix}_{kind}")
                if value is not None:
                    yield Observation(
                        value,
                        {"network.interface.name": iface.name, "network.io.direction": direction},
                    )

    return read


def _disk_io(r: Readings) -> Iterable[Observation]:
    for disk in r.snapshot.disks or ():
        yield Observation(
            disk.read_bytes, {"system.device": disk.name, "disk.io.direction": "read"}
        )
        yield Observation(
            disk.write_bytes, {"system.device": disk.name, "disk.io.direction": "write"}
        )


def _disk_operations(r: Readings) -> Iterable[Observation]:
    for disk in r.snapshot.disks or ():
        yield Observation(disk.reads, {"system.device": disk.name, "disk.io.direction": "read"})
        yield Observation(disk.writes, {"system.device": disk.name, "disk.io.direction": "write"})


def _disk_io_time(r: Readings) -> Iterable[Observation]:
    for disk in r.snapshot.disks or ():
        if disk.busy_time is not None:
            yield Observation(disk.busy_time, {"system.device": disk.name})


def _fs_attributes(vol: Any) -> dict[str, str]:
    return {
        "system.device": vol.device,
        "system.filesystem.type": vol.fs_type,
        "system.filesystem.mountpoint": vol.mount_point,
        "system.filesystem.mode": "ro" if vol.read_only else "rw",
    }


def _filesystem_usage(r: Readings) -> Iterable[Observation]:
    for vol in r.snapshot.volumes or ():
        if vol.used is None or vol.available is None or vol.free is None:
            continue
        attrs = _fs_attributes(vol)
        yield Observation(vol.used, {**attrs, "system.filesystem.state": "used"})
        yield Observation(vol.available, {**attrs, "system.filesystem.state": "free"})
        reserved = max(0, vol.free - vol.available)
        yield Observation(reserved, {**attrs, "system.filesystem.state": "reserved"})


def _filesystem_utilization(r: Readings) -> Iterable[Observation]:
    for vol in r.snapshot.volumes or ():
        if vol.used_percent is not None:
            yield Observation(vol.used_percent / 100.0, _fs_attributes(vol))


def _process_cpu(count: int) -> Read:
    def read(r: Readings) -> Iterable[Observation]:
        for p in top_processes(r.snapshot.processes or (), r.process_cpu_rates, count):
            if p.cpu_times is None:
                continue
            attrs: dict[str, str | int] = {"process.pid": p.pid, "process.executable.name": p.name}
            yield Observation(p.cpu_times.user, {**attrs, "cpu.mode": "user"})
            yield Observation(p.cpu_times.system, {**attrs, "cpu.mode": "system"})

    return read


def _process_memory(count: int) -> Read:
    def read(r: Readings) -> Iterable[Observation]:
        for p in top_processes(r.snapshot.processes or (), r.process_cpu_rates, count):
            if p.memory is not None:
                yield Observation(
                    p.memory.rss, {"process.pid": p.pid, "process.executable.name": p.name}
                )

    return read


def _hw_temperature(r: Readings) -> Iterable[Observation]:
    temps = r.snapshot.temperatures
    if temps is None:
        return
    for sensor in temps.sensors:
        attrs = {
            "hw.id": sensor.id,
            "hw.name": sensor.label or sensor.sensor,
            "hw.parent": sensor.chip,
        }
        yield Observation(sensor.celsius, {**attrs, "hw.sensor_location": sensor.kind})
    for zone in temps.zones:
        if zone.celsius is not None:
            yield Observation(
                zone.celsius,
                {"hw.id": zone.name, "hw.name": zone.type, "hw.sensor_location": zone.kind},
            )
    for gpu in r.snapshot.gpus or ():
        if gpu.temperature_celsius is not None:
            yield Observation(
                gpu.temperature_celsius,
                {
                    "hw.id": f"gpu{gpu.index}",
                    "hw.name": gpu.name or "",
                    "hw.sensor_location": "gpu",
                },
            )


def _hw_fan_speed(r: Readings) -> Iterable[Observation]:
    for fan in r.snapshot.fans or ():
        if fan.rpm is not None:
            yield Observation(
                fan.rpm, {"hw.id": fan.id, "hw.name": fan.label or fan.name, "hw.parent": fan.chip}
            )


#: Power-rail domains → the conventions' ``hw.type`` values; other rails are the ``enclosure``.
_HW_TYPES = {
    "package": "cpu",
    "core": "cpu",
    "uncore": "cpu",
    "cpu": "cpu",
    "dram": "memory",
    "gpu": "gpu",
    "battery": "battery",
}


def _rail_attributes(rail: Any) -> dict[str, str]:
    hw_type = _HW_TYPES.get(rail.domain or "", _HW_TYPES.get(rail.source, "enclosure"))
    return {"hw.id": rail.name, "hw.name": rail.domain or rail.name, "hw.type": hw_type}


def _hw_power(r: Readings) -> Iterable[Observation]:
    power = r.snapshot.power
    for rail in power.rails if power is not None else ():
        if rail.watts is not None:
            yield Observation(
                rail.watts,
                _rail_attributes(rail),
            )
    for gpu in r.snapshot.gpus or ():
        if gpu.power_watts is not None:
            yield Observation(gpu.power_watts, {**_gpu_attributes(gpu), "hw.type": "gpu"})


def _hw_energy(r: Readings) -> Iterable[Observation]:
    power = r.snapshot.power
    for rail in power.rails if power is not None else ():
        if rail.joules is not None:
            yield Observation(
                rail.joules,
                _rail_attributes(rail),
            )
    for gpu in r.snapshot.gpus or ():
        if gpu.energy_joules is not None:
            yield Observation(gpu.energy_joules, {**_gpu_attributes(gpu), "hw.type": "gpu"})


def _gpu_attributes(gpu: Any) -> dict[str, str]:
    return {
        "hw.id": gpu.uuid or f"gpu{gpu.index}",
        "hw.name": gpu.name or "",
        "hw.vendor": gpu.vendor,
    }


def _gpu_utilization(r: Readings) -> Iterable[Observation]:
    for gpu in r.snapshot.gpus or ():
        for task, percent in (
            ("general", gpu.utilization_percent),
            ("encoder", gpu.encoder_utilization_percent),
            ("decoder", gpu.decoder_utilization_percent),
        ):
            if percent is not None:
                yield Observation(percent / 100.0, {**_gpu_attributes(gpu), "hw.gpu.task": task})


def _gpu_memory(field: str) -> Read:
    def read(r: Readings) -> Iterable[Observation]:
        for gpu in r.snapshot.gpus or ():
            value = getattr(gpu, field)
            if value is not None:
                yield Observation(value, _gpu_attributes(gpu))

    return read
