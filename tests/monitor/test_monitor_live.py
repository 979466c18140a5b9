"""The Monitor on this machine: lifecycle (nothing left after stop), callbacks, bounded queues,
the schedule, and real sockets and processes made by the test."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections import Counter

import psutil
import pytest

import darwin_metrics as dm
from darwin_metrics.monitor import (
    Event,
    Monitor,
    PortClosed,
    PortOpened,
    ProcessExited,
    ProcessStarted,
    ThresholdCrossed,
)

pytestmark = pytest.mark.live


def _fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _threads() -> set[threading.Thread]:
    """Threads, less the library's statvfs workers: when a mount wedges (a dead FUSE or NFS
    server) the volume reader abandons its worker and starts another; neither is the monitor's."""
    return {t for t in threading.enumerate() if t.name != "darwin-metrics-statvfs"}


def _wait(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_after_stop_no_thread_socket_or_fd_remains() -> None:
    dm.snapshot()  # the backend's own reader pool and kept files exist before the baseline
    fds, threads = _fds(), _threads()
    monitor = Monitor(interval=0.1)
    monitor.on(Event, lambda e: None)
    events = monitor.events()
    with monitor:
        assert _wait(lambda: monitor.stats.ticks >= 3, 20)
        assert len(_threads() - threads) >= 2  # tick and callback threads
        if monitor.stats.pushed_sources:
            assert len(_fds() - fds) >= 2  # netlink sockets, mountinfo, wake pipe
    assert _threads() == threads
    assert _fds() == fds
    assert list(iter(events.get, None)) is not None
    assert next(events, None) is None  # the iteration ended with the monitor
    monitor.stop()  # idempotent
    with pytest.raises(RuntimeError):
        monitor.start()


def test_a_raising_callback_is_counted_and_the_monitor_goes_on() -> None:
    calls: list[str] = []

    def bad(event: ThresholdCrossed) -> None:
        calls.append(event.path)
        raise RuntimeError("callback failure on purpose")

    with Monitor(interval=0.1, families=("memory",), processes=False) as monitor:
        monitor.on(ThresholdCrossed, bad)
        monitor.threshold("memory.total", above=0)
        monitor.threshold("memory.used>0")
        assert _wait(lambda: len(calls) == 2, 10)
        ticks = monitor.stats.ticks
        assert _wait(lambda: monitor.stats.ticks > ticks + 2, 10)
        assert monitor.running
    assert sorted(calls) == ["memory.total", "memory.used"]
    assert monitor.stats.callback_errors == 2


def test_decorator_and_where_filter() -> None:
    seen: list[str] = []
    monitor = Monitor(interval=0.1, families=("memory",), processes=False)

    @monitor.on(ThresholdCrossed, where=lambda e: e.path == "memory.total")
    def keep(event: ThresholdCrossed) -> None:
        seen.append(event.path)

    assert keep.__name__ == "keep"
    monitor.threshold("memory.total>0")
    monitor.threshold("memory.used>0")
    with monitor:
        assert _wait(lambda: seen == ["memory.total"], 10)
        time.sleep(0.3)
    assert seen == ["memory.total"]


def test_a_slow_consumer_loses_events_not_ticks() -> None:
    with Monitor(interval=0.05, families=("memory",), processes=False, queue_size=3) as monitor:
        unread = monitor.events()
        for limit in range(10):
            monitor.threshold("memory.total", above=limit)
        assert _wait(lambda: monitor.stats.ticks >= 10, 20)
    assert unread.dropped == 7
    assert monitor.stats.dropped_events == 7
    assert monitor.stats.events == 10


def test_the_schedule_skips_missed_ticks_instead_of_stretching() -> None:
    monitor = Monitor(interval=0.1, families=("memory",), processes=False)
    original = monitor.tick

    def slow_tick() -> list[Event]:
        time.sleep(0.25)
        return original()

    monitor.tick = slow_tick  # type: ignore[method-assign]
    start = time.monotonic()
    with monitor:
        time.sleep(1.5)
    elapsed = time.monotonic() - start
    stats = monitor.stats
    assert stats.missed_ticks >= 2 * stats.ticks - 2
    slots = stats.ticks + stats.missed_ticks
    assert abs(slots - elapsed / 0.1) <= 4


def test_ticks_keep_to_the_clock() -> None:
    with Monitor(interval=0.1, families=("memory",), processes=False) as monitor:
        time.sleep(2.0)
    stats = monitor.stats
    assert 18 <= stats.ticks + stats.missed_ticks <= 22


def test_port_events_with_the_test_pid() -> None:
    monitor = Monitor(interval=0.2, families=("connection_counts",), processes=False)
    events = monitor.events((PortOpened, PortClosed))
    with monitor:
        assert _wait(lambda: monitor.stats.ticks >= 1, 10)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        udp.bind(("::1", 0))
        ports = {("tcp", tcp.getsockname()[1]), ("udp", udp.getsockname()[1])}
        ticks = monitor.stats.ticks
        assert _wait(lambda: monitor.stats.ticks >= ticks + 3, 10)
        tcp.close()
        udp.close()
        ticks = monitor.stats.ticks
        assert _wait(lambda: monitor.stats.ticks >= ticks + 3, 10)
    mine = [e for e in events if (e.protocol, e.port) in ports]  # type: ignore[attr-defined]
    counted = Counter((type(e).__name__, e.protocol, e.port) for e in mine)  # type: ignore[attr-defined]
    assert sorted(counted.values()) == [1, 1, 1, 1]
    for event in mine:
        assert event.pids is not None and os.getpid() in event.pids  # type: ignore[attr-defined]


def test_polled_process_events_match_psutil() -> None:
    monitor = Monitor(interval=0.2, families=("processes",), push=False)
    events = monitor.events((ProcessStarted, ProcessExited))
    with monitor:
        assert _wait(lambda: monitor.stats.ticks >= 1, 10)
        children = [subprocess.Popen(["sleep", "0.8"]) for _ in range(5)]
        created = {c.pid: psutil.Process(c.pid).create_time() for c in children}
        for child in children:
            child.wait()
        ticks = monitor.stats.ticks
        assert _wait(lambda: monitor.stats.ticks >= ticks + 2, 10)
    mine = [e for e in events if e.pid in created]  # type: ignore[attr-defined]
    counted = Counter((type(e).__name__, e.pid) for e in mine)  # type: ignore[attr-defined]
    assert counted == Counter(
        {(k, pid): 1 for pid in created for k in ("ProcessStarted", "ProcessExited")}
    )
    for event in mine:
        assert not event.pushed
        assert event.create_time == pytest.approx(created[event.pid], abs=0.02)  # type: ignore[attr-defined]
    exits = [e for e in mine if isinstance(e, ProcessExited)]
    assert all(e.process is not None and e.process.name == "sleep" for e in exits)


@pytest.mark.root
def test_connector_reports_every_process_with_its_exit_status() -> None:
    monitor = Monitor(interval=30, families=("processes",))
    events = monitor.events((ProcessStarted, ProcessExited))
    with monitor:
        if "processes" not in monitor.stats.pushed_sources:
            pytest.skip("the process-events connector is not available (needs root)")
        pids = {}
        for code in (0, 3, 0, 7):
            child = subprocess.Popen(["sh", "-c", f"exit {code}"])
            child.wait()
            pids[child.pid] = code
        killed = subprocess.Popen(["sleep", "5"])
        killed.kill()
        killed.wait()
        time.sleep(0.5)
    mine = [e for e in events if e.pid in pids or e.pid == killed.pid]  # type: ignore[attr-defined]
    assert all(e.pushed for e in mine)
    exits = {e.pid: e for e in mine if isinstance(e, ProcessExited)}
    starts = Counter(e.pid for e in mine if isinstance(e, ProcessStarted))  # type: ignore[attr-defined]
    assert starts == Counter(dict.fromkeys([*pids, killed.pid], 1))
    assert {pid: exits[pid].exit_code for pid in pids} == pids
    assert exits[killed.pid].exit_signal == 9 and exits[killed.pid].exit_code is None
    started = {e.pid: e for e in mine if isinstance(e, ProcessStarted)}
    assert exits[killed.pid].create_time == started[killed.pid].create_time


def test_stop_from_a_callback() -> None:
    monitor = Monitor(interval=0.1, families=("memory",), processes=False)
    monitor.on(ThresholdCrossed, lambda e: monitor.stop())
    monitor.threshold("memory.total>0")
    threads = set(threading.enumerate())
    with monitor:
        assert _wait(lambda: not monitor.running, 10)
    assert _wait(lambda: set(threading.enumerate()) <= threads, 10)


@pytest.mark.root
def test_a_block_uevent_makes_the_monitor_read_volumes_at_once() -> None:
    devices = sorted(os.listdir("/sys/block")) if os.path.isdir("/sys/block") else []
    if os.geteuid() != 0 or not devices:
        pytest.skip("needs root and a block device to send a synthetic uevent for")
    monitor = Monitor(interval=3600, families=("volumes",), processes=False)
    refreshed: list[frozenset[str]] = []
    original = monitor.push_refresh

    def recording(families: frozenset[str]) -> None:
        refreshed.append(families)
        original(families)

    monitor.push_refresh = recording  # type: ignore[method-assign]
    with monitor:
        if "uevents" not in monitor.stats.pushed_sources:
            pytest.skip("kobject uevents are not available here")
        assert _wait(lambda: monitor.stats.ticks >= 1, 10)
        with open(f"/sys/block/{devices[0]}/uevent", "w") as f:
            f.write("change")
        assert _wait(lambda: any("volumes" in r for r in refreshed), 5)
    assert monitor.stats.ticks == 1  # the read came from the uevent, not from a tick
