"""Detectors: one per event family, each comparing the previous reading of its family with the
current one and returning the events between them.

A detector's first reading only sets its baseline (no events for what already exists when the
monitor starts). Each is fed by the polling tick or, where the kernel pushes the change, by the
push thread; the Monitor holds one lock around every update, so a detector sees its readings in
order. Pure of I/O except :class:`ProcessDetector` (confirms a vanished pid once) and
:class:`PortDetector` (reads owners of new ports once), both through a backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.lazylog import get_logger
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
    ThrottlingStarted,
    ThrottlingStopped,
    VolumeAlmostFull,
    VolumeMounted,
    VolumeUnmounted,
)
from darwin_metrics.records.battery import Battery
from darwin_metrics.records.cgroup import CGroup
from darwin_metrics.records.connections import ConnectionCounts, ListeningPort
from darwin_metrics.records.disk import Volume
from darwin_metrics.records.gpu import GPU
from darwin_metrics.records.memory import Memory
from darwin_metrics.records.net import Interface
from darwin_metrics.records.power import PowerManagement
from darwin_metrics.records.process import Process
from darwin_metrics.records.sensors import Fan, Temperatures
from darwin_metrics.records.thermal import Thermal

log = get_logger(__name__)

ProcessKey = tuple[int, float | None]
_DEAD = frozenset({"zombie", "dead"})
PortKey = tuple[str, str, str, int]


class ProcessDetector:
    """Processes by identity (pid, create time): new keys start, missing keys exit.

    A key missing from one table is confirmed with ``confirm(pid)`` (the backend's ``process``)
    before it counts as an exit, so one unreadable entry is not an exit and a restart.
    """

    def __init__(self, confirm: Callable[[int], Process] | None = None) -> None:
        self.known: dict[ProcessKey, Process] | None = None
        self._confirm = confirm

    def update(self, processes: Sequence[Process], wall: float) -> list[Event]:
        # A zombie has exited; it stays in the table only until its parent reaps it.
        current = {(p.pid, p.create_time): p for p in processes if p.status not in _DEAD}
        previous, self.known = self.known, current
        if previous is None:
            return []
        events: list[Event] = []
        for key, proc in previous.items():
            if key in current:
                continue
            if self._still_alive(key):
                current[key] = proc
                continue
            events.append(
                ProcessExited(
                    observed_at=wall,
                    pid=proc.pid,
                    create_time=proc.create_time,
                    name=proc.name,
                    process=proc,
                )
            )
        for key, proc in current.items():
            if key not in previous:
                events.append(
                    ProcessStarted(
                        observed_at=wall,
                        pid=proc.pid,
                        create_time=proc.create_time,
                        ppid=proc.ppid,
                        name=proc.name,
                        process=proc,
                    )
                )
        return events

    def _still_alive(self, key: ProcessKey) -> bool:
        if self._confirm is None:
            return False
        try:
            again = self._confirm(key[0])
        except (DarwinMetricsError, OSError):
            return False
        return again.create_time == key[1] and again.status not in _DEAD


class InterfaceDetector:
    """Interfaces from the polled ``interfaces()`` table: up/down by ``is_up``, IP addresses
    added and removed (used where route netlink does not push)."""

    def __init__(self) -> None:
        self.known: dict[str, Interface] | None = None

    def update(self, interfaces: Sequence[Interface], wall: float) -> list[Event]:
        current = {i.name: i for i in interfaces}
        previous, self.known = self.known, current
        if previous is None:
            return []
        events: list[Event] = []
        for name, old in previous.items():
            new = current.get(name)
            if new is None:
                events += _address_events(old, None, wall)
                if old.is_up:
                    events.append(
                        InterfaceDown(observed_at=wall, name=name, index=old.index, removed=True)
                    )
            elif bool(old.is_up) != bool(new.is_up):
                if new.is_up:
                    events.append(
                        InterfaceUp(
                            observed_at=wall, name=name, index=new.index, running=new.is_running
                        )
                    )
                else:
                    events.append(InterfaceDown(observed_at=wall, name=name, index=new.index))
        for name, new in current.items():
            before = previous.get(name)
            if before is None and new.is_up:
                events.append(
                    InterfaceUp(
                        observed_at=wall, name=name, index=new.index, running=new.is_running
                    )
                )
            events += _address_events(before, new, wall)
        return events


def _ip_addresses(interface: Interface | None) -> set[tuple[str, str, int | None]]:
    if interface is None:
        return set()
    return {
        (a.family, a.address, a.prefix_length)
        for a in interface.addresses
        if a.family in ("ipv4", "ipv6")
    }


def _address_events(old: Interface | None, new: Interface | None, wall: float) -> list[Event]:
    before, after = _ip_addresses(old), _ip_addresses(new)
    some = new if new is not None else old
    assert some is not None
    events: list[Event] = []
    changes = ((AddressRemoved, before - after), (AddressAdded, after - before))
    for kind, addresses in changes:
        for family, address, prefix in sorted(addresses, key=str):
            events.append(
                kind(
                    observed_at=wall,
                    interface=some.name,
                    index=some.index,
                    family="ipv4" if family == "ipv4" else "ipv6",
                    address=address,
                    prefix_length=prefix,
                )
            )
    return events


def _port_key(port: ListeningPort) -> PortKey:
    return (port.protocol, port.family, port.address, port.port)


class PortDetector:
    """Listening TCP and bound UDP sockets (as in ``connection_counts().listening``).

    The tick reads the sockets without owners (cheap); when a new port appears, ``owners()`` (the
    backend's ``connection_counts(pids=True)``) is read once to name its processes.
    """

    def __init__(self, owners: Callable[[], ConnectionCounts] | None = None) -> None:
        self.known: dict[PortKey, ListeningPort] | None = None
        self._owners = owners

    def update(self, listening: Sequence[ListeningPort], wall: float) -> list[Event]:
        current = {_port_key(p): p for p in listening}
        previous, self.known = self.known, current
        if previous is None:
            self._fill_owners(current, set(current))
            return []
        events: list[Event] = []
        for key in sorted(previous.keys() - current.keys(), key=str):
            old = previous[key]
            events.append(
                PortClosed(
                    observed_at=wall,
                    protocol=old.protocol,
                    family=old.family,
                    address=old.address,
                    port=old.port,
                    pids=old.pids,
                    names=old.names,
                )
            )
        opened = current.keys() - previous.keys()
        for key in current.keys() & previous.keys():
            if current[key].pids is None and previous[key].pids is not None:
                current[key] = previous[key]
        self._fill_owners(current, opened)
        for key in sorted(opened, key=str):
            new = current[key]
            events.append(
                PortOpened(
                    observed_at=wall,
                    protocol=new.protocol,
                    family=new.family,
                    address=new.address,
                    port=new.port,
                    pids=new.pids,
                    names=new.names,
                )
            )
        return events

    def _fill_owners(self, table: dict[PortKey, ListeningPort], keys: set[PortKey]) -> None:
        missing = {k for k in keys if table[k].pids is None}
        if not missing or self._owners is None:
            return
        try:
            owned = {_port_key(p): p for p in self._owners().listening}
        except (DarwinMetricsError, OSError) as exc:
            log.debug("owners of new ports: %s", exc)
            return
        for key in missing:
            if key in owned:
                table[key] = owned[key]


class ThermalDetector:
    """Throttling started and stopped: the Sampler's thermal rates (CPU throttle counters that
    rose, GPU clock-event reasons, thermal pressure) where there are rates, else the reading's
    present-tense sources."""

    def __init__(self) -> None:
        self.throttling: bool | None = None
        self._since: float | None = None

    def update(
        self,
        throttling: bool | None,
        sources: tuple[str, ...],
        thermal: Thermal | None,
        wall: float,
    ) -> list[Event]:
        if throttling is None:
            return []
        previous, self.throttling = self.throttling, throttling
        if previous is None or previous == throttling:
            return []
        if throttling:
            self._since = wall
            return [ThrottlingStarted(observed_at=wall, sources=sources, thermal=thermal)]
        duration = None if self._since is None else wall - self._since
        self._since = None
        return [ThrottlingStopped(observed_at=wall, duration=duration, thermal=thermal)]


class FanDetector:
    """A fan that was spinning reads 0 RPM while driven (duty above 0 or unknown), or raises its
    alarm; reported once until it spins again."""

    def __init__(self) -> None:
        self.state: dict[str, tuple[int | None, bool]] | None = None

    def update(self, fans: Sequence[Fan], wall: float) -> list[Event]:
        first = self.state is None
        previous = self.state or {}
        current: dict[str, tuple[int | None, bool]] = {}
        events: list[Event] = []
        for fan in fans:
            last_rpm, was_stalled = previous.get(fan.id, (None, False))
            driven = fan.duty_percent is None or fan.duty_percent > 0
            spun = was_stalled or (last_rpm is not None and last_rpm > 0)
            stalled = bool(fan.alarm) or (fan.rpm == 0 and driven and spun)
            current[fan.id] = (fan.rpm, stalled)
            if stalled and not was_stalled and not first:
                events.append(
                    FanStalled(
                        observed_at=wall, fan=fan.id, rpm=fan.rpm, duty_percent=fan.duty_percent
                    )
                )
        self.state = current
        return events


class TemperatureDetector:
    """A sensor or zone reaching its critical temperature (once, until it cools 1 °C below)."""

    def __init__(self) -> None:
        self.critical: dict[str, bool] | None = None

    def update(self, temperatures: Temperatures, wall: float) -> list[Event]:
        first = self.critical is None
        previous = self.critical or {}
        current: dict[str, bool] = {}
        events: list[Event] = []
        readings: list[tuple[str, float | None, float | None, bool]] = []
        for s in temperatures.sensors:
            readings.append((s.id, s.celsius, s.critical_celsius, bool(s.critical_alarm)))
        for z in temperatures.zones:
            readings.append((z.name, z.celsius, z.critical_celsius, False))
        for name, celsius, critical, alarm in readings:
            was = previous.get(name, False)
            hot = alarm or (celsius is not None and critical is not None and celsius >= critical)
            if was and not hot and celsius is not None and critical is not None:
                hot = celsius > critical - 1.0
            current[name] = hot
            if hot and not was and not first:
                events.append(
                    TemperatureCritical(
                        observed_at=wall, sensor=name, celsius=celsius, critical_celsius=critical
                    )
                )
        self.critical = current
        return events


class PowerDetector:
    """AC ↔ battery, from the power-management ``on_ac`` or else the batteries' ``plugged_in``."""

    def __init__(self) -> None:
        self.on_ac: bool | None = None
        self._seen = False

    def update(
        self, management: PowerManagement | None, batteries: Sequence[Battery], wall: float
    ) -> list[Event]:
        on_ac = management.on_ac if management is not None else None
        if on_ac is None:
            plugged = [b.plugged_in for b in batteries if b.plugged_in is not None]
            on_ac = any(plugged) if plugged else None
        previous, self.on_ac = self.on_ac, on_ac
        seen, self._seen = self._seen, True
        if not seen or on_ac is None or previous is None or on_ac == previous:
            return []
        return [PowerSourceChanged(observed_at=wall, on_ac=on_ac, previous=previous)]


class BatteryDetector:
    """Battery status changes and a low charge (below ``low_percent`` while not charging; again
    only after it rose 2 points above)."""

    def __init__(self, low_percent: float = 10.0) -> None:
        self.low_percent = low_percent
        self.status: dict[str, str] | None = None
        self._low: dict[str, bool] = {}

    def update(self, batteries: Sequence[Battery], wall: float) -> list[Event]:
        first = self.status is None
        previous = self.status or {}
        events: list[Event] = []
        current: dict[str, str] = {}
        for b in batteries:
            if b.scope != "system":
                continue
            current[b.name] = b.status
            old = previous.get(b.name)
            if not first and old is not None and old != b.status:
                events.append(
                    BatteryStateChanged(
                        observed_at=wall, battery=b.name, status=b.status, previous=old
                    )
                )
            if b.charge_percent is None:
                continue
            was_low = self._low.get(b.name, False)
            low = b.charge_percent <= self.low_percent and b.status != "charging"
            if was_low and not low:
                low = b.charge_percent < self.low_percent + 2.0 and b.status != "charging"
            self._low[b.name] = low
            if low and not was_low and not first:
                events.append(
                    BatteryLow(
                        observed_at=wall,
                        battery=b.name,
                        charge_percent=b.charge_percent,
                        threshold_percent=self.low_percent,
                    )
                )
        self.status = current
        return events


class VolumeDetector:
    """Mounts and unmounts (by mount point and device), and a volume filling up."""

    def __init__(self, full_percent: float = 90.0) -> None:
        self.full_percent = full_percent
        self.known: dict[tuple[str, str], Volume] | None = None
        self._full: dict[str, bool] = {}

    def update_mounts(self, volumes: Sequence[Volume], wall: float, pushed: bool) -> list[Event]:
        """Mounted and unmounted only (what the push thread reads at a mount-table change)."""
        current = {(v.mount_point, v.device): v for v in volumes}
        previous, self.known = self.known, current
        if previous is None:
            return []
        events: list[Event] = []
        for key in sorted(previous.keys() - current.keys()):
            v = previous[key]
            events.append(
                VolumeUnmounted(
                    observed_at=wall,
                    pushed=pushed,
                    mount_point=v.mount_point,
                    device=v.device,
                    fs_type=v.fs_type,
                )
            )
        for key in sorted(current.keys() - previous.keys()):
            v = current[key]
            events.append(
                VolumeMounted(
                    observed_at=wall,
                    pushed=pushed,
                    mount_point=v.mount_point,
                    device=v.device,
                    fs_type=v.fs_type,
                )
            )
        return events

    def update_fill(self, volumes: Sequence[Volume], wall: float) -> list[Event]:
        """Almost full: once at ``full_percent``, again only after falling 1 point below."""
        events: list[Event] = []
        for v in volumes:
            if v.used_percent is None:
                continue
            was = self._full.get(v.mount_point)
            full = v.used_percent >= self.full_percent
            if was and not full:
                full = v.used_percent > self.full_percent - 1.0
            self._full[v.mount_point] = full
            if full and was is False:
                events.append(
                    VolumeAlmostFull(
                        observed_at=wall,
                        mount_point=v.mount_point,
                        used_percent=v.used_percent,
                        threshold_percent=self.full_percent,
                    )
                )
        return events


class MemoryDetector:
    """The memory pressure level moving between ``normal``, ``warning`` and ``critical``."""

    def __init__(self) -> None:
        self.level: str | None = None
        self._seen = False

    def update(self, memory: Memory, wall: float) -> list[Event]:
        level = memory.pressure.level
        previous, self.level = self.level, level
        seen, self._seen = self._seen, True
        if not seen or level == previous or level is None:
            return []
        return [MemoryPressureChanged(observed_at=wall, level=level, previous=previous)]


class GpuDetector:
    """GPUs by UUID (else index): appearing, disappearing, or reported lost by the driver."""

    def __init__(self) -> None:
        self.present: dict[str, GPU] | None = None

    def update(self, gpus: Sequence[GPU], wall: float) -> list[Event]:
        current = {(g.uuid or str(g.index)): g for g in gpus if not g.lost}
        previous, self.present = self.present, current
        if previous is None:
            return []
        events: list[Event] = []
        for key in sorted(previous.keys() - current.keys()):
            g = previous[key]
            events.append(GpuLost(observed_at=wall, index=g.index, uuid=g.uuid, name=g.name))
        for key in sorted(current.keys() - previous.keys()):
            g = current[key]
            events.append(GpuAppeared(observed_at=wall, index=g.index, uuid=g.uuid, name=g.name))
        return events


class CgroupDetector:
    """``memory.events`` ``max`` and ``oom_kill`` counters of the monitored cgroup moving."""

    def __init__(self) -> None:
        self.counters: dict[str, int] | None = None

    def update(self, cgroup: CGroup, wall: float) -> list[Event]:
        memory = cgroup.memory
        current: dict[str, int] = {}
        if memory is not None:
            if memory.max_events is not None:
                current["max"] = memory.max_events
            if memory.oom_kill is not None:
                current["oom_kill"] = memory.oom_kill
        previous, self.counters = self.counters, current
        if previous is None:
            return []
        events: list[Event] = []
        for counter in ("max", "oom_kill"):
            new, old = current.get(counter), previous.get(counter)
            if new is not None and old is not None and new > old:
                events.append(
                    CgroupLimitHit(
                        observed_at=wall,
                        cgroup=cgroup.path,
                        counter="max" if counter == "max" else "oom_kill",
                        count=new,
                        increase=new - old,
                    )
                )
        return events
