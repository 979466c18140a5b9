"""The macOS backend: each family delegates to its collector, imported on first use.

Creating a :class:`DarwinBackend` loads nothing; libraries open on the first call that needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from darwin_metrics.backend import Backend

if TYPE_CHECKING:
    from darwin_metrics.darwin.process import ProcessReader
    from darwin_metrics.records.battery import PowerSources
    from darwin_metrics.records.connections import Connection, ConnectionCounts
    from darwin_metrics.records.cpu import CPU
    from darwin_metrics.records.disk import DiskIO, Volume
    from darwin_metrics.records.memory import Memory
    from darwin_metrics.records.net import Interface
    from darwin_metrics.records.process import Process, Thread


class DarwinBackend(Backend):
    """Reads a Mac through libSystem, IOKit and CoreFoundation (ctypes) and psutil."""

    name = "darwin"

    def __init__(self) -> None:
        self._processes: ProcessReader | None = None

    def _process_reader(self) -> ProcessReader:
        if self._processes is None:
            from darwin_metrics.darwin.process import ProcessReader

            self._processes = ProcessReader()
        return self._processes

    def cpu(self) -> CPU:
        from darwin_metrics.darwin.cpu import read_cpu

        return read_cpu()

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

    def processes(self) -> tuple[Process, ...]:
        return self._process_reader().processes()

    def process(self, pid: int) -> Process:
        return self._process_reader().process(pid)

    def threads(self, pid: int) -> tuple[Thread, ...]:
        return self._process_reader().threads(pid)

    def power_sources(self) -> PowerSources:
        from darwin_metrics.darwin.battery import read_power_sources

        return read_power_sources()
