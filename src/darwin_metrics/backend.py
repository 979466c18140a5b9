"""The backend contract and the choice of backend for this platform.

A backend turns the operating system's answers into records. :class:`Backend` lists every family;
each method raises :class:`~darwin_metrics.errors.NotSupported` unless a platform backend overrides
it, so a family a platform lacks is an explicit, typed answer rather than a missing attribute.
"""

from __future__ import annotations

import sys
from _thread import _local, allocate_lock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from darwin_metrics.errors import NotSupported

if TYPE_CHECKING:
    from darwin_metrics.fancontrol import FanController
    from darwin_metrics.records.battery import Battery, PowerSources
    from darwin_metrics.records.cgroup import CGroup
    from darwin_metrics.records.connections import Connection, ConnectionCounts
    from darwin_metrics.records.cpu import CPU
    from darwin_metrics.records.disk import DiskIO, Volume
    from darwin_metrics.records.gpu import GPU
    from darwin_metrics.records.memory import Memory
    from darwin_metrics.records.net import Interface
    from darwin_metrics.records.netstats import NetworkStats
    from darwin_metrics.records.power import Power, PowerManagement
    from darwin_metrics.records.process import Process, ProcessNode, Thread
    from darwin_metrics.records.sensors import Fan, Temperatures
    from darwin_metrics.records.sockstat import SocketStats
    from darwin_metrics.records.thermal import Thermal
    from darwin_metrics.records.wifi import WiFi


T = TypeVar("T")

#: Per-thread memo of the reads shared between families during one snapshot (see shared_reads).
_shared = _local()


class Backend:
    """Base of the platform backends; every family defaults to ``NotSupported``."""

    #: A short name: ``linux``, ``darwin`` or ``unsupported``.
    name = "unsupported"

    @contextmanager
    def shared_reads(self) -> Iterator[None]:
        """Within the block, a source that several families use (GPUs feed ``gpus``, ``thermal``
        and ``power``; power supplies feed ``batteries``, ``power`` and ``power_management``) is
        read once, on this thread. A snapshot reads its families inside one such block."""
        if getattr(_shared, "memo", None) is not None:
            yield
            return
        _shared.memo = {}
        try:
            yield
        finally:
            _shared.memo = None

    def _read_shared(self, key: str, read: Callable[[], T]) -> T:
        """``read()``, or its earlier result inside :meth:`shared_reads`. Errors are not kept."""
        memo: dict[tuple[int, str], Any] | None = getattr(_shared, "memo", None)
        if memo is None:
            return read()
        slot = (id(self), key)
        if slot not in memo:
            memo[slot] = read()
        result: T = memo[slot]
        return result

    def _unsupported(self, family: str) -> NotSupported:
        return NotSupported(f"{family} is not available on the {self.name} backend")

    def cpu(self) -> CPU:
        raise self._unsupported("cpu")

    def memory(self) -> Memory:
        raise self._unsupported("memory")

    def disks(self) -> tuple[DiskIO, ...]:
        raise self._unsupported("disks")

    def volumes(self, all: bool = False) -> tuple[Volume, ...]:
        raise self._unsupported("volumes")

    def interfaces(self) -> tuple[Interface, ...]:
        raise self._unsupported("interfaces")

    def processes(self, fields: frozenset[str] | None = None) -> tuple[Process, ...]:
        """Every process; ``fields`` (checked names of :class:`Process` fields, see
        :mod:`darwin_metrics.procfields`) limits what is filled, the rest being ``None``."""
        raise self._unsupported("processes")

    def process(self, pid: int) -> Process:
        raise self._unsupported("process")

    def threads(self, pid: int) -> tuple[Thread, ...]:
        raise self._unsupported("threads")

    def connections(self, kind: str = "inet", pids: bool = True) -> tuple[Connection, ...]:
        raise self._unsupported("connections")

    def connection_counts(self, pids: bool = True) -> ConnectionCounts:
        raise self._unsupported("connection_counts")

    def process_connections(self, pid: int, kind: str = "inet") -> tuple[Connection, ...]:
        raise self._unsupported("process_connections")

    def wifi(self) -> tuple[WiFi, ...]:
        raise self._unsupported("wifi")

    def network_stats(self, pid: int | None = None) -> NetworkStats:
        raise self._unsupported("network_stats")

    def socket_stats(self, pid: int | None = None) -> SocketStats:
        raise self._unsupported("socket_stats")

    def cgroup(self, pid: int | None = None) -> CGroup:
        raise self._unsupported("cgroup")

    def gpus(self) -> tuple[GPU, ...]:
        raise self._unsupported("gpus")

    def batteries(self) -> tuple[Battery, ...]:
        """The system batteries of :meth:`power_sources`, on every platform the same code."""
        return self.power_sources().batteries

    def power_sources(self) -> PowerSources:
        raise self._unsupported("power_sources")

    def power(self) -> Power:
        raise self._unsupported("power")

    def power_management(self) -> PowerManagement:
        raise self._unsupported("power_management")

    def temperatures(self) -> Temperatures:
        raise self._unsupported("temperatures")

    def fans(self) -> tuple[Fan, ...]:
        raise self._unsupported("fans")

    def thermal(self) -> Thermal:
        raise self._unsupported("thermal")

    def fan_control(self, fan: Fan | str, **options: Any) -> FanController:
        raise self._unsupported("fan control")

    def restore_pending_fans(self, state_dir: str | None = None) -> tuple[str, ...]:
        raise self._unsupported("fan control")

    def process_tree(self) -> tuple[ProcessNode, ...]:
        from darwin_metrics.proctree import build_tree

        return build_tree(self.processes())


_lock = allocate_lock()
_default: Backend | None = None


def default_backend() -> Backend:
    """The backend for this platform, created once (thread-safe)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = _make_backend()
    return _default


def _make_backend() -> Backend:
    if sys.platform.startswith("linux"):
        from darwin_metrics.linux.backend import LinuxBackend

        return LinuxBackend()
    if sys.platform == "darwin":
        from darwin_metrics.darwin.backend import DarwinBackend

        return DarwinBackend()
    return Backend()
