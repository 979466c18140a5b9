"""darwin-metrics: native, typed system metrics for macOS and Linux.

Every function returns immutable records in SI units (bytes, seconds, hertz, degrees Celsius,
watts); a value this machine cannot give is ``None``. Record types live in
:mod:`darwin_metrics.records` and are re-exported here.

>>> import darwin_metrics as dm
>>> dm.memory().total          # bytes
>>> dm.Sampler().sample()      # readings plus rates since the previous sample
>>> with dm.Monitor() as m:    # typed events as they happen (docs/events.md)
...     for event in m.events(): print(event)
"""

from __future__ import annotations

import sys

from darwin_metrics.errors import (
    AccessDenied,
    DarwinMetricsError,
    FanControlError,
    NoSuchProcess,
    NotSupported,
    ParseError,
)
from darwin_metrics.records import __all__ as _record_names

#: ``typing.TYPE_CHECKING`` without importing typing: type checkers treat this name as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from darwin_metrics.backend import Backend
    from darwin_metrics.fancontrol import FanController
    from darwin_metrics.monitor.aio import asnapshot, stream
    from darwin_metrics.monitor.core import Monitor
    from darwin_metrics.monitor.events import (
        AddressAdded,
        AddressRemoved,
        BatteryLow,
        BatteryStateChanged,
        CgroupLimitHit,
        Event,
        FanStalled,
        GpuAppeared,
        GpuLost,
        InterfaceDown,
        InterfaceUp,
        MemoryPressureChanged,
        PortClosed,
        PortOpened,
        PowerSourceChanged,
        ProcessExited,
        ProcessStarted,
        TemperatureCritical,
        ThresholdCrossed,
        ThrottlingStarted,
        ThrottlingStopped,
        VolumeAlmostFull,
        VolumeMounted,
        VolumeUnmounted,
    )
    from darwin_metrics.procfields import PROCESS_FIELDS
    from darwin_metrics.records import (
        CPU,
        GPU,
        Battery,
        Capabilities,
        DiskIO,
        Interface,
        Memory,
        Power,
        PowerManagement,
        PowerSources,
        Process,
        ProcessNode,
        Snapshot,
        Thread,
        Volume,
    )
    from darwin_metrics.records.cgroup import CGroup
    from darwin_metrics.records.connections import (
        Connection,
        ConnectionCounts,
        ConnectionKind,
    )
    from darwin_metrics.records.netstats import NetworkStats
    from darwin_metrics.records.sensors import Fan, Temperatures
    from darwin_metrics.records.sockstat import SocketStats
    from darwin_metrics.records.thermal import Thermal
    from darwin_metrics.records.wifi import WiFi
    from darwin_metrics.sampler import Sample, Sampler

__version__ = "0.1.0"


def _backend() -> Backend:
    from darwin_metrics.backend import default_backend

    return default_backend()


def _pid(pid: object) -> int:
    from darwin_metrics.validate import pid_argument

    return pid_argument(pid)


def _optional_pid(pid: object) -> int | None:
    return None if pid is None else _pid(pid)


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def cpu() -> CPU:
    """Processors: identity, counts, per-core and total times (s), frequencies (Hz), load."""
    result: CPU = _backend().cpu()
    return result


def memory() -> Memory:
    """Physical memory and swap in bytes, with pressure."""
    result: Memory = _backend().memory()
    return result


def disks() -> tuple[DiskIO, ...]:
    """I/O counters of every block device (bytes, operations, seconds)."""
    result: tuple[DiskIO, ...] = _backend().disks()
    return result


def volumes(all: bool = False) -> tuple[Volume, ...]:
    """Mounted file systems with capacity in bytes; ``all=True`` includes pseudo file systems."""
    result: tuple[Volume, ...] = _backend().volumes(all=_flag(all, "all"))
    return result


def interfaces() -> tuple[Interface, ...]:
    """Network interfaces: state, kind, addresses and counters."""
    result: tuple[Interface, ...] = _backend().interfaces()
    return result


def processes(fields: Iterable[str] | None = None) -> tuple[Process, ...]:
    """Every process this caller can see; vanished processes are skipped.

    ``fields``: the :class:`Process` field names to fill (see :data:`PROCESS_FIELDS`); ``pid``,
    ``ppid``, ``name`` and ``status`` are always filled and every other field not named is
    ``None``, which spares reading its sources. ``None`` (the default) fills every field.
    ``ValueError`` for an unknown name, ``TypeError`` for a ``str`` or a non-iterable.
    """
    if fields is None:
        result: tuple[Process, ...] = _backend().processes()
    else:
        from darwin_metrics.procfields import field_set

        result = _backend().processes(field_set(fields))
    return result


def process(pid: int) -> Process:
    """One process, the same record as in :func:`processes`; raises :class:`NoSuchProcess` if it
    does not exist, ``TypeError`` for a pid that is not an ``int``, ``ValueError`` out of range (see ``validate.pid_argument``)."""
    result: Process = _backend().process(_pid(pid))
    return result


def process_tree() -> tuple[ProcessNode, ...]:
    """All processes as parent → children trees; returns the roots."""
    result: tuple[ProcessNode, ...] = _backend().process_tree()
    return result


