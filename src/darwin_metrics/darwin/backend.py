"""The macOS backend: each family delegates to its collector, imported on first use.

Creating a :class:`DarwinBackend` loads nothing; libraries open on the first call that needs them.
"""

from __future__ import annotations

from _thread import allocate_lock
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from darwin_metrics.backend import Backend

if TYPE_CHECKING:
    from darwin_metrics.darwin.cpu import CoreFrequencies
    from darwin_metrics.darwin.gpu import GPUFrequency
    from darwin_metrics.darwin.power import PowerReader
    from darwin_metrics.darwin.process import ProcessReader
    from darwin_metrics.darwin.sensors import SMCSensors
    from darwin_metrics.fancontrol import FanController
    from darwin_metrics.records.battery import PowerSources
    from darwin_metrics.records.connections import Connection, ConnectionCounts
    from darwin_metrics.records.cpu import CPU
    from darwin_metrics.records.disk import DiskIO, Volume
    from darwin_metrics.records.gpu import GPU
    from darwin_metrics.records.memory import Memory
    from darwin_metrics.records.net import Interface
    from darwin_metrics.records.netstats import NetworkStats
    from darwin_metrics.records.power import Power, PowerManagement
    from darwin_metrics.records.process import Process, Thread
    from darwin_metrics.records.sensors import Fan, Temperatures
    from darwin_metrics.records.thermal import Thermal
    from darwin_metrics.records.wifi import WiFi

T = TypeVar("T")


class DarwinBackend(Backend):
    """Reads a Mac through libSystem, IOKit and CoreFoundation (ctypes) and psutil."""

    name = "darwin"

    def __init__(self) -> None:
        self._processes: ProcessReader | None = None
        self._smc: SMCSensors | None = None
        self._power: PowerReader | None = None
        self._frequencies: CoreFrequencies | None = None
        self._gpu_frequency: GPUFrequency | None = None
        self._making = allocate_lock()

    def _made(self, attribute: str, make: Callable[[], T]) -> T:
        """The reader kept in ``attribute``, made by ``make`` on first use: once, even when
        several threads ask at the same moment (each would otherwise keep a reader of its own,
        with its own state and open handles)."""
        found: T | None = getattr(self, attribute)
        if found is None:
            with self._making:
                found = getattr(self, attribute)
                if found is None:
                    found = make()
                    setattr(self, attribute, found)
        return found

    def power(self) -> Power:
        from darwin_metrics.darwin.power import PowerReader

        return self._made("_power", PowerReader).read()

    def _smc_sensors(self) -> SMCSensors:
        from darwin_metrics.darwin.sensors import SMCSensors

        return self._made("_smc", SMCSensors)

    def temperatures(self) -> Temperatures:
        return self._smc_sensors().temperatures()

    def fans(self) -> tuple[Fan, ...]:
        return self._smc_sensors().fans()

    def fan_control(self, fan: Fan | str, **options: Any) -> FanController:
        from darwin_metrics.darwin.fancontrol import FanController, find_fan

        return FanController(find_fan(self.fans(), fan), **options)

    def restore_pending_fans(self, state_dir: str | None = None) -> tuple[str, ...]:
        from darwin_metrics.darwin.fancontrol import restore_pending

        return restore_pending(state_dir)

    def _process_reader(self) -> ProcessReader:
        from darwin_metrics.darwin.process import ProcessReader

        return self._made("_processes", ProcessReader)

    def cpu(self) -> CPU:
        from darwin_metrics.darwin.cpu import CoreFrequencies, read_cpu

        return read_cpu(self._made("_frequencies", CoreFrequencies))

    def memory(self) -> Memory:
        from darwin_metrics.darwin.memory import read_memory

        return read_memory()

    def disks(self) -> tuple[DiskIO, ...]:
        from darwin_metrics.darwin.disk import read_disks

        return read_disks()

    def volumes(self, all: bool = False) -> tuple[Volume, ...]:
        from darwin_metrics.darwin.disk import read_volumes

        return read_volumes(include_all=all)

    def interfaces(self) -> tuple[Interface, ...]:
        from darwin_metrics.darwin.net import read_interfaces

        return read_interfaces()

    def connections(self, kind: str = "inet", pids: bool = True) -> tuple[Connection, ...]:
        from darwin_metrics.darwin.net import read_connections

        return read_connections(kind, pids=pids)

    def connection_counts(self, pids: bool = True) -> ConnectionCounts:
        from darwin_metrics.darwin.net import read_connection_counts

        return read_connection_counts(pids=pids)

    def process_connections(self, pid: int, kind: str = "inet") -> tuple[Connection, ...]:
        from darwin_metrics.darwin.net import read_process_connections

        return read_process_connections(pid, kind)

    def network_stats(self, pid: int | None = None) -> NetworkStats:
        from darwin_metrics.darwin.netstats import read_network_stats

        return read_network_stats(pid)

    def processes(self, fields: frozenset[str] | None = None) -> tuple[Process, ...]:
        return self._process_reader().processes(fields)

    def process(self, pid: int) -> Process:
        return self._process_reader().process(pid)

    def threads(self, pid: int) -> tuple[Thread, ...]:
        return self._process_reader().threads(pid)

    def power_sources(self) -> PowerSources:
        from darwin_metrics.darwin.battery import read_power_sources

        return read_power_sources()

    def thermal(self) -> Thermal:
        from darwin_metrics.darwin.thermal import read_thermal

        return read_thermal()

    def gpus(self) -> tuple[GPU, ...]:
        from darwin_metrics.darwin.gpu import GPUFrequency, read_gpus

        return read_gpus(self._made("_gpu_frequency", GPUFrequency))

    def power_management(self) -> PowerManagement:
        from darwin_metrics.darwin.powermgmt import read_power_management

        return read_power_management()

    def wifi(self) -> tuple[WiFi, ...]:
        from darwin_metrics.darwin.wifi import read_wifi

        return read_wifi()
