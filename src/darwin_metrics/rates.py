"""Pure functions from two readings to rates: ``(previous, current, elapsed seconds) -> rates``.

Counters only grow, except when they wrap (a 32-bit counter passes 2**32 - 1) or are reset (the
device was re-created, the driver cleared its statistics). :func:`counter_delta` tells the two
apart, and every rate built on it is ``None`` rather than negative or absurd when a counter went
backwards for a reason other than a plausible wrap. Nothing here reads the system.

:data:`RATE_FAMILIES` lists the rate families :func:`compute_rates` fills, one row per
:class:`~darwin_metrics.records.Rates` field, so a new family (power estimates from energy counters,
for instance) is one field and one row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec

from darwin_metrics.power_estimate import estimate_process_power
from darwin_metrics.records.cpu import Core, CPUTimes
from darwin_metrics.records.disk import DiskIO
from darwin_metrics.records.net import Interface
from darwin_metrics.records.netstats import InterfaceLoss, NetworkStatsRates
from darwin_metrics.records.power import PowerRailRate, ProcessPowerEstimate, package_watts
from darwin_metrics.records.process import Process
from darwin_metrics.records.rates import (
    CoreRates,
    CPUModePercents,
    CPURates,
    DiskRates,
    InterfaceRates,
    ProcessRates,
    Rates,
    ThermalRates,
)
from darwin_metrics.records.snapshot import Snapshot

#: The modulus of a 32-bit counter.
WRAP_32 = 2**32
#: Linux counts disk I/O in 512-byte sectors; a 32-bit sector counter wraps at this many bytes.
SECTOR_WRAP_BYTES = WRAP_32 * 512
#: Linux reports disk times in milliseconds in 32-bit fields; they wrap at this many seconds.
MS_WRAP_SECONDS = WRAP_32 / 1000

#: CPU modes in the order of :class:`CPUModePercents`; the busy ones exclude idle and iowait.
CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
_IDLE_MODES = frozenset({"idle", "iowait"})

#: How a process is told apart from a later one that reuses its pid.
ProcessKey = tuple[int, float | None]


def counter_delta(
    previous: float | None,
    current: float | None,
    *,
    modulus: float = WRAP_32,
    max_delta: float | None = None,
) -> float | None:
    """How much a cumulative counter grew from ``previous`` to ``current``; ``None`` if unknown.

    ``current >= previous``: the difference. ``current < previous``: a wrap if ``previous`` fits in
    the counter's range (``previous < modulus``) and the wrapped difference
    ``current + modulus - previous`` is plausible, that is at most ``max_delta`` when given and
    otherwise less than half the range (a real wrap seen between two readings means the counter
    moved less than half its range; more than that is far likelier a reset). Anything else is a
    reset and gives ``None``. Either value ``None`` gives ``None``.
    """
    if previous is None or current is None:
        return None
    if current >= previous:
        return current - previous
    if previous >= modulus or current < 0:
        return None
    wrapped = current + modulus - previous
    limit = max_delta if max_delta is not None else modulus / 2
    return wrapped if wrapped <= limit else None


def counter_rate(
    previous: float | None,
    current: float | None,
    elapsed: float,
    *,
    modulus: float = WRAP_32,
    max_delta: float | None = None,
) -> float | None:
    """:func:`counter_delta` per second over ``elapsed`` seconds; ``None`` if ``elapsed <= 0``."""
    if not elapsed > 0:
        return None
    delta = counter_delta(previous, current, modulus=modulus, max_delta=max_delta)
    return None if delta is None else delta / elapsed


def _clamp_percent(value: float) -> float:
    return min(100.0, max(0.0, value))


def cpu_mode_deltas(previous: CPUTimes, current: CPUTimes) -> dict[str, float | None]:
    """Seconds spent in each mode between two readings, each clamped at 0.

    ``idle`` and ``iowait`` can go backwards on Linux (NO_HZ accounting, CPU hotplug), and a
    backward step is treated as no time in that mode. A mode missing in either reading is ``None``.
    """
    deltas: dict[str, float | None] = {}
    for mode in CPU_MODES:
        before = getattr(previous, mode)
        after = getattr(current, mode)
        deltas[mode] = None if before is None or after is None else max(0.0, after - before)
    return deltas


def cpu_mode_percents(previous: CPUTimes, current: CPUTimes) -> CPUModePercents | None:
    """Each mode's share (0-100) of the time accounted between two readings; ``None`` if none was."""
    deltas = cpu_mode_deltas(previous, current)
    total = sum(d for d in deltas.values() if d is not None)
    if not total > 0:
        return None
    share = {m: None if d is None else _clamp_percent(100.0 * d / total) for m, d in deltas.items()}
    return CPUModePercents(
        user=share["user"] or 0.0,
        nice=share["nice"],
        system=share["system"] or 0.0,
        idle=share["idle"] or 0.0,
        iowait=share["iowait"],
        irq=share["irq"],
        softirq=share["softirq"],
        steal=share["steal"],
    )


