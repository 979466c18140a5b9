"""Rates between two snapshots, and the :class:`Sample` a :class:`~darwin_metrics.Sampler` returns.

Every ``*_per_second`` field is a count (bytes, packets, operations, events) per second of wall time
between the two readings; every ``*_percent`` field is 0-100 (a process's ``cpu_percent`` is percent
of *one* CPU, like ``top``, and can exceed 100 for a multithreaded process). A rate that cannot be
computed honestly (counter reset, device re-created, counter not reported, no time elapsed) is
``None``, never a negative or invented number.
"""

from __future__ import annotations

import msgspec

from darwin_metrics.records.netstats import InterfaceLoss, NetworkStatsRates
from darwin_metrics.records.power import PowerRailRate, ProcessPowerEstimate, package_watts
from darwin_metrics.records.snapshot import Snapshot


class CPUModePercents(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Share of CPU time spent in each mode between two readings, in percent (0-100).

    The modes sum to 100 (within rounding) over the modes the platform accounts; a mode the platform
    does not account is ``None``. ``guest`` time is inside ``user``/``nice``, as the kernel counts it.
    """

    user: float
    nice: float | None = None
    system: float
    idle: float
    iowait: float | None = None
    irq: float | None = None
    softirq: float | None = None
    steal: float | None = None


class CoreRates(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Utilisation of one logical CPU: ``percent`` busy (0-100) and the per-mode split.

    ``index`` is the kernel's CPU number, as in :class:`~darwin_metrics.records.Core`. ``percent``
    and ``modes`` are ``None`` when the core accounted no time between the readings.
    """

    index: int
    percent: float | None
    modes: CPUModePercents | None = None


class CPURates(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Whole-machine CPU utilisation: ``percent`` busy (0-100), its per-mode split, and each core.

    Busy is everything but ``idle`` and ``iowait``. ``cores`` is sorted by core index and holds the
    cores present in both readings.
    """

    percent: float | None
    modes: CPUModePercents | None = None
    cores: tuple[CoreRates, ...] = ()

    @property
    def per_core_percent(self) -> tuple[float | None, ...]:
        """Busy percent of each core, in the order of :attr:`cores`."""
        return tuple(core.percent for core in self.cores)


class InterfaceRates(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Traffic of one network interface per second: bytes, packets, error and drop events.

    A field is ``None`` when its counter is not reported or was reset between the readings.
    """

    name: str
    rx_bytes_per_second: float | None = None
    rx_packets_per_second: float | None = None
    rx_errors_per_second: float | None = None
    rx_drops_per_second: float | None = None
    tx_bytes_per_second: float | None = None
    tx_packets_per_second: float | None = None
    tx_errors_per_second: float | None = None
    tx_drops_per_second: float | None = None


class DiskRates(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """I/O of one block device: bytes per second, operations per second (IOPS), busy percent.

    ``busy_percent`` is the share of wall time with at least one request in flight (0-100).
    """

    name: str
    read_bytes_per_second: float | None = None
    write_bytes_per_second: float | None = None
    reads_per_second: float | None = None
    writes_per_second: float | None = None
    busy_percent: float | None = None


class ProcessRates(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """CPU and storage I/O of one process between two readings.

    A process is identified by ``(pid, create_time)``, so a reused pid is a new process (and has no
    rates until its second reading). ``cpu_percent`` is percent of one CPU (user + system time over
    wall time, times 100); it can exceed 100 for a process running on several CPUs. The I/O rates
    are bytes per second to and from storage, ``None`` where the process's I/O may not be read.
    """

    pid: int
    create_time: float | None
    cpu_percent: float | None
    read_bytes_per_second: float | None = None
    write_bytes_per_second: float | None = None


class ThermalRates(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Throttling over the interval between two samples.

    ``throttling`` is True when a CPU throttle counter (count or time) rose or a present-tense
    source of the newer :class:`~darwin_metrics.records.Thermal` reading throttles; ``None`` when
    the machine has no throttling source at all. ``sources`` names each (``cpu-package0``,
    ``cpu-core0.1`` for package 0 core 1, ``gpu0:hw_thermal_slowdown``, ``pressure:heavy``).
    ``package_events_per_second``/``core_events_per_second`` are the summed rises of the package
    and core throttle counts per second (``None`` without those counters).
    """

    throttling: bool | None
    sources: tuple[str, ...] = ()
    package_events_per_second: float | None = None
    core_events_per_second: float | None = None


class Rates(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Rates between two snapshots taken ``elapsed`` seconds apart (monotonic clock).

    A family is ``None`` when either snapshot lacks it. Sequences hold the items present in both
    snapshots that have honest rates (a re-created interface or disk is left out until its next
    reading). Later families add fields here with a ``None`` default.
    """

    elapsed: float
    cpu: CPURates | None = None
    disks: tuple[DiskRates, ...] | None = None
    interfaces: tuple[InterfaceRates, ...] | None = None
    processes: tuple[ProcessRates, ...] | None = None
    #: Each process's *estimated* share of CPU package power over the interval (see
    #: :mod:`darwin_metrics.power_estimate`); ``None`` without CPU or process rates.
    estimated_process_power: tuple[ProcessPowerEstimate, ...] | None = None
    #: Protocol counter rates and the TCP retransmission ratio (:mod:`darwin_metrics.netrates`).
    network_stats: NetworkStatsRates | None = None
    #: Per-interface drop and error percentages over the interval (packet-loss indicators).
    interface_loss: tuple[InterfaceLoss, ...] | None = None
    #: Average watts of each counter-based power rail (RAPL, hwmon energy) over the interval.
    power: tuple[PowerRailRate, ...] | None = None
    #: Whether the CPU throttle counters rose over the interval, with the present-tense sources.
    thermal: ThermalRates | None = None

    @property
    def package_watts(self) -> float | None:
        """Watts of all CPU packages together over the interval (RAPL), or ``None``."""
        return None if self.power is None else package_watts(self.power)

    def interface(self, name: str) -> InterfaceRates | None:
        """The rates of interface ``name``, or ``None``."""
        return next((r for r in self.interfaces or () if r.name == name), None)

    def disk(self, name: str) -> DiskRates | None:
        """The rates of block device ``name``, or ``None``."""
        return next((r for r in self.disks or () if r.name == name), None)

    def process(self, pid: int, create_time: float | None = None) -> ProcessRates | None:
        """The rates of process ``pid`` (and ``create_time``, when given), or ``None``."""
        for r in self.processes or ():
            if r.pid == pid and (create_time is None or r.create_time == create_time):
                return r
        return None


class Sample(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One reading of a :class:`~darwin_metrics.Sampler`.

    ``timestamp`` is the snapshot's time (seconds since the Unix epoch); ``elapsed`` the seconds
    since the previous sample (monotonic clock) and ``rates`` the rates over that time; both are
    ``None`` on the first sample.
    """

    timestamp: float
    snapshot: Snapshot
    elapsed: float | None = None
    rates: Rates | None = None
