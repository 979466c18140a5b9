"""Event records: what the Monitor reports, immutable like every other record.

Every event carries ``observed_at`` (Unix time in seconds at which the monitor saw the change) and
``pushed`` (``True`` when the kernel told the monitor at once, ``False`` when a tick's polling
found it). In JSON each event names its type in the ``event`` field (``"process_started"``…).
Units follow the records: bytes, seconds, degrees Celsius, percent 0-100.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from darwin_metrics.records.process import Process
from darwin_metrics.records.thermal import Thermal


def tag(class_name: str) -> str:
    """``ProcessStarted`` → ``process_started``: the JSON ``event`` value."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


class Event(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag_field="event", tag=tag):
    """Base of every event: when it was observed and whether the kernel pushed it."""

    observed_at: float
    pushed: bool = False


class ThresholdCrossed(Event, frozen=True, kw_only=True, gc=False):
    """A rule's condition became true (``active``) or stopped being true (``active=False``).

    ``rule`` is the rule as written (``cpu.percent>90 for 5s``), ``path`` the concrete path of the
    value (``volumes[/].used_percent``), ``value`` the value that decided it, ``threshold`` the
    rule's limit and ``direction`` ``above`` or ``below``. A rule that names several values (a
    ``[*]`` selector) tracks each concrete path on its own.
    """

    rule: str
    path: str
    value: float
    threshold: float
    direction: Literal["above", "below"]
    active: bool


class ProcessStarted(Event, frozen=True, kw_only=True, gc=False):
    """A process appeared. Identity is ``pid`` with ``create_time`` (Unix seconds), so a reused
    pid is a new process. ``process`` is its first record (``None`` when it was gone before it
    could be read: short-lived processes seen by the process-events connector)."""

    pid: int
    create_time: float | None
    ppid: int | None = None
    name: str | None = None
    process: Process | None = None


class ProcessExited(Event, frozen=True, kw_only=True, gc=False):
    """A process ended. ``process`` is the last record the monitor read of it (``None`` if never
    read); ``exit_code`` and ``exit_signal`` come from the process-events connector (root, Linux)
    and are ``None`` when polling found the exit. ``exit_code`` is the code passed to ``exit()``;
    ``exit_signal`` the signal that killed it, if one did."""

    pid: int
    create_time: float | None
    name: str | None = None
    exit_code: int | None = None
    exit_signal: int | None = None
    process: Process | None = None


class InterfaceUp(Event, frozen=True, kw_only=True, gc=False):
    """A network interface became administratively up (``IFF_UP``), or appeared up.
    ``running`` says whether it also has a link (``IFF_RUNNING``)."""

    name: str
    index: int | None
    running: bool | None = None


class InterfaceDown(Event, frozen=True, kw_only=True, gc=False):
    """A network interface went administratively down; ``removed`` when it no longer exists."""

    name: str
    index: int | None
    removed: bool = False


class AddressAdded(Event, frozen=True, kw_only=True, gc=False):
    """An IP address was added to an interface."""

    interface: str
    index: int | None
    family: Literal["ipv4", "ipv6"]
    address: str
    prefix_length: int | None = None


class AddressRemoved(Event, frozen=True, kw_only=True, gc=False):
    """An IP address was removed from an interface (or went with the interface)."""

    interface: str
    index: int | None
    family: Literal["ipv4", "ipv6"]
    address: str
    prefix_length: int | None = None


class PortOpened(Event, frozen=True, kw_only=True, gc=False):
    """A listening TCP socket or a bound UDP socket appeared, with its owning processes
    (``pids``/``names``: ``None`` where they could not be read)."""

    protocol: Literal["tcp", "udp"]
    family: Literal["ipv4", "ipv6"]
    address: str
    port: int
    pids: tuple[int, ...] | None = None
    names: tuple[str, ...] | None = None


class PortClosed(Event, frozen=True, kw_only=True, gc=False):
    """A listening TCP or bound UDP socket went; ``pids``/``names`` as last known."""

    protocol: Literal["tcp", "udp"]
    family: Literal["ipv4", "ipv6"]
    address: str
    port: int
    pids: tuple[int, ...] | None = None
    names: tuple[str, ...] | None = None


class ThrottlingStarted(Event, frozen=True, kw_only=True, gc=False):
    """The machine began throttling: ``sources`` as in the Sampler's thermal rates
    (``cpu-package0``, ``cpu-core0.1``, ``gpu0:hw_thermal_slowdown``, ``pressure:heavy``);
    ``thermal`` the reading of that tick."""

    sources: tuple[str, ...]
    thermal: Thermal | None = None