def gpus() -> tuple[GPU, ...]:
    """Every GPU (NVIDIA via NVML, AMD via amdgpu, Intel via i915/xe): load, memory (bytes),
    temperatures, power (W), clocks (Hz), throttle reasons and processes; ``()`` when none."""
    result: tuple[GPU, ...] = _backend().gpus()
    return result


def threads(pid: int) -> tuple[Thread, ...]:
    """The threads of process ``pid`` with their CPU times (s)."""
    result: tuple[Thread, ...] = _backend().threads(_pid(pid))
    return result


def connections(kind: ConnectionKind = "inet", pids: bool = True) -> tuple[Connection, ...]:
    """Sockets of this network namespace: ``kind`` is ``inet`` (TCP+UDP, v4+v6), ``inet4``,
    ``inet6``, ``tcp``, ``tcp4``, ``tcp6``, ``udp``, ``udp4``, ``udp6``, ``unix`` or ``all``.

    Each record has addresses, ports, state, inode and uid; with ``pids=True`` also the owning
    processes (one scan of ``/proc/*/fd``), else ``pids`` is ``None``. ``ValueError`` for an
    unknown kind.
    """
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a str, not {type(kind).__name__}")
    result: tuple[Connection, ...] = _backend().connections(kind, pids=_flag(pids, "pids"))
    return result


def connection_counts(pids: bool = True) -> ConnectionCounts:
    """Socket counts per protocol, family and state, and the listening ports with their processes."""
    result: ConnectionCounts = _backend().connection_counts(pids=_flag(pids, "pids"))
    return result


def process_connections(pid: int, kind: ConnectionKind = "inet") -> tuple[Connection, ...]:
    """The sockets process ``pid`` holds (from its own network namespace); raises
    :class:`NoSuchProcess` or :class:`AccessDenied`."""
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a str, not {type(kind).__name__}")
    result: tuple[Connection, ...] = _backend().process_connections(_pid(pid), kind)
    return result


def wifi() -> tuple[WiFi, ...]:
    """Every wireless interface: SSID, BSSID, frequency (Hz), signal/noise (dBm), bit rates
    (bit/s), link quality and counters; ``()`` without Wi-Fi."""
    result: tuple[WiFi, ...] = _backend().wifi()
    return result


def network_stats(pid: int | None = None) -> NetworkStats:
    """TCP, UDP, IP and ICMP counters of this network namespace (or that of process ``pid``)."""
    result: NetworkStats = _backend().network_stats(_optional_pid(pid))
    return result


def socket_stats(pid: int | None = None) -> SocketStats:
    """Sockets in use per protocol (TCP, UDP, UDP-Lite, raw, fragments; IPv4 and IPv6) and the
    memory they hold (bytes) in this network namespace (or that of process ``pid``); raises
    :class:`NotSupported` where the platform has no such summary (macOS)."""
    result: SocketStats = _backend().socket_stats(_optional_pid(pid))
    return result


def cgroup(pid: int | None = None) -> CGroup:
    """The cgroup v2 of process ``pid`` (default: this one) with its limits and usage; raises
    :class:`NotSupported` on a cgroup v1 system."""
    result: CGroup = _backend().cgroup(_optional_pid(pid))
    return result


def batteries() -> tuple[Battery, ...]:
    """The batteries that power this machine: charge, health, energy (J), power (W), times (s)."""
    result: tuple[Battery, ...] = _backend().batteries()
    return result


def power_sources() -> PowerSources:
    """System batteries, peripherals' batteries and power adapters, and whether on AC."""
    result: PowerSources = _backend().power_sources()
    return result


def power() -> Power:
    """Power rails (RAPL, hwmon, battery, GPU): instantaneous watts where the hardware gives them,
    cumulative energy counters in joules. One reading, no sleep: the average watts of counter-based
    rails (RAPL) are a rate, ``Sampler().sample().rates.power``."""
    result: Power = _backend().power()
    return result


def power_management() -> PowerManagement:
    """CPU frequency governors and energy preferences, platform profile, AC or battery."""
    result: PowerManagement = _backend().power_management()
    return result


def temperatures() -> Temperatures:
    """Every temperature in °C: chip sensors (classified cpu, gpu, storage, …), thermal zones with
    their trip points, and cooling devices."""
    result: Temperatures = _backend().temperatures()
    return result


def fans() -> tuple[Fan, ...]:
    """Every fan channel: speed (RPM), PWM duty (percent), mode, and whether it can be driven."""
    result: tuple[Fan, ...] = _backend().fans()
    return result


def thermal() -> Thermal:
    """Thermal throttling: CPU throttle counters, GPU clock-event reasons and whether a source
    throttles now (``None`` without any source). Whether the counters rose is a rate:
    ``Sampler().sample().rates.thermal``."""
    result: Thermal = _backend().thermal()
    return result