def cpu_percent(previous: CPUTimes, current: CPUTimes) -> float | None:
    """Busy share (0-100) of the CPU time accounted between two readings.

    Busy is every mode but ``idle`` and ``iowait``; each mode's delta is clamped at 0 first. ``None``
    when no time was accounted (readings too close together, or identical).
    """
    deltas = cpu_mode_deltas(previous, current)
    total = sum(d for d in deltas.values() if d is not None)
    if not total > 0:
        return None
    busy = sum(d for m, d in deltas.items() if d is not None and m not in _IDLE_MODES)
    return _clamp_percent(100.0 * busy / total)


def core_percents(previous: Iterable[Core], current: Iterable[Core]) -> dict[int, float | None]:
    """Busy percent (0-100) of each core present in both readings, keyed by core index."""
    before = {core.index: core.times for core in previous}
    return {
        core.index: cpu_percent(before[core.index], core.times)
        for core in current
        if core.index in before
    }


def cpu_rates(
    previous_times: CPUTimes,
    current_times: CPUTimes,
    previous_cores: Iterable[Core] = (),
    current_cores: Iterable[Core] = (),
) -> CPURates:
    """Total and per-core CPU utilisation between two readings (cores sorted by index)."""
    before = {core.index: core.times for core in previous_cores}
    cores = tuple(
        CoreRates(
            index=core.index,
            percent=cpu_percent(before[core.index], core.times),
            modes=cpu_mode_percents(before[core.index], core.times),
        )
        for core in sorted(current_cores, key=lambda c: c.index)
        if core.index in before
    )
    return CPURates(
        percent=cpu_percent(previous_times, current_times),
        modes=cpu_mode_percents(previous_times, current_times),
        cores=cores,
    )


def process_key(process: Process) -> ProcessKey:
    """``(pid, create_time)``: a pid reused by a new process gives a new key."""
    return (process.pid, process.create_time)


def _process_cpu_seconds(process: Process) -> float | None:
    times = process.cpu_times
    return None if times is None else times.user + times.system


def process_cpu_percents(
    previous: Iterable[Process], current: Iterable[Process], elapsed: float
) -> dict[ProcessKey, float | None]:
    """CPU percent of one CPU for each process present in both readings, keyed by ``(pid, create_time)``.

    ``(user + system)`` seconds gained over ``elapsed`` seconds, times 100; it can exceed 100 for a
    multithreaded process. ``None`` when the CPU time went backwards, is not readable (another
    user's process on macOS) or ``elapsed <= 0``.
    """
    before = {process_key(p): _process_cpu_seconds(p) for p in previous}
    result: dict[ProcessKey, float | None] = {}
    for proc in current:
        key = process_key(proc)
        if key in before:
            result[key] = _process_percent(before[key], _process_cpu_seconds(proc), elapsed)
    return result


def _process_percent(before: float | None, after: float | None, elapsed: float) -> float | None:
    if before is None or after is None or not elapsed > 0 or after < before:
        return None
    return 100.0 * (after - before) / elapsed


def process_rates(
    previous: Iterable[Process], current: Iterable[Process], elapsed: float
) -> dict[ProcessKey, ProcessRates]:
    """CPU percent and storage bytes per second of each process present in both readings.

    Process counters never wrap; one that went backwards gives ``None``.
    """
    before = {process_key(p): p for p in previous}
    result: dict[ProcessKey, ProcessRates] = {}
    for proc in current:
        key = process_key(proc)
        old = before.get(key)
        if old is None:
            continue
        read_rate = write_rate = None
        if old.io is not None and proc.io is not None:
            read_rate = _monotonic_rate(old.io.read_bytes, proc.io.read_bytes, elapsed)
            write_rate = _monotonic_rate(old.io.write_bytes, proc.io.write_bytes, elapsed)
        result[key] = ProcessRates(
            pid=proc.pid,
            create_time=proc.create_time,
            cpu_percent=_process_percent(
                _process_cpu_seconds(old), _process_cpu_seconds(proc), elapsed
            ),
            read_bytes_per_second=read_rate,
            write_bytes_per_second=write_rate,
        )
    return result


def _monotonic_rate(before: float, after: float, elapsed: float) -> float | None:
    if not elapsed > 0 or after < before:
        return None
    return (after - before) / elapsed


