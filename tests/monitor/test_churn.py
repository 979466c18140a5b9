"""Exactness under process churn: hundreds of processes a second started and reaped by the test.

Polling: every process that lived at least two ticks has exactly one ProcessStarted and one
ProcessExited; no process has two of either, and none exits without having started. With root
and the process-events connector: every process the test started is reported, however short.
Bounded: a few seconds of churn each."""

from __future__ import annotations

import itertools
import subprocess
import time
from collections import Counter

import pytest

from darwin_metrics.monitor import Event, Monitor, ProcessExited, ProcessStarted

pytestmark = [pytest.mark.slow, pytest.mark.live]

#: Seconds each child sleeps, in turn: most die between ticks, every fourth outlives two ticks.
LIFETIMES = (0.0, 0.02, 0.1, 2.5)


def _churn(seconds: float, rate: float) -> dict[int, tuple[float, float]]:
    """Start ``rate`` children a second for ``seconds``, reaping as they end; pid → (monotonic
    time by which it had started, seconds it surely lived)."""
    started: dict[int, tuple[float, float]] = {}
    running: list[subprocess.Popen[bytes]] = []
    lifetimes = itertools.cycle(LIFETIMES)
    begin = time.monotonic()
    count = 0
    while time.monotonic() - begin < seconds:
        due = int((time.monotonic() - begin) * rate)
        while count < due:
            lifetime = next(lifetimes)
            child = subprocess.Popen(["sleep", str(lifetime)])
            assert child.pid not in started, "pid reused within the test"
            started[child.pid] = (time.monotonic(), lifetime)
            running.append(child)
            count += 1
        running = [c for c in running if c.poll() is None]
        time.sleep(0.002)
    for child in running:
        child.wait()
    return started


def _counts(
    events: list[object], pids: dict[int, tuple[float, float]]
) -> tuple[Counter[int], Counter[int]]:
    starts: Counter[int] = Counter()
    exits: Counter[int] = Counter()
    for event in events:
        if isinstance(event, ProcessStarted) and event.pid in pids:
            starts[event.pid] += 1
        elif isinstance(event, ProcessExited) and event.pid in pids:
            exits[event.pid] += 1
    return starts, exits


def test_polled_churn_is_exact_for_processes_that_lived_two_ticks() -> None:
    interval = 0.25
    monitor = Monitor(interval=interval, families=("processes",), push=False)
    events = monitor.events((ProcessStarted, ProcessExited))
    ticks: list[tuple[float, float]] = []
    tick = monitor.tick

    def timed_tick() -> list[Event]:
        begin = time.monotonic()
        try:
            return tick()
        finally:
            ticks.append((begin, time.monotonic()))

    monitor.tick = timed_tick  # type: ignore[method-assign]
    with monitor:
        time.sleep(interval * 2)
        pids = _churn(seconds=3.0, rate=200)
        time.sleep(interval * 4)
    got = list(events)
    starts, exits = _counts(got, pids)
    assert len(pids) >= 400
    assert max(starts.values(), default=1) == 1 and max(exits.values(), default=1) == 1
    assert set(exits) <= set(starts), "an exit without a start"
    # Lived two ticks: two whole ticks ran while it surely existed (how long ticks take depends
    # on the machine's load, so this is counted, not assumed from the interval).
    long_lived = {
        pid
        for pid, (born, life) in pids.items()
        if sum(1 for a, b in ticks if born <= a and b <= born + life) >= 2
    }
    assert len(long_lived) >= 5, (len(long_lived), len(ticks), monitor.stats)
    missing = [(p, starts[p], exits[p]) for p in long_lived if (starts[p], exits[p]) != (1, 1)]
    assert missing == []
    assert monitor.stats.dropped_events == 0


@pytest.mark.root
def test_connector_churn_reports_every_process() -> None:
    monitor = Monitor(interval=1.0, families=("processes",))
    events = monitor.events((ProcessStarted, ProcessExited))
    with monitor:
        if "processes" not in monitor.stats.pushed_sources:
            pytest.skip("the process-events connector is not available (needs root)")
        pids = _churn(seconds=3.0, rate=300)
        time.sleep(0.5)
    starts, exits = _counts(list(events), pids)
    assert len(pids) >= 600
    assert starts == Counter(dict.fromkeys(pids, 1))
    assert exits == Counter(dict.fromkeys(pids, 1))
    assert monitor.stats.dropped_events == 0
