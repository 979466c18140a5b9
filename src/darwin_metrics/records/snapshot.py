"""The whole-machine snapshot and the capability report."""

from __future__ import annotations

import msgspec

from darwin_metrics.records.battery import Battery
from darwin_metrics.records.cgroup import CGroup
from darwin_metrics.records.connections import ConnectionCounts
from darwin_metrics.records.cpu import CPU
from darwin_metrics.records.disk import DiskIO, Volume
from darwin_metrics.records.gpu import GPU
from darwin_metrics.records.memory import Memory
from darwin_metrics.records.net import Interface
from darwin_metrics.records.netstats import NetworkStats
from darwin_metrics.records.power import Power, PowerManagement
from darwin_metrics.records.process import Process
from darwin_metrics.records.sensors import Fan, Temperatures
from darwin_metrics.records.sockstat import SocketStats
from darwin_metrics.records.thermal import Thermal
from darwin_metrics.records.wifi import WiFi


class Snapshot(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Every family at one moment. ``timestamp`` is seconds since the Unix epoch; a family the
    platform cannot give (or the caller may not read) is ``None``."""

    timestamp: float
    platform: str
    cpu: CPU | None = None
    memory: Memory | None = None
    disks: tuple[DiskIO, ...] | None = None
    volumes: tuple[Volume, ...] | None = None
    interfaces: tuple[Interface, ...] | None = None
    processes: tuple[Process, ...] | None = None
    #: socket counts per protocol and state; listening ports without owners (``pids=False``)
    connection_counts: ConnectionCounts | None = None
    network_stats: NetworkStats | None = None
    #: sockets in use per protocol (Linux ``/proc/net/sockstat``)
    socket_stats: SocketStats | None = None
    wifi: tuple[WiFi, ...] | None = None
    cgroup: CGroup | None = None
    gpus: tuple[GPU, ...] | None = None
    temperatures: Temperatures | None = None
    fans: tuple[Fan, ...] | None = None
    thermal: Thermal | None = None
    batteries: tuple[Battery, ...] | None = None
    power: Power | None = None
    power_management: PowerManagement | None = None


class FamilyCapability(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Whether a metric family works on this machine, and which of its fields carry values.

    ``fields`` are dotted paths into the family's record (``"times.iowait"``,
    ``"cores[].frequency.current"``); ``reason`` says why an unsupported family is missing.
    """

    name: str
    supported: bool
    fields: tuple[str, ...] = ()
    reason: str | None = None


class Capabilities(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What this machine can report, family by family."""

    platform: str
    backend: str
    families: tuple[FamilyCapability, ...]