_INTERFACE_COUNTERS = (
    "rx_bytes",
    "rx_packets",
    "rx_errors",
    "rx_drops",
    "tx_bytes",
    "tx_packets",
    "tx_errors",
    "tx_drops",
)


def interface_rates(
    previous: Iterable[Interface], current: Iterable[Interface], elapsed: float
) -> dict[str, InterfaceRates | None]:
    """Per-second traffic of each interface present in both readings, keyed by name.

    The value is ``None`` when the interface was re-created between the readings (its index
    changed): its counters started again from zero. Each counter goes through
    :func:`counter_delta`, so a 32-bit wrap is followed and a reset gives ``None`` for that field.
    """
    before = {iface.name: iface for iface in previous}
    result: dict[str, InterfaceRates | None] = {}
    for iface in current:
        old = before.get(iface.name)
        if old is None:
            continue
        if old.index != iface.index:
            result[iface.name] = None
            continue
        values: dict[str, float | None] = {}
        for counter in _INTERFACE_COUNTERS:
            prev_value = getattr(old.counters, counter) if old.counters else None
            cur_value = getattr(iface.counters, counter) if iface.counters else None
            values[f"{counter}_per_second"] = counter_rate(prev_value, cur_value, elapsed)
        result[iface.name] = InterfaceRates(name=iface.name, **values)
    return result


def disk_rates(
    previous: Iterable[DiskIO], current: Iterable[DiskIO], elapsed: float
) -> dict[str, DiskRates | None]:
    """Bytes/s, IOPS and busy percent of each block device present in both readings, by name.

    The value is ``None`` when the device was re-created (its major:minor changed). ``busy_percent``
    is the busy time gained over ``elapsed``, times 100, clamped to 0-100. Byte counters follow a
    32-bit *sector* wrap and time counters a 32-bit *millisecond* wrap, as Linux keeps them.
    """
    before = {disk.name: disk for disk in previous}
    result: dict[str, DiskRates | None] = {}
    for disk in current:
        old = before.get(disk.name)
        if old is None:
            continue
        if (old.major, old.minor) != (disk.major, disk.minor):
            result[disk.name] = None
            continue
        busy_percent = None
        if elapsed > 0:
            busy = counter_delta(
                old.busy_time,
                disk.busy_time,
                modulus=MS_WRAP_SECONDS,
                max_delta=elapsed + 1.0,
            )
            if busy is not None:
                busy_percent = _clamp_percent(100.0 * busy / elapsed)
        result[disk.name] = DiskRates(
            name=disk.name,
            read_bytes_per_second=counter_rate(
                old.read_bytes, disk.read_bytes, elapsed, modulus=SECTOR_WRAP_BYTES
            ),
            write_bytes_per_second=counter_rate(
                old.write_bytes, disk.write_bytes, elapsed, modulus=SECTOR_WRAP_BYTES
            ),
            reads_per_second=counter_rate(old.reads, disk.reads, elapsed),
            writes_per_second=counter_rate(old.writes, disk.writes, elapsed),
            busy_percent=busy_percent,
        )
    return result


def _present(mapping: Mapping[Any, Any]) -> tuple[Any, ...]:
    return tuple(value for value in mapping.values() if value is not None)


class RateInputs(msgspec.Struct, frozen=True):
    """What a rate family is computed from: two snapshots, the seconds between them, and the
    families computed so far (earlier rows of :data:`RATE_FAMILIES`, by Rates field name), so a
    derived family (per-process power estimates from CPU rates, say) can build on them.

    ``family_elapsed`` holds, where known, the seconds between the two reads of one family (each
    family is read at its own moment within a snapshot); :meth:`elapsed_for` falls back to
    ``elapsed``.
    """

    previous: Snapshot
    current: Snapshot
    elapsed: float
    computed: Mapping[str, Any]
    family_elapsed: Mapping[str, float] = msgspec.field(default_factory=dict)

    def elapsed_for(self, family: str) -> float:
        """Seconds between the two reads of ``family``."""
        return self.family_elapsed.get(family, self.elapsed)


def _cpu_family(inputs: RateInputs) -> CPURates | None:
    before, after = inputs.previous.cpu, inputs.current.cpu
    if before is None or after is None:
        return None
    return cpu_rates(before.times, after.times, before.cores, after.cores)


def _disks_family(inputs: RateInputs) -> tuple[DiskRates, ...] | None:
    before, after = inputs.previous.disks, inputs.current.disks
    if before is None or after is None:
        return None
    return _present(disk_rates(before, after, inputs.elapsed_for("disks")))


