"""The Linux backend: each family delegates to its collector module, imported on first use."""

from __future__ import annotations

from _thread import allocate_lock
from typing import TYPE_CHECKING, Any

from darwin_metrics.backend import Backend
from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.linux.fs import Roots
from darwin_metrics.validate import optional_pid, pid_argument

if TYPE_CHECKING:
    from darwin_metrics.linux.fancontrol import FanController
    from darwin_metrics.linux.hwmon import HwmonChip
    from darwin_metrics.linux.process import ProcessReader
    from darwin_metrics.records.battery import PowerSources
    from darwin_metrics.records.cgroup import CGroup
    from darwin_metrics.records.connections import Connection, ConnectionCounts
    from darwin_metrics.records.cpu import CPU
    from darwin_metrics.records.disk import DiskIO, Volume
    from darwin_metrics.records.gpu import GPU
    from darwin_metrics.records.memory import Memory
    from darwin_metrics.records.net import Interface
    from darwin_metrics.records.netstats import NetworkStats
    from darwin_metrics.records.power import Power, PowerManagement, PowerRail
    from darwin_metrics.records.process import Process, ProcessNode, Thread
    from darwin_metrics.records.sensors import Fan, Temperatures
    from darwin_metrics.records.sockstat import SocketStats
    from darwin_metrics.records.thermal import Thermal
    from darwin_metrics.records.wifi import WiFi


