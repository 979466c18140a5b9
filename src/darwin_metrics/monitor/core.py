"""The Monitor: a Sampler on its own thread, detectors that turn changes into events, kernel push
sources where the platform has them, and the subscribers that receive the events.

Example::

    with Monitor(interval=1.0) as monitor:
        monitor.threshold("cpu.percent", above=90, duration=5)

        @monitor.on(ProcessExited, where=lambda e: e.exit_code not in (0, None))
        def failed(event: ProcessExited) -> None:
            print(event.name, "failed with", event.exit_code)

        for event in monitor.events():
            print(event)

Threads: the tick thread samples on a fixed monotonic schedule; the push thread (Linux) reads
netlink and mount-table changes; the callback thread runs callbacks. Every queue is bounded; what
does not fit is dropped and counted in :attr:`Monitor.stats`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, TypeVar, overload

import msgspec

from darwin_metrics.backend import Backend, default_backend
from darwin_metrics.collect import FAMILIES, read_families
from darwin_metrics.errors import DarwinMetricsError, ParseError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.metricpath import MetricPath
from darwin_metrics.monitor.channels import AsyncChannel, Channel, Closed
from darwin_metrics.monitor.detectors import (
    BatteryDetector,
    CgroupDetector,
    FanDetector,
    GpuDetector,
    InterfaceDetector,
    MemoryDetector,
    PortDetector,
    PowerDetector,
    ProcessDetector,
    TemperatureDetector,
    ThermalDetector,
    VolumeDetector,
)
from darwin_metrics.monitor.events import Event, MonitorStats
from darwin_metrics.monitor.rules import ThresholdRule
from darwin_metrics.records.connections import ListeningPort
from darwin_metrics.records.process import Process
from darwin_metrics.records.rates import Sample
from darwin_metrics.records.snapshot import Snapshot
from darwin_metrics.sampler import Sampler

log = get_logger(__name__)

E = TypeVar("E", bound=Event)
Where = Callable[[Any], bool]
Callback = Callable[[Any], object]
EventTypes = type[Event] | tuple[type[Event], ...]

ALL_FAMILIES: tuple[str, ...] = tuple(name for name, _ in FAMILIES)
#: The families the event detectors read (``interfaces`` too where route netlink does not push).
DETECTED_FAMILIES: frozenset[str] = frozenset(
    {
        "memory",
        "volumes",
        "thermal",
        "fans",
        "temperatures",
        "batteries",
        "power_management",
        "gpus",
        "cgroup",
    }
)


class _Subscription:
    __slots__ = ("callback", "channel", "types", "where")

    def __init__(
        self,
        types: tuple[type[Event], ...],
        where: Where | None,
        callback: Callback | None,
        channel: Channel[Event] | AsyncChannel[Event] | None,
    ) -> None:
        self.types = types
        self.where = where
        self.callback = callback
        self.channel = channel


class EventIterator:
    """Events as they happen; ends when the monitor stops. Made by :meth:`Monitor.events`, it is
    subscribed from the moment it is made, so nothing between that call and the first ``next``
    is lost. ``close()`` unsubscribes."""

    def __init__(self, monitor: Monitor, sub: _Subscription, channel: Channel[Event]) -> None:
        self._monitor = monitor
        self._sub = sub
        self._channel = channel

    def __iter__(self) -> EventIterator:
        return self

    def __next__(self) -> Event:
        while True:
            try:
                item = self._channel.get(timeout=1.0)
            except Closed:
                self.close()
                raise StopIteration from None
            if item is not None:
                return item

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or ``None`` after ``timeout`` seconds or at the end."""
        try:
            return self._channel.get(timeout)
        except Closed:
            return None

    @property
    def dropped(self) -> int:
        """Events this iterator lost because its queue was full."""
        return self._channel.dropped

    def close(self) -> None:
        self._monitor._unsubscribe(self._sub)
        self._channel.close()