def _interfaces_family(inputs: RateInputs) -> tuple[InterfaceRates, ...] | None:
    before, after = inputs.previous.interfaces, inputs.current.interfaces
    if before is None or after is None:
        return None
    return _present(interface_rates(before, after, inputs.elapsed_for("interfaces")))


def _processes_family(inputs: RateInputs) -> tuple[ProcessRates, ...] | None:
    before, after = inputs.previous.processes, inputs.current.processes
    if before is None or after is None:
        return None
    return tuple(process_rates(before, after, inputs.elapsed_for("processes")).values())


#: (Rates field, how to compute it). Rows run in order; each sees the earlier rows' results in
#: ``RateInputs.computed``. A new family adds a ``Rates`` field (default ``None``) and a row here.
def _estimated_power_family(inputs: RateInputs) -> tuple[ProcessPowerEstimate, ...] | None:
    """Per-process share of package power, estimated from CPU time (see power_estimate)."""
    cpu: CPURates | None = inputs.computed.get("cpu")
    procs: tuple[ProcessRates, ...] | None = inputs.computed.get("processes")
    current = inputs.current
    if cpu is None or cpu.percent is None or procs is None or current.cpu is None:
        return None
    names = {(p.pid, p.create_time): p.name for p in current.processes or ()}
    rails: tuple[PowerRailRate, ...] | None = inputs.computed.get("power")
    package = package_watts(rails) if rails else None
    if package is None and current.power is not None:
        package = current.power.package
    return estimate_process_power(
        (
            (r.pid, names.get((r.pid, r.create_time), ""), r.cpu_percent)
            for r in procs
            if r.cpu_percent is not None
        ),
        system_busy_percent=cpu.percent,
        logical_count=current.cpu.logical_count,
        package_watts=package,
    )


def _network_stats_family(inputs: RateInputs) -> NetworkStatsRates | None:
    """Protocol counter rates and the retransmission ratio (see :mod:`darwin_metrics.netrates`)."""
    from darwin_metrics.netrates import network_stats_rates

    before, after = inputs.previous.network_stats, inputs.current.network_stats
    if before is None or after is None:
        return None
    return network_stats_rates(before, after, inputs.elapsed_for("network_stats"))


def _interface_loss_family(inputs: RateInputs) -> tuple[InterfaceLoss, ...] | None:
    """Per-interface drop and error percentages (see :mod:`darwin_metrics.netrates`)."""
    from darwin_metrics.netrates import interfaces_loss

    before, after = inputs.previous.interfaces, inputs.current.interfaces
    if before is None or after is None:
        return None
    return interfaces_loss(before, after, inputs.elapsed_for("interfaces"))


def _power_family(inputs: RateInputs) -> tuple[PowerRailRate, ...] | None:
    """Average watts of counter-based power rails (see :mod:`darwin_metrics.hwrates`)."""
    from darwin_metrics.hwrates import power_rates

    before, after = inputs.previous.power, inputs.current.power
    if before is None or after is None:
        return None
    return power_rates(before, after, inputs.elapsed_for("power"))


def _thermal_family(inputs: RateInputs) -> ThermalRates | None:
    """Throttle counters that rose, and present-tense throttling (see :mod:`darwin_metrics.hwrates`)."""
    from darwin_metrics.hwrates import thermal_rates

    before, after = inputs.previous.thermal, inputs.current.thermal
    if before is None or after is None:
        return None
    return thermal_rates(before, after, inputs.elapsed_for("thermal"))


RATE_FAMILIES: tuple[tuple[str, Callable[[RateInputs], Any]], ...] = (
    ("cpu", _cpu_family),
    ("disks", _disks_family),
    ("interfaces", _interfaces_family),
    ("processes", _processes_family),
    ("power", _power_family),
    ("thermal", _thermal_family),
    ("estimated_process_power", _estimated_power_family),
    ("network_stats", _network_stats_family),
    ("interface_loss", _interface_loss_family),
)


def compute_rates(
    previous: Snapshot,
    current: Snapshot,
    elapsed: float,
    family_elapsed: Mapping[str, float] | None = None,
) -> Rates:
    """Every rate family between two snapshots taken ``elapsed`` seconds apart.

    ``family_elapsed`` gives, per family, the seconds between its two reads where they differ from
    ``elapsed`` (a family read later in one snapshot than in the other).
    """
    computed: dict[str, Any] = {}
    per_family = dict(family_elapsed or {})
    for name, compute in RATE_FAMILIES:
        computed[name] = compute(RateInputs(previous, current, elapsed, computed, per_family))
    return Rates(elapsed=elapsed, **computed)
