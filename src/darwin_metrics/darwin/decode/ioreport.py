"""IOReport decoders: ``Energy Model`` channels → power rails, and performance-state residencies
→ average frequency and active residency.

Energy: each channel is a cumulative energy counter with its own unit label (``mJ``, ``uJ``,
``nJ``; labels come padded, so they are trimmed). Channels overlap (a cluster contains its cores,
the SoC total contains the clusters), so only these are used, never added to each other:

- ``cpu``: ``CPU Energy``; on Ultra chips one per die, ``DIE_<n>_CPU Energy`` (``cpu-die<n>``);
- ``gpu``: ``GPU Energy``;
- ``ane``: every ``ANE…`` channel (one per neural engine; two on Ultra), summed;
- ``dram``: every ``DRAM…`` channel, summed.

Per-core (``…_CPU0``), per-cluster (``EACC_CPU``, ``MCPU0``), SRAM, ``DTL`` and other SoC blocks
(ISP, AVE, PCIe…) are left out. Watts are the difference of two readings over the time between
them (a Sampler rate), not a single reading.

Frequencies: a ``CPU Stats``/``GPU Stats`` performance-state channel lists states in order,
idle first (``IDLE``, ``DOWN``, ``OFF``), then the DVFS states, which map by position onto the
``pmgr`` frequency table of that cluster. Average frequency = sum of frequency x residency over the
active states / their total residency; active residency = active / all (percent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.records.power import PowerRail

#: Joules per unit of each energy label.
ENERGY_UNITS: dict[str, float] = {"mJ": 1e-3, "uJ": 1e-6, "µJ": 1e-6, "nJ": 1e-9, "J": 1.0}
#: State names that mean "not running" in a performance-state channel.
IDLE_STATES = frozenset({"IDLE", "DOWN", "OFF"})

#: Rail domains in the order rails are listed.
RAIL_ORDER = ("cpu", "gpu", "ane", "dram")

_DIE_CPU = re.compile(r"DIE_(\d+)_CPU Energy")
#: Per-core channels of ``CPU Core Performance States``: cluster letter, then the core's number
#: within its cluster (``ECPU0``, ``PCPU3``).
_CORE_CHANNEL = re.compile(r"([A-Z])CPU(\d+)")


class EnergyChannel(msgspec.Struct, frozen=True, gc=False):
    """One ``Energy Model`` channel of a sample: name, trimmed unit label, integer value."""

    name: str
    unit: str
    value: int


def unit_factor(label: str) -> float:
    """Joules per unit of ``label`` (whitespace trimmed); ParseError for an unknown unit."""
    factor = ENERGY_UNITS.get(label.strip())
    if factor is None:
        raise ParseError("IOReport unit", f"unknown energy unit {label!r}")
    return factor


def rail_of(name: str) -> str | None:
    """The rail a channel feeds (``cpu``, ``cpu-die1``, ``gpu``, ``ane``, ``dram``), or None."""
    if name == "CPU Energy":
        return "cpu"
    die = _DIE_CPU.fullmatch(name)
    if die:
        return f"cpu-die{die.group(1)}"
    if name == "GPU Energy":
        return "gpu"
    if name.startswith("ANE"):
        return "ane"
    if name.startswith("DRAM"):
        return "dram"
    return None


def energy_rails(channels: Iterable[EnergyChannel]) -> tuple[PowerRail, ...]:
    """Cumulative-energy rails (joules) from one sample's channels: CPU, GPU, ANE, DRAM.

    A channel with an unknown unit or a negative counter is skipped, not fatal.
    """
    totals: dict[str, float] = {}
    for channel in channels:
        rail = rail_of(channel.name)
        if rail is None or channel.value < 0:
            continue
        try:
            joules = channel.value * unit_factor(channel.unit)
        except ParseError:
            continue
        totals[rail] = totals.get(rail, 0.0) + joules
    order = sorted(totals, key=lambda name: (RAIL_ORDER.index(name.split("-", 1)[0]), name))
    return tuple(
        PowerRail(
            name=name,
            source="ioreport",
            domain=name.split("-", 1)[0],
            joules=totals[name],
            path=f"IOReport:Energy Model/{name}",
        )
        for name in order
    )


def watts(before_joules: float, after_joules: float, elapsed: float) -> float | None:
    """Average watts between two cumulative readings ``elapsed`` seconds apart; None when the
    counter went backwards or no time passed."""
    if elapsed <= 0 or after_joules < before_joules:
        return None
    return (after_joules - before_joules) / elapsed


class Residency(msgspec.Struct, frozen=True, gc=False):
    """What a performance-state channel says over an interval."""

    hertz: float | None
    active_percent: float | None


def residency(states: Sequence[tuple[str, int]], frequencies_hz: Sequence[float]) -> Residency:
    """Average frequency and active residency from ``(state name, residency)`` pairs of one
    interval (a delta sample) and the cluster's DVFS table (Hz, lowest first).

    The active states (after the idle ones) map by position onto ``frequencies_hz``; a table of
    another length than the active states cannot be mapped, so the frequency is then ``None``.
    """
    total = sum(max(r, 0) for _, r in states)
    active = [(name, max(r, 0)) for name, r in states if name.strip().upper() not in IDLE_STATES]
    busy = sum(r for _, r in active)
    active_percent = 100.0 * busy / total if total > 0 else None
    if busy <= 0 or len(active) != len(frequencies_hz):
        return Residency(hertz=None, active_percent=active_percent)
    hertz = sum(f * r for f, (_, r) in zip(frequencies_hz, active, strict=True)) / busy
    return Residency(hertz=hertz, active_percent=active_percent)


class StateChannel(msgspec.Struct, frozen=True, gc=False):
    """One performance-state channel of a delta sample: its name and ``(state, residency)``."""

    name: str
    states: tuple[tuple[str, int], ...]


def core_residencies(
    channels: Iterable[StateChannel],
    core_cluster: Mapping[int, str],
    core_table: Mapping[int, Sequence[float]],
) -> dict[int, Residency]:
    """Per logical CPU, the frequency and active residency of its ``<letter>CPU<n>`` channel:
    ``n`` counts the CPUs of that cluster letter in index order. Channels that name no CPU here
    (another layout) are left out; a CPU without a DVFS table gets only its active residency."""
    by_cluster: dict[str, list[int]] = {}
    for index in sorted(core_cluster):
        by_cluster.setdefault(core_cluster[index], []).append(index)
    found: dict[int, Residency] = {}
    for channel in channels:
        match = _CORE_CHANNEL.fullmatch(channel.name)
        if not match:
            continue
        members = by_cluster.get(match.group(1), [])
        number = int(match.group(2))
        if number >= len(members):
            continue
        core = members[number]
        found[core] = residency(channel.states, core_table.get(core, ()))
    return found