class Monitor:
    """Samples every ``interval`` seconds and reports changes as typed events.

    ``families`` names what each tick reads (:class:`~darwin_metrics.records.Snapshot` fields);
    ``None`` reads what the event detectors and the threshold rules need, and nothing the kernel
    pushes (see :meth:`polled_families`). Port events are watched when ``families`` is ``None``
    or includes ``connection_counts``. ``processes=False`` leaves the process table out (no
    process events unless the kernel pushes them, no process thresholds). ``push=False`` turns the kernel push
    sources off (everything polled). ``queue_size`` bounds each subscriber's queue.
    ``battery_low_percent`` and ``volume_full_percent`` set the limits of :class:`BatteryLow` and
    :class:`VolumeAlmostFull`.
    """

    def __init__(
        self,
        interval: float = 1.0,
        families: Iterable[str] | None = None,
        processes: bool = True,
        *,
        backend: Backend | None = None,
        push: bool = True,
        queue_size: int = 10_000,
        battery_low_percent: float = 10.0,
        volume_full_percent: float = 90.0,
    ) -> None:
        if not interval > 0:
            raise ValueError("interval must be positive")
        chosen = None if families is None else frozenset(families)
        unknown = (chosen or frozenset()) - set(ALL_FAMILIES)
        if unknown:
            raise ValueError(f"unknown families: {', '.join(sorted(unknown))}")
        self.interval = float(interval)
        self.processes = processes
        #: The families asked for (``None``: what the detectors and the rules need).
        self.families = chosen
        self.backend = backend if backend is not None else default_backend()
        self.queue_size = queue_size
        self._use_push = push
        self._sampler = Sampler(self.backend, processes=processes)
        self._table: Callable[[], tuple[Process, ...]] = self.backend.processes
        self._listening: Callable[[], Sequence[ListeningPort]] = self._listening_from_counts
        self._lock = threading.Lock()
        self._subs: list[_Subscription] = []
        self._rules: list[ThresholdRule] = []
        self._callbacks: Channel[tuple[_Subscription, Event]] = Channel(queue_size)
        self._stop = threading.Event()
        self._tick_thread: threading.Thread | None = None
        self._callback_thread: threading.Thread | None = None
        self._push: Any = None
        self._pushed: frozenset[str] = frozenset()
        self._last: Sample | None = None
        self._last_processes: dict[int, Process] = {}
        self._applied: dict[str, float] = {}
        self._ticks = self._missed = self._events = self._callback_errors = 0
        self._processes = ProcessDetector(self._confirm_process)
        self._interfaces = InterfaceDetector()
        self._ports = PortDetector(lambda: self.backend.connection_counts(pids=True))
        #: Whether the backend reads this machine's own /proc (the kernel's pushes describe it).
        self._live_linux = False
        if sys.platform.startswith("linux") and self.backend.name == "linux":
            self._use_linux_readers()
        self._thermal = ThermalDetector()
        self._fans = FanDetector()
        self._temperatures = TemperatureDetector()
        self._power = PowerDetector()
        self._batteries = BatteryDetector(battery_low_percent)
        self._volumes = VolumeDetector(volume_full_percent)
        self._memory = MemoryDetector()
        self._gpus = GpuDetector()
        self._cgroup = CgroupDetector()

    # -- subscribing -----------------------------------------------------------------------------
    @overload
    def on(
        self, event_type: EventTypes, callback: None = None, *, where: Where | None = None
    ) -> Callable[[Callback], Callback]: ...

    @overload
    def on(
        self, event_type: EventTypes, callback: Callback, *, where: Where | None = None
    ) -> Callback: ...

    def on(
        self,
        event_type: EventTypes,
        callback: Callback | None = None,
        *,
        where: Where | None = None,
    ) -> Callback | Callable[[Callback], Callback]:
        """Call ``callback(event)`` for every event of ``event_type`` (a type, a tuple of types,
        or :class:`Event` for all) for which ``where(event)`` is true. Without ``callback``,
        returns a decorator. Callbacks run on the monitor's callback thread, in order; one that
        raises is logged and counted, and the monitor goes on."""
        types = event_type if isinstance(event_type, tuple) else (event_type,)

        def register(func: Callback) -> Callback:
            with self._lock:
                self._subs.append(_Subscription(types, where, func, None))
            return func

        return register if callback is None else register(callback)

    def threshold(
        self,
        path: str | MetricPath | ThresholdRule,
        *,
        above: float | None = None,
        below: float | None = None,
        hysteresis: float = 0.0,
        duration: float = 0.0,
    ) -> ThresholdRule:
        """Add a threshold rule: a metric path with ``above=`` or ``below=`` (or a rule text such
        as ``"cpu.percent>90 for 5s"``, or a :class:`ThresholdRule`). The path is checked now:
        :class:`~darwin_metrics.metricpath.PathError` names what is wrong. Events are
        :class:`~darwin_metrics.monitor.events.ThresholdCrossed`."""
        if isinstance(path, ThresholdRule):
            rule = path
        elif isinstance(path, str) and above is None and below is None:
            rule = ThresholdRule.from_text(path)
        else:
            rule = ThresholdRule.make(
                path, above=above, below=below, hysteresis=hysteresis, duration=duration
            )
        with self._lock:
            self._rules.append(rule)
        return rule

    def events(
        self, event_type: EventTypes = Event, *, where: Where | None = None
    ) -> EventIterator:
        """Iterate over events (of ``event_type``) as they happen; the iteration ends when the
        monitor stops. The queue holds ``queue_size`` events; beyond that they are dropped and
        counted (``.dropped``)."""
        types = event_type if isinstance(event_type, tuple) else (event_type,)
        channel: Channel[Event] = Channel(self.queue_size)
        sub = _Subscription(types, where, None, channel)
        with self._lock:
            self._subs.append(sub)
            if self._stop.is_set():
                channel.close()
        return EventIterator(self, sub, channel)

    async def aevents(
        self, event_type: EventTypes = Event, *, where: Where | None = None
    ) -> AsyncIterator[Event]:
        """Events as an async iterator on the running event loop; ends when the monitor stops.
        Start the monitor first (it runs on its own threads)."""
        import asyncio

        types = event_type if isinstance(event_type, tuple) else (event_type,)
        channel: AsyncChannel[Event] = AsyncChannel(asyncio.get_running_loop(), self.queue_size)
        sub = _Subscription(types, where, None, channel)
        with self._lock:
            self._subs.append(sub)
            if self._stop.is_set() or self._tick_thread is None:
                channel.close()
        try:
            while True:
                try:
                    yield await channel.get()
                except Closed:
                    return
        finally:
            self._unsubscribe(sub)

    def _unsubscribe(self, sub: _Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> Monitor:
        """Start sampling (the first tick runs at once and sets the baseline). Returns self."""
        if self._tick_thread is not None:
            raise RuntimeError("the monitor is already running")
        if self._stop.is_set():
            raise RuntimeError("a stopped monitor cannot be started again; make a new one")
        if self._use_push and self._live_linux:
            self._start_push()
        self._callback_thread = threading.Thread(
            target=self._run_callbacks, name="darwin-metrics-callbacks", daemon=True
        )
        self._callback_thread.start()
        self._tick_thread = threading.Thread(
            target=self._run_ticks, name="darwin-metrics-monitor", daemon=True
        )
        self._tick_thread.start()
        return self

    def _start_push(self) -> None:
        from darwin_metrics.monitor.linux_push import LinuxPush

        try:
            push = LinuxPush(self, processes=self.processes)
        except OSError as exc:
            log.debug("no kernel push sources: %s", exc)
            return
        self._push = push
        self._pushed = frozenset(push.sources)
        push.start()

    def stop(self) -> None:
        """Stop every thread, close every socket and descriptor, end the iterators. Callbacks
        already queued still run. Idempotent; may be called from a callback (the callback
        thread then ends after it returns)."""
        self._stop.set()
        current = threading.current_thread()
        if self._tick_thread is not None and self._tick_thread is not current:
            self._tick_thread.join()
        with self._lock:  # a callback and the owner may stop at once: one of them stops push
            push, self._push = self._push, None
        if push is not None:
            push.stop()
        self._callbacks.close()
        if self._callback_thread is not None and self._callback_thread is not current:
            self._callback_thread.join()
            self._callback_thread = None
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            if sub.channel is not None:
                sub.channel.close()

    def __enter__(self) -> Monitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._tick_thread is not None and not self._stop.is_set()

    @property
    def stats(self) -> MonitorStats:
        """Ticks, missed ticks, events, dropped events (all queues), callback errors, and the
        sources the kernel pushes."""
        with self._lock:
            dropped = self._callbacks.dropped + sum(
                s.channel.dropped for s in self._subs if s.channel is not None
            )
        return MonitorStats(
            ticks=self._ticks,
            missed_ticks=self._missed,
            events=self._events,
            dropped_events=dropped,
            callback_errors=self._callback_errors,
            pushed_sources=tuple(sorted(self._pushed)),
        )

    @property
    def last_sample(self) -> Sample | None:
        """The most recent sample (``None`` before the first tick)."""
        return self._last

    def _run_ticks(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.logger().exception("monitor tick failed")
            next_at += self.interval
            now = time.monotonic()
            if now > next_at:
                missed = int((now - next_at) // self.interval) + 1
                self._missed += missed
                next_at += missed * self.interval
                log.debug("monitor tick overran: %d tick(s) missed", missed)
            self._stop.wait(next_at - now)

    def tick(self) -> list[Event]:
        """Take one sample and report what changed (the tick thread calls this; tests may call it
        directly on a monitor that was not started). Returns the events."""
        read_at = time.monotonic()
        read_times: dict[str, float] = {}
        polled = self.polled_families()
        values = read_families(self.backend, polled - {"processes"}, read_times)
        table = None
        if self.processes:
            read_times["processes"] = time.monotonic()
            table = self._read_processes()
            if "processes" in polled:
                values["processes"] = table
            else:
                del read_times["processes"]
        snapshot = Snapshot(timestamp=time.time(), platform=sys.platform, **values)
        sample = self._sampler.combine(snapshot, read_times)
        listening = self._read_listening() if self._watch_ports() else None
        now = time.monotonic()
        with self._lock:
            self._ticks += 1
            self._last = sample
            if table is not None:
                self._last_processes = {p.pid: p for p in table}
                if "processes" not in self._pushed:
                    events = self._processes.update(table, sample.timestamp)
                else:
                    events = []
            else:
                events = []
            events += self._detect(snapshot, sample.timestamp, read_at)
            events += self._detect_throttling(sample)
            if listening is not None:
                events += self._ports.update(listening, sample.timestamp)
            for rule in self._rules:
                events += rule.evaluate(sample, now, sample.timestamp)
        self._emit(events)
        return events

    def polled_families(self) -> frozenset[str]:
        """The families each tick puts in its sample: those asked for, or else those the event
        detectors and the threshold rules need, less what the kernel pushes. ``processes`` is in
        the sample only when asked for or named by a rule (the process events read the table
        either way, when ``processes=True``)."""
        if self.families is not None:
            return self.families if self.processes else self.families - {"processes"}
        with self._lock:
            wanted = {rule.path.steps[0].name for rule in self._rules}
        if "links" not in self._pushed:
            wanted.add("interfaces")
        if not self.processes:
            wanted.discard("processes")
        return frozenset(wanted | DETECTED_FAMILIES)

    def _watch_ports(self) -> bool:
        return self.families is None or "connection_counts" in self.families

    def _use_linux_readers(self) -> None:
        """On the live Linux system: the one-file-per-process table and the listeners-only
        socket dump (see :mod:`~darwin_metrics.monitor.proctable` and docs/events.md)."""
        from darwin_metrics.linux.connections import read_listening_sockets
        from darwin_metrics.monitor.proctable import StatTable

        procfs = getattr(getattr(self.backend, "roots", None), "procfs", "/proc")
        if os.path.realpath(procfs) != "/proc":
            return
        self._live_linux = True
        try:
            self._table = StatTable(procfs).read
        except (OSError, ParseError) as exc:
            log.debug("no stat table, reading processes(): %s", exc)

        def listening() -> Sequence[ListeningPort]:
            try:
                sockets = read_listening_sockets()
            except (OSError, ParseError):
                return self._listening_from_counts()
            return [
                ListeningPort(
                    protocol="tcp" if c.protocol == "tcp" else "udp",
                    family="ipv4" if c.family == "ipv4" else "ipv6",
                    address=c.local_address or "",
                    port=c.local_port or 0,
                    uid=c.uid,
                )
                for c in sockets
            ]

        self._listening = listening

    def _listening_from_counts(self) -> Sequence[ListeningPort]:
        return self.backend.connection_counts(pids=False).listening

    def _read_processes(self) -> tuple[Process, ...] | None:
        try:
            return self._table()
        except (DarwinMetricsError, OSError) as exc:
            log.debug("process table failed: %s", exc)
            return None

    def _read_listening(self) -> Sequence[ListeningPort] | None:
        try:
            return self._listening()
        except (DarwinMetricsError, OSError) as exc:
            log.debug("listening sockets failed: %s", exc)
            return None

    def _fresh(self, family: str, read_at: float) -> bool:
        """Whether a reading taken at ``read_at`` is newer than the last one applied."""
        if read_at < self._applied.get(family, float("-inf")):
            return False
        self._applied[family] = read_at
        return True

    def _detect(self, snapshot: Snapshot, wall: float, read_at: float) -> list[Event]:
        events: list[Event] = []
        pushed = self._pushed
        if snapshot.interfaces is not None and "links" not in pushed:
            events += self._interfaces.update(snapshot.interfaces, wall)
        if snapshot.volumes is not None:
            if "mounts" not in pushed and self._fresh("mounts", read_at):
                events += self._volumes.update_mounts(snapshot.volumes, wall, pushed=False)
            events += self._volumes.update_fill(snapshot.volumes, wall)
        return events + self._detect_refreshable(snapshot.__getattribute__, wall, read_at)

    def _detect_throttling(self, sample: Sample) -> list[Event]:
        thermal = sample.snapshot.thermal
        rates = sample.rates.thermal if sample.rates is not None else None
        if rates is not None:
            return self._thermal.update(rates.throttling, rates.sources, thermal, sample.timestamp)
        if thermal is not None:
            return self._thermal.update(
                thermal.throttling, thermal.sources, thermal, sample.timestamp
            )
        return []

    def _detect_refreshable(
        self, get: Callable[[str], Any], wall: float, read_at: float
    ) -> list[Event]:
        """The families a uevent can make the push thread read again."""
        events: list[Event] = []
        value = get("fans")
        if value is not None and self._fresh("fans", read_at):
            events += self._fans.update(value, wall)
        value = get("temperatures")
        if value is not None and self._fresh("temperatures", read_at):
            events += self._temperatures.update(value, wall)
        batteries = get("batteries")
        if batteries is not None and self._fresh("batteries", read_at):
            events += self._power.update(get("power_management"), batteries, wall)
            events += self._batteries.update(batteries, wall)
        value = get("memory")
        if value is not None and self._fresh("memory", read_at):
            events += self._memory.update(value, wall)
        value = get("gpus")
        if value is not None and self._fresh("gpus", read_at):
            events += self._gpus.update(value, wall)
        value = get("cgroup")
        if value is not None and self._fresh("cgroup", read_at):
            events += self._cgroup.update(value, wall)
        return events

    def _confirm_process(self, pid: int) -> Process:
        return self.backend.process(pid)

    # -- what the push thread calls --------------------------------------------------------------
    def push_events(self, events: list[Event]) -> None:
        self._emit(events)

    def push_refresh(self, families: frozenset[str]) -> None:
        """Read ``families`` now (a uevent or a mount-table change) and report what changed."""
        read_at = time.monotonic()
        events: list[Event] = []
        try:
            polled = self.polled_families()
            if families & {"mounts", "volumes"} and "volumes" in polled:
                volumes = self.backend.volumes()
                with self._lock:
                    wall = time.time()
                    if self._fresh("mounts", read_at):
                        events += self._volumes.update_mounts(volumes, wall, pushed=True)
                    if "volumes" in families:
                        found = self._volumes.update_fill(volumes, wall)
                        events += [msgspec.structs.replace(e, pushed=True) for e in found]
            wanted = (families - {"mounts", "disks", "volumes"}) & polled
            if "batteries" in wanted:
                wanted |= {"power_management"} & polled
            if wanted:
                values = read_families(self.backend, wanted)
                with self._lock:
                    found = self._detect_refreshable(values.get, time.time(), read_at)
                events += [msgspec.structs.replace(e, pushed=True) for e in found]
        except (DarwinMetricsError, OSError) as exc:
            log.debug("pushed refresh of %s failed: %s", sorted(families), exc)
        self._emit(events)

    def last_process(self, pid: int) -> Process | None:
        with self._lock:
            return self._last_processes.get(pid)

    # -- delivering ------------------------------------------------------------------------------
    def _emit(self, events: list[Event]) -> None:
        if not events:
            return
        with self._lock:
            self._events += len(events)
            subs = list(self._subs)
        for sub in subs:
            if sub.channel is None:
                continue
            matching = [e for e in events if isinstance(e, sub.types)]
            if sub.where is not None:
                matching = [e for e in matching if self._passes(sub, e)]
            if matching:
                sub.channel.put_many(matching)
        # Callbacks in event order; a callback's filter runs on the callback thread.
        callbacks = [sub for sub in subs if sub.channel is None]
        calls = [(sub, e) for e in events for sub in callbacks if isinstance(e, sub.types)]
        if calls:
            self._callbacks.put_many(calls)

    def _passes(self, sub: _Subscription, event: Event) -> bool:
        assert sub.where is not None
        try:
            return bool(sub.where(event))
        except Exception:
            log.logger().exception("event filter failed")
            self._callback_errors += 1
            return False

    def _run_callbacks(self) -> None:
        while True:
            try:
                item = self._callbacks.get()
            except Closed:
                return
            if item is None:
                continue
            sub, event = item
            try:
                if sub.where is None or sub.where(event):
                    assert sub.callback is not None
                    sub.callback(event)
            except Exception:
                self._callback_errors += 1
                log.logger().exception("monitor callback %r failed", sub.callback)