def fan_control(
    fan: Fan | str,
    *,
    force: bool = False,
    state_dir: str | None = None,
    spin_check: float = 3.0,
    watchdog_interval: float = 1.0,
    min_duty_percent: float = 20.0,
) -> FanController:
    """Opt-in control of one fan (needs root): ``with fan_control(fan) as ctl: ctl.set_duty(40)``.

    ``fan`` is a :class:`Fan` or its id (``nct6779/fan1``). The fan's previous settings are saved
    before the first write and restored when the block ends, on SIGTERM/SIGINT/SIGHUP, at exit, and
    after a SIGKILL on the next start (state files in ``state_dir``, default
    ``/run/darwin-metrics``). See docs/sensors.md for the whole safety procedure.
    """
    result: FanController = _backend().fan_control(
        fan,
        force=force,
        state_dir=state_dir,
        spin_check=spin_check,
        watchdog_interval=watchdog_interval,
        min_duty_percent=min_duty_percent,
    )
    return result


def restore_pending(state_dir: str | None = None) -> tuple[str, ...]:
    """Restore fans left under manual control by a process that was killed; returns their ids."""
    result: tuple[str, ...] = _backend().restore_pending_fans(state_dir)
    return result


def snapshot(*, processes: bool = True) -> Snapshot:
    """Every family at once; a family this machine cannot give is ``None``."""
    from darwin_metrics.collect import take_snapshot

    return take_snapshot(_backend(), include_processes=_flag(processes, "processes"))


def capabilities() -> Capabilities:
    """Which families and fields this machine gives."""
    from darwin_metrics.collect import capabilities as _capabilities

    return _capabilities(_backend())


_LAZY = {
    "Sampler": "darwin_metrics.sampler",
    "Sample": "darwin_metrics.sampler",
    "records": "darwin_metrics.records",
    "FanController": "darwin_metrics.fancontrol",
    "Backend": "darwin_metrics.backend",
    "PROCESS_FIELDS": "darwin_metrics.procfields",
    "Monitor": "darwin_metrics.monitor.core",
    "stream": "darwin_metrics.monitor.aio",
    "asnapshot": "darwin_metrics.monitor.aio",
}
#: Event types of the Monitor (darwin_metrics.monitor.events), imported on first use.
_EVENTS = frozenset(
    {
        "Event",
        "ThresholdCrossed",
        "ProcessStarted",
        "ProcessExited",
        "InterfaceUp",
        "InterfaceDown",
        "AddressAdded",
        "AddressRemoved",
        "PortOpened",
        "PortClosed",
        "ThrottlingStarted",
        "ThrottlingStopped",
        "FanStalled",
        "TemperatureCritical",
        "PowerSourceChanged",
        "BatteryLow",
        "BatteryStateChanged",
        "VolumeMounted",
        "VolumeUnmounted",
        "VolumeAlmostFull",
        "MemoryPressureChanged",
        "GpuAppeared",
        "GpuLost",
        "CgroupLimitHit",
    }
)


def _import(module: str) -> Any:
    """``importlib.import_module(module)`` without importing :mod:`importlib`."""
    __import__(module)
    return sys.modules[module]


def __getattr__(name: str) -> Any:
    """Import record types and the Sampler on first use, keeping ``import darwin_metrics`` fast."""
    if name in _LAZY:
        module = _import(_LAZY[name])
        return module if name == "records" else getattr(module, name)
    if name in _EVENTS:
        return getattr(_import("darwin_metrics.monitor.events"), name)
    records = _import("darwin_metrics.records")
    if name in records.__all__:
        return getattr(records, name)
    raise AttributeError(f"module 'darwin_metrics' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Every public name, the lazily imported record types included."""
    return sorted(set(globals()) | set(__all__))


__all__ = [
    *_record_names,
    "AccessDenied",
    "AddressAdded",
    "AddressRemoved",
    "BatteryLow",
    "BatteryStateChanged",
    "CgroupLimitHit",
    "Event",
    "FanStalled",
    "GpuAppeared",
    "GpuLost",
    "InterfaceDown",
    "InterfaceUp",
    "MemoryPressureChanged",
    "Monitor",
    "PortClosed",
    "PortOpened",
    "PowerSourceChanged",
    "ProcessExited",
    "ProcessStarted",
    "TemperatureCritical",
    "ThresholdCrossed",
    "ThrottlingStarted",
    "ThrottlingStopped",
    "VolumeAlmostFull",
    "VolumeMounted",
    "VolumeUnmounted",
    "asnapshot",
    "stream",
    "Backend",
    "DarwinMetricsError",
    "NoSuchProcess",
    "NotSupported",
    "PROCESS_FIELDS",
    "ParseError",
    "Sample",
    "Sampler",
    "__version__",
    "batteries",
    "power",
    "power_management",
    "power_sources",
    "capabilities",
    "cgroup",
    "connection_counts",
    "connections",
    "cpu",
    "disks",
    "fan_control",
    "fans",
    "restore_pending",
    "temperatures",
    "thermal",
    "FanController",
    "FanControlError",
    "gpus",
    "interfaces",
    "memory",
    "network_stats",
    "process",
    "process_connections",
    "process_tree",
    "processes",
    "snapshot",
    "socket_stats",
    "threads",
    "wifi",
    "volumes",
]
