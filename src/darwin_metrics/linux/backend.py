"""The Linux backend: each family delegates to its collector module, imported on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from darwin_metrics.backend import Backend
from darwin_metrics.linux.fs import Roots

if TYPE_CHECKING:
    from darwin_metrics.linux.process import ProcessReader
    from darwin_metrics.records.cpu import CPU
    from darwin_metrics.records.disk import DiskIO, Volume
    from darwin_metrics.records.memory import Memory
    from darwin_metrics.records.net import Interface
    from darwin_metrics.records.process import Process, ProcessNode, Thread


class LinuxBackend(Backend):
    """Reads ``/proc`` and ``/sys`` (or the roots given, or ``$DARWIN_METRICS_PROCFS/SYSFS``).

    ``LinuxBackend(procfs="/tmp/tree/proc", sysfs="/tmp/tree/sys")`` reads a captured tree.
    """

    name = "linux"

    def __init__(self, procfs: str | None = None, sysfs: str | None = None) -> None:
        self.roots = Roots.resolve(procfs, sysfs)
        self._processes: ProcessReader | None = None

    def _process_reader(self) -> ProcessReader:
        if self._processes is None:
            from darwin_metrics.linux.process import ProcessReader

            self._processes = ProcessReader(self.roots)
        return self._processes

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

    def processes(self) -> tuple[Process, ...]:
        return self._process_reader().processes()

    def process(self, pid: int) -> Process:
        return self._process_reader().process(pid)

    def threads(self, pid: int) -> tuple[Thread, ...]:
        return self._process_reader().threads(pid)

    def process_tree(self) -> tuple[ProcessNode, ...]:
        from darwin_metrics.process_tree import build_tree

        reader = self._process_reader()
        return build_tree(reader.processes(), reader.known_parents())
