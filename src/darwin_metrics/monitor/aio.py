"""Async access: :func:`stream` (samples) and :func:`asnapshot` (one snapshot).

Reads that cost microseconds run on the event loop; the families in :data:`EXPENSIVE` (the process
table, the socket tables and NVML) run in a worker thread (``asyncio.to_thread``), so the loop is
never held for milliseconds. ``benchmarks/bench_monitor.py`` measures each family's read time;
docs/events.md lists the figures behind this split.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncGenerator, Iterable
from typing import Any

from darwin_metrics.backend import Backend, default_backend
from darwin_metrics.collect import FAMILIES, read_families
from darwin_metrics.records.rates import Sample
from darwin_metrics.records.snapshot import Snapshot
from darwin_metrics.sampler import Sampler

#: Families read in a worker thread: each costs milliseconds, not microseconds.
EXPENSIVE: frozenset[str] = frozenset({"processes", "connection_counts", "gpus"})


async def _read(
    backend: Backend,
    names: Iterable[str],
    read_times: dict[str, float],
    process_fields: frozenset[str] | None = None,
) -> dict[str, Any]:
    wanted = set(names)
    cheap = wanted - EXPENSIVE
    costly = wanted & EXPENSIVE
    values = read_families(backend, cheap, read_times) if cheap else {}
    if costly:
        times: dict[str, float] = {}
        values.update(
            await asyncio.to_thread(read_families, backend, costly, times, process_fields)
        )
        read_times.update(times)
    return values


def _names(families: Iterable[str] | None, processes: bool) -> list[str]:
    chosen = {n for n, _ in FAMILIES} if families is None else set(families)
    if not processes:
        chosen.discard("processes")
    return [n for n, _ in FAMILIES if n in chosen]


async def asnapshot(
    *, processes: bool = True, families: Iterable[str] | None = None, backend: Backend | None = None
) -> Snapshot:
    """Every family (or ``families``) at once, without blocking the event loop for long."""
    backend = backend if backend is not None else default_backend()
    values = await _read(backend, _names(families, processes), {})
    return Snapshot(timestamp=time.time(), platform=sys.platform, **values)


def stream(
    interval: float = 1.0,
    families: Iterable[str] | None = None,
    *,
    processes: bool = True,
    process_fields: Iterable[str] | None = None,
    backend: Backend | None = None,
) -> AsyncGenerator[Sample, None]:
    """Samples (snapshot plus rates since the previous one) every ``interval`` seconds on a
    monotonic schedule; a sample that overruns its slot skips the slots it missed. The first
    sample has no rates.

    ``process_fields`` reads only those :class:`Process` fields, as ``Sampler(process_fields=...)``
    (``create_time`` included; per-process CPU percent needs ``cpu_times``, I/O rates ``io``).
    The arguments are checked when ``stream()`` is called, before the first iteration:
    ``ValueError`` for a non-positive ``interval`` or an unknown field name, ``TypeError`` for
    ``process_fields`` that is not an iterable of ``str``.
    """
    if not interval > 0:
        raise ValueError("interval must be positive")
    names = _names(families, processes)
    sampler = Sampler(backend, processes=processes, families=names, process_fields=process_fields)
    return _samples(sampler, names, interval)


async def _samples(
    sampler: Sampler, names: list[str], interval: float
) -> AsyncGenerator[Sample, None]:
    next_at = time.monotonic()
    while True:
        read_times: dict[str, float] = {}
        values = await _read(sampler.backend, names, read_times, sampler.process_fields)
        snapshot = Snapshot(timestamp=time.time(), platform=sys.platform, **values)
        yield sampler.combine(snapshot, read_times)
        next_at += interval
        now = time.monotonic()
        if now > next_at:
            next_at += (int((now - next_at) // interval) + 1) * interval
        await asyncio.sleep(next_at - now)