class LinuxBackend(Backend):
    """Reads ``/proc`` and ``/sys`` (or the roots given, or ``$DARWIN_METRICS_PROCFS/SYSFS``).

    ``LinuxBackend(procfs="/tmp/tree/proc", sysfs="/tmp/tree/sys")`` reads a captured tree.
    """

    name = "linux"

    def __init__(self, procfs: str | None = None, sysfs: str | None = None) -> None:
        if procfs is None or sysfs is None:
            Roots.check_environment()
        self.roots = Roots.resolve(procfs, sysfs)
        self._processes: ProcessReader | None = None
        self._processes_lock = allocate_lock()

    def _process_reader(self) -> ProcessReader:
        """The backend's one process reader, made on first use (once, whatever the threads)."""
        reader = self._processes
        if reader is None:
            from darwin_metrics.linux.process import ProcessReader

            with self._processes_lock:
                reader = self._processes
                if reader is None:
                    reader = self._processes = ProcessReader(self.roots)
        return reader

    def cpu(self) -> CPU:
        from darwin_metrics.linux.cpu import read_cpu

        return read_cpu(self.roots)

    def memory(self) -> Memory:
        from darwin_metrics.linux.memory import read_memory

        return read_memory(self.roots)

    def disks(self) -> tuple[DiskIO, ...]:
        from darwin_metrics.linux.disk import read_disks

        return read_disks(self.roots)

    def volumes(self, all: bool = False) -> tuple[Volume, ...]:
        from darwin_metrics.linux.volumes import read_volumes

        return read_volumes(self.roots, include_pseudo=all)

    def interfaces(self) -> tuple[Interface, ...]:
        from darwin_metrics.linux.net import read_interfaces

        return read_interfaces(self.roots)

    def processes(self, fields: frozenset[str] | None = None) -> tuple[Process, ...]:
        return self._process_reader().processes(fields)

    def process(self, pid: int) -> Process:
        return self._process_reader().process(pid_argument(pid))

    def threads(self, pid: int) -> tuple[Thread, ...]:
        return self._process_reader().threads(pid_argument(pid))

    def connections(self, kind: str = "inet", pids: bool = True) -> tuple[Connection, ...]:
        from darwin_metrics.linux.connections import read_connections

        return read_connections(self.roots, kind, pids=pids)

    def connection_counts(self, pids: bool = True) -> ConnectionCounts:
        from darwin_metrics.linux.connections import read_connection_counts

        return read_connection_counts(self.roots, pids=pids)

    def process_connections(self, pid: int, kind: str = "inet") -> tuple[Connection, ...]:
        from darwin_metrics.linux.connections import read_process_connections

        return read_process_connections(self.roots, pid_argument(pid), kind)

    def wifi(self) -> tuple[WiFi, ...]:
        from darwin_metrics.linux.wifi import read_wifi

        return read_wifi(self.roots)

    def network_stats(self, pid: int | None = None) -> NetworkStats:
        from darwin_metrics.linux.netstats import read_network_stats

        return read_network_stats(self.roots, optional_pid(pid))

    def socket_stats(self, pid: int | None = None) -> SocketStats:
        from darwin_metrics.linux.sockstat import read_socket_stats

        return read_socket_stats(self.roots, optional_pid(pid))

    def cgroup(self, pid: int | None = None) -> CGroup:
        from darwin_metrics.linux.cgroup import read_cgroup

        return read_cgroup(self.roots, optional_pid(pid))

    def gpus(self) -> tuple[GPU, ...]:
        from darwin_metrics.linux.gpu import read_gpus

        return self._read_shared("gpus", lambda: read_gpus(self.roots))

    def power_sources(self) -> PowerSources:
        from darwin_metrics.linux.battery import read_power_sources

        return self._read_shared("power_sources", lambda: read_power_sources(self.roots))

    def power(self) -> Power:
        from darwin_metrics.linux.power import read_power

        return read_power(self.roots, extra_rails=self._other_rails, chips=self._hwmon_chips())

    def _hwmon_chips(self) -> tuple[HwmonChip, ...]:
        """The hwmon chips that ``temperatures()``, ``fans()`` and ``power()`` read: listed once
        per snapshot or scrape (inside :meth:`shared_reads`, on that thread), afresh on every
        other call, so a chip that appears or vanishes shows in the next reading."""
        from darwin_metrics.linux.hwmon import list_chips

        return self._read_shared("hwmon_chips", lambda: tuple(list_chips(self.roots)))

    def _other_rails(self) -> list[PowerRail]:
        """Battery and GPU power as rails (``power()`` lists them beside RAPL and hwmon)."""
        from darwin_metrics.records.power import PowerRail

        rails = [
            PowerRail(name=b.name, source="battery", domain="battery", watts=b.watts)
            for b in self.batteries()
            if b.watts is not None
        ]
        try:
            gpus = self.gpus()
        except DarwinMetricsError:
            gpus = ()
        rails.extend(
            PowerRail(
                name=f"gpu{gpu.index}",
                source="gpu",
                domain="gpu",
                index=gpu.index,
                watts=gpu.power_watts,
                joules=gpu.energy_joules,
                limit_watts=gpu.power_limit_watts,
            )
            for gpu in gpus
            if gpu.power_watts is not None or gpu.energy_joules is not None
        )
        return rails

    def power_management(self) -> PowerManagement:
        from darwin_metrics.linux.powermgmt import read_power_management

        return read_power_management(self.roots, on_ac=self.power_sources().on_ac)

    def temperatures(self) -> Temperatures:
        from darwin_metrics.linux.sensors import read_temperatures

        return read_temperatures(self.roots, self._hwmon_chips())

    def fans(self) -> tuple[Fan, ...]:
        from darwin_metrics.linux.fans import read_fans

        return read_fans(self.roots, self._hwmon_chips())

    def thermal(self) -> Thermal:
        from darwin_metrics.linux.thermal import read_thermal

        return read_thermal(self.roots, self._gpus_for_thermal)

    def _gpus_for_thermal(self) -> tuple[GPU, ...]:
        try:
            return self.gpus()
        except DarwinMetricsError:
            return ()

    def fan_control(self, fan: Fan | str, **options: Any) -> FanController:
        from darwin_metrics.fanregistry import find_fan
        from darwin_metrics.linux.fancontrol import FanController

        options.setdefault("procfs", self.roots.procfs)
        options.setdefault("sysfs", self.roots.sysfs)
        return FanController(find_fan(self.fans(), fan), **options)

    def restore_pending_fans(self, state_dir: str | None = None) -> tuple[str, ...]:
        from darwin_metrics.linux.fancontrol import restore_pending

        return restore_pending(state_dir, procfs=self.roots.procfs, sysfs=self.roots.sysfs)

    def process_tree(self) -> tuple[ProcessNode, ...]:
        from darwin_metrics.proctree import build_tree

        reader = self._process_reader()
        return build_tree(reader.processes(), reader.known_parents())
