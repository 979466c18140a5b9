"""The async API: stream() and asnapshot() keep the event loop responsive (expensive families run
in a worker thread), and Monitor.aevents() delivers events on the loop."""

from __future__ import annotations

import asyncio
import threading
import time

import psutil
import pytest

import darwin_metrics as dm
from darwin_metrics.monitor import Monitor, ThresholdCrossed
from darwin_metrics.monitor.aio import EXPENSIVE

pytestmark = pytest.mark.live


def test_asnapshot_reads_every_family() -> None:
    snap = asyncio.run(dm.asnapshot())
    assert snap.cpu is not None and snap.memory is not None
    assert snap.processes is not None
    assert abs(snap.memory.total - psutil.virtual_memory().total) <= 0.01 * snap.memory.total
    assert asyncio.run(dm.asnapshot(processes=False)).processes is None


def test_expensive_families_run_off_the_loop() -> None:
    threads: dict[str, str] = {}

    class Recording:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            threads[name] = threading.current_thread().name
            return getattr(self.inner, name)

    from darwin_metrics.backend import default_backend

    backend = Recording(default_backend())
    asyncio.run(dm.asnapshot(families=("cpu", "processes"), backend=backend))  # type: ignore[arg-type]
    assert threads["cpu"] == "MainThread"
    assert threads["processes"] != "MainThread"
    assert "processes" in EXPENSIVE and "cpu" not in EXPENSIVE


def test_stream_gives_rates_on_a_schedule() -> None:
    async def take(n: int) -> list[dm.Sample]:
        samples = []
        async for sample in dm.stream(0.2, families=("cpu", "memory")):
            samples.append(sample)
            if len(samples) == n:
                break
        return samples

    start = time.monotonic()
    samples = asyncio.run(take(4))
    elapsed = time.monotonic() - start
    assert samples[0].rates is None
    assert all(s.rates is not None and s.rates.cpu is not None for s in samples[1:])
    assert all(0 <= s.rates.cpu.percent <= 100 for s in samples[1:])  # type: ignore[union-attr]
    assert samples[0].snapshot.disks is None  # only the families asked for
    assert 0.55 <= elapsed < 3.0


def test_aevents_on_the_loop() -> None:
    async def first_events() -> list[ThresholdCrossed]:
        got = []
        with Monitor(interval=0.1, families=("memory",), processes=False) as monitor:
            monitor.threshold("memory.total>0")
            monitor.threshold("memory.used>0")
            async for event in monitor.aevents(ThresholdCrossed):
                got.append(event)
                if len(got) == 2:
                    break
        return got  # type: ignore[return-value]

    events = asyncio.run(asyncio.wait_for(first_events(), 20))
    assert sorted(e.path for e in events) == ["memory.total", "memory.used"]


def test_aevents_end_when_the_monitor_stops() -> None:
    async def run() -> int:
        monitor = Monitor(interval=0.1, families=("memory",), processes=False).start()
        asyncio.get_running_loop().call_later(0.3, monitor.stop)
        return sum([1 async for _ in monitor.aevents()])

    assert asyncio.run(asyncio.wait_for(run(), 20)) == 0
