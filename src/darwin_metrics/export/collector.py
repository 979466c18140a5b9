"""The Prometheus collector: one read of the system per scrape, every selected family from it.

Collectors are named as node_exporter names them (``cpu``, ``meminfo``, ``diskstats`` …) plus this
project's own (``gpu``, ``fans``, ``power``, ``connections``, ``cgroup``, ``processes``); each
declares the snapshot families it needs, and a scrape reads the union of those once. Scrapes that
arrive while a read is in progress share its result (a read that began after they arrived), so
concurrent scrapers never multiply the load.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from darwin_metrics.backend import Backend, default_backend
from darwin_metrics.collect import FAMILIES
from darwin_metrics.errors import DarwinMetricsError, NotSupported
from darwin_metrics.export import extra, node_hardware, node_network, node_system
from darwin_metrics.export.exposition import Exposition
from darwin_metrics.export.readings import Readings
from darwin_metrics.records.process import Process
from darwin_metrics.records.snapshot import Snapshot

log = logging.getLogger(__name__)

Emit = Callable[[Exposition, Readings], None]


@dataclass(frozen=True)
class CollectorSpec:
    """A selectable collector: the families it reads and the function that emits its metrics."""

    name: str
    reads: tuple[str, ...]
    emit: Emit | None
    help: str
    default: bool = True


#: Every collector, in exposition order. ``processes`` is emitted by the collector itself (it needs
#: the ``--top-processes`` count), so its ``emit`` is ``None``.
COLLECTORS: tuple[CollectorSpec, ...] = (
    CollectorSpec(
        "cpu", ("cpu", "thermal"), node_system.emit_cpu, "CPU seconds per mode, throttles"
    ),
    CollectorSpec(
        "cpufreq", ("cpu", "power_management"), node_system.emit_cpufreq, "CPU frequency scaling"
    ),
    CollectorSpec("loadavg", ("cpu",), node_system.emit_loadavg, "load averages"),
    CollectorSpec("stat", ("cpu",), node_system.emit_stat, "boot time, context switches, forks"),
    CollectorSpec("meminfo", ("memory",), node_system.emit_meminfo, "memory and swap"),
    CollectorSpec("pressure", ("memory",), node_system.emit_pressure, "pressure stall information"),
    CollectorSpec("diskstats", ("disks",), node_system.emit_diskstats, "block device I/O"),
    CollectorSpec("filesystem", ("volumes",), node_system.emit_filesystem, "file system capacity"),
    CollectorSpec("netdev", ("interfaces",), node_network.emit_netdev, "network traffic counters"),
    CollectorSpec("netclass", ("interfaces",), node_network.emit_netclass, "network link state"),
    CollectorSpec(
        "netstat", ("network_stats",), node_network.emit_netstat, "SNMP protocol counters"
    ),
    CollectorSpec(
        "sockstat", ("socket_stats",), node_network.emit_sockstat, "sockets in use per protocol"
    ),
    CollectorSpec("wifi", ("wifi",), node_network.emit_wifi, "Wi-Fi association and link"),
    CollectorSpec(
        "hwmon", ("temperatures", "fans"), node_hardware.emit_hwmon, "chip sensors and fans"
    ),
    CollectorSpec(
        "thermal_zone", ("temperatures",), node_hardware.emit_thermal_zone, "thermal zones, cooling"
    ),
    CollectorSpec(
        "powersupplyclass",
        ("power_sources",),
        node_hardware.emit_powersupplyclass,
        "batteries and adapters",
    ),
    CollectorSpec("rapl", ("power",), node_hardware.emit_rapl, "RAPL energy counters"),
    CollectorSpec("gpu", ("gpus",), extra.emit_gpu, "GPUs (darwin_metrics_gpu_*)"),
    CollectorSpec("fans", ("fans",), extra.emit_fans, "fan duty and mode (darwin_metrics_fan_*)"),
    CollectorSpec("power", ("power",), extra.emit_power, "power rails in watts"),
    CollectorSpec(
        "connections",
        ("connection_counts",),
        extra.emit_connections,
        "sockets by state, listening ports with owners",
        default=False,  # finding owners scans every process's descriptors: several ms a scrape
    ),
    CollectorSpec("cgroup", ("cgroup",), extra.emit_cgroup, "cgroup limits, usage and events"),
    CollectorSpec(
        "processes",
        ("processes",),
        None,
        "process states and the top processes",
        default=False,  # a full process-table read: as node_exporter's processes collector, opt-in
    ),
)
COLLECTOR_NAMES = tuple(spec.name for spec in COLLECTORS)
DEFAULT_TOP_PROCESSES = 5

#: How each family is read for a scrape: as the snapshot reads it, except that listening ports are
#: read with their owners and power sources (batteries and adapters) are read whole.
_READERS: dict[str, Callable[[Backend], Any]] = {
    **dict(FAMILIES),
    "connection_counts": lambda b: b.connection_counts(pids=True),
    "power_sources": lambda b: b.power_sources(),
}
#: The socket counts alone, as the snapshot reads them: no owner scan.
_COUNTS_ONLY: dict[str, Callable[[Backend], Any]] = {
    "connection_counts": lambda b: b.connection_counts(pids=False),
}


def select(
    enabled: Iterable[str] | None = None,
    disabled: Iterable[str] = (),
    added: Iterable[str] = (),
) -> tuple[str, ...]:
    """Collector names to run: ``enabled`` (default: the default collectors) plus ``added``, minus
    ``disabled``. ``ValueError`` names an unknown collector.
    """
    base = list(enabled) if enabled is not None else [c.name for c in COLLECTORS if c.default]
    chosen = base + list(added)
    off = list(disabled)
    unknown = sorted(set(chosen + off) - set(COLLECTOR_NAMES))
    if unknown:
        raise ValueError(
            f"unknown collector(s): {', '.join(unknown)} (known: {', '.join(COLLECTOR_NAMES)})"
        )
    return tuple(name for name in COLLECTOR_NAMES if name in chosen and name not in off)


class SnapshotCollector(Collector):
    """A prometheus-client collector that reads the system once per scrape.

    ``collectors`` are names from :data:`COLLECTOR_NAMES` (default: the default ones, every
    collector but ``connections`` and ``processes``); ``top_processes`` bounds the per-process
    series of the ``processes`` collector (the N busiest by CPU plus the N largest by memory; 0
    for the process counts only). ``connection_owners=False`` reads the ``connections``
    collector's socket counts without looking up the listening ports' processes (no scan of every
    process's descriptors; the listening ports then have ``pids=None``).
    """

    def __init__(
        self,
        backend: Backend | None = None,
        *,
        collectors: Sequence[str] | None = None,
        top_processes: int = DEFAULT_TOP_PROCESSES,
        connection_owners: bool = True,
    ) -> None:
        self._backend = backend
        self._readers = _READERS if connection_owners else {**_READERS, **_COUNTS_ONLY}
        self.collectors = select(collectors)
        self.top_processes = max(0, top_processes)
        specs = [c for c in COLLECTORS if c.name in self.collectors]
        self._specs = specs
        self._families = tuple(dict.fromkeys(f for spec in specs for f in spec.reads))
        self._lock = threading.Lock()
        self._last: tuple[float, list[Metric]] | None = None
        self._cpu_seen: dict[int, tuple[float | None, float, float]] = {}
        #: Reads of the system so far (each served one or more scrapes).
        self.reads = 0

    def collect(self) -> Iterator[Metric]:
        arrived = time.monotonic()
        with self._lock:
            if self._last is not None and self._last[0] >= arrived:
                return iter(self._last[1])
            started = time.monotonic()
            families = self._scrape()
            self._last = (started, families)
            return iter(families)

    def _scrape(self) -> list[Metric]:
        readings = self.read()
        out = Exposition()
        for spec in self._specs:
            try:
                if spec.emit is not None:
                    spec.emit(out, readings)
                else:
                    extra.emit_processes(out, readings, self.top_processes)
            except Exception:  # one broken collector never fails the scrape
                log.debug("collector %s failed", spec.name, exc_info=True)
                out.gauge(
                    "darwin_metrics_scrape_collector_success",
                    "Whether a collector succeeded.",
                    0.0,
                    {"collector": spec.name},
                )
            else:
                out.gauge(
                    "darwin_metrics_scrape_collector_success",
                    "Whether a collector succeeded.",
                    1.0,
                    {"collector": spec.name},
                )
        return out.families()

    def read(self) -> Readings:
        """Read the selected families once and compute process CPU rates since the last read."""
        backend = self._backend or default_backend()
        values: dict[str, Any] = {}
        with backend.shared_reads():
            for name in self._families:
                values[name] = _read(self._readers[name], name, backend)
        self.reads += 1
        sources = values.pop("power_sources", None)
        snapshot = Snapshot(timestamp=time.time(), platform=sys.platform, **values)
        rates = self._process_rates(snapshot.processes or ())
        return Readings(snapshot=snapshot, power_sources=sources, process_cpu_rates=rates)

    def _process_rates(self, processes: tuple[Process, ...]) -> dict[int, float]:
        now = time.monotonic()
        rates: dict[int, float] = {}
        seen: dict[int, tuple[float | None, float, float]] = {}
        for p in processes:
            if p.cpu_times is None:
                continue
            used = p.cpu_times.user + p.cpu_times.system
            seen[p.pid] = (p.create_time, used, now)
            prev = self._cpu_seen.get(p.pid)
            if prev is not None and prev[0] == p.create_time and now > prev[2]:
                rates[p.pid] = max(0.0, used - prev[1]) / (now - prev[2])
        self._cpu_seen = seen  # only the pids alive now: bounded by the process table
        return rates


def _read(reader: Callable[[Backend], Any], name: str, backend: Backend) -> Any:
    try:
        return reader(backend)
    except NotSupported:
        return None
    except (DarwinMetricsError, OSError) as exc:
        log.debug("family %s failed: %s", name, exc)
        return None
    except Exception:  # a backend bug in one family never fails the scrape
        log.debug("family %s failed", name, exc_info=True)
        return None