class ThrottlingStopped(Event, frozen=True, kw_only=True, gc=False):
    """Throttling ended; ``duration`` in seconds since :class:`ThrottlingStarted` (``None`` when
    the start was before the monitor)."""

    duration: float | None = None
    thermal: Thermal | None = None


class FanStalled(Event, frozen=True, kw_only=True, gc=False):
    """A fan that was spinning reads 0 RPM while it is driven (duty above 0 or unknown), or its
    chip raised the fan alarm."""

    fan: str
    rpm: int | None
    duty_percent: float | None = None


class TemperatureCritical(Event, frozen=True, kw_only=True, gc=False):
    """A sensor or thermal zone reached its critical temperature (or raised its critical alarm).
    ``sensor`` is the sensor id (``coretemp/temp1``) or the zone name."""

    sensor: str
    celsius: float | None
    critical_celsius: float | None = None


class PowerSourceChanged(Event, frozen=True, kw_only=True, gc=False):
    """The machine moved between external power (``on_ac=True``) and battery."""

    on_ac: bool | None
    previous: bool | None = None


class BatteryLow(Event, frozen=True, kw_only=True, gc=False):
    """A system battery fell to or below ``threshold_percent`` while not charging."""

    battery: str
    charge_percent: float
    threshold_percent: float


class BatteryStateChanged(Event, frozen=True, kw_only=True, gc=False):
    """A battery's status changed (``charging``, ``discharging``, ``full``, ``not_charging``…)."""

    battery: str
    status: str
    previous: str | None = None


class VolumeMounted(Event, frozen=True, kw_only=True, gc=False):
    """A file system was mounted."""

    mount_point: str
    device: str
    fs_type: str


class VolumeUnmounted(Event, frozen=True, kw_only=True, gc=False):
    """A file system was unmounted."""

    mount_point: str
    device: str
    fs_type: str


class VolumeAlmostFull(Event, frozen=True, kw_only=True, gc=False):
    """A volume's ``used_percent`` reached ``threshold_percent`` (reported again only after it
    fell 1 point below)."""

    mount_point: str
    used_percent: float
    threshold_percent: float


class MemoryPressureChanged(Event, frozen=True, kw_only=True, gc=False):
    """The memory pressure level changed (``normal``, ``warning``, ``critical``)."""

    level: str | None
    previous: str | None = None


class GpuAppeared(Event, frozen=True, kw_only=True, gc=False):
    """A GPU appeared (or came back from being lost)."""

    index: int
    uuid: str | None = None
    name: str | None = None


class GpuLost(Event, frozen=True, kw_only=True, gc=False):
    """A GPU disappeared or its driver reports it lost (fell off the bus)."""

    index: int
    uuid: str | None = None
    name: str | None = None


class CgroupLimitHit(Event, frozen=True, kw_only=True, gc=False):
    """A cgroup's ``memory.events`` counter moved: ``counter`` is ``max`` (the memory limit was
    hit) or ``oom_kill`` (a process was killed); ``count`` the new total, ``increase`` since the
    previous reading."""

    cgroup: str
    counter: Literal["max", "oom_kill"]
    count: int
    increase: int


#: Every event type, in the order the docs list them.
EVENT_TYPES: tuple[type[Event], ...] = (
    ThresholdCrossed,
    ProcessStarted,
    ProcessExited,
    InterfaceUp,
    InterfaceDown,
    AddressAdded,
    AddressRemoved,
    PortOpened,
    PortClosed,
    ThrottlingStarted,
    ThrottlingStopped,
    FanStalled,
    TemperatureCritical,
    PowerSourceChanged,
    BatteryLow,
    BatteryStateChanged,
    VolumeMounted,
    VolumeUnmounted,
    VolumeAlmostFull,
    MemoryPressureChanged,
    GpuAppeared,
    GpuLost,
    CgroupLimitHit,
)

#: ``process_started`` → :class:`ProcessStarted`: names for ``--events``.
EVENT_NAMES: dict[str, type[Event]] = {tag(t.__name__): t for t in EVENT_TYPES}


class MonitorStats(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Counters of a Monitor: ticks run, ticks missed (a tick that overran its slot; the schedule
    skips ahead instead of stretching), events emitted, events dropped by full queues (a slow
    consumer), callbacks that raised, and which event sources the kernel pushes."""

    ticks: int
    missed_ticks: int
    events: int
    dropped_events: int
    callback_errors: int
    pushed_sources: tuple[str, ...] = ()
