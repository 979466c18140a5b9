"""Rates of the hardware families: power rails from energy counters, throttling from counters.

Pure functions of two readings and the seconds between them, platform-independent, so
``power()`` and ``thermal()`` keep no state and never sleep: a Sampler computes these.
"""

from __future__ import annotations

from darwin_metrics.rates import counter_delta
from darwin_metrics.records.power import Power, PowerRail, PowerRailRate
from darwin_metrics.records.rates import ThermalRates
from darwin_metrics.records.thermal import CoreThrottle, PackageThrottle, Thermal

#: An energy counter without a stated range is taken as 64-bit microjoules.
DEFAULT_ENERGY_RANGE_JOULES = 2**64 / 1e6
#: Counter readings further apart than this are not used: a RAPL counter can wrap in about a
#: minute on some parts, and only one wrap between readings can be corrected.
MAX_ENERGY_INTERVAL = 60.0


def _rail_key(rail: PowerRail) -> str:
    return rail.path or f"{rail.source}:{rail.name}"


def rail_watts(before: PowerRail, after: PowerRail, elapsed: float) -> float | None:
    """Average watts of one counter-based rail over ``elapsed`` seconds; ``None`` when either
    reading lacks its counter, the time is implausible, or the counter reset."""
    if not 0 < elapsed <= MAX_ENERGY_INTERVAL:
        return None
    modulus = after.energy_range_joules or DEFAULT_ENERGY_RANGE_JOULES
    delta = counter_delta(before.joules, after.joules, modulus=modulus)
    return None if delta is None else delta / elapsed


def power_rates(before: Power, after: Power, elapsed: float) -> tuple[PowerRailRate, ...]:
    """The average watts of every rail with an energy counter in both readings."""
    previous = {_rail_key(r): r for r in before.rails if r.joules is not None}
    found = []
    for rail in after.rails:
        old = previous.get(_rail_key(rail))
        if old is None or rail.joules is None:
            continue
        found.append(
            PowerRailRate(
                name=rail.name,
                source=rail.source,
                domain=rail.domain,
                watts=rail_watts(old, rail, elapsed),
            )
        )
    return tuple(found)


def throttle_counters(
    packages: tuple[PackageThrottle, ...], cores: tuple[CoreThrottle, ...]
) -> dict[str, tuple[int, float | None]]:
    """Each throttle source's name (``cpu-package0``, ``cpu-core0.1``) with its count and total
    time, the values whose increase between two readings means throttling happened."""
    found: dict[str, tuple[int, float | None]] = {}
    for p in packages:
        found[f"cpu-package{p.package}"] = (p.count, p.total_time)
    for c in cores:
        found[f"cpu-core{c.package}.{c.core}"] = (c.count, c.total_time)
    return found


def rose(previous: tuple[int, float | None], current: tuple[int, float | None]) -> bool:
    """True when a count or a total time grew (a value that fell was reset: not throttling)."""
    grew_count = current[0] > previous[0]
    grew_time = previous[1] is not None and current[1] is not None and current[1] > previous[1]
    return grew_count or grew_time


def _events_per_second(
    before: tuple[PackageThrottle, ...] | tuple[CoreThrottle, ...] | None,
    after: tuple[PackageThrottle, ...] | tuple[CoreThrottle, ...] | None,
    elapsed: float,
) -> float | None:
    if before is None or after is None or not elapsed > 0:
        return None
    old = {(getattr(t, "package", 0), getattr(t, "core", -1)): t.count for t in before}
    total = 0
    for t in after:
        prev = old.get((getattr(t, "package", 0), getattr(t, "core", -1)))
        if prev is not None and t.count >= prev:
            total += t.count - prev
    return total / elapsed


def thermal_rates(before: Thermal, after: Thermal, elapsed: float) -> ThermalRates:
    """Throttling over the interval: counters that rose, plus ``after``'s present-tense sources."""
    old = throttle_counters(before.packages or (), before.cores or ())
    new = throttle_counters(after.packages or (), after.cores or ())
    sources = [name for name, value in new.items() if name in old and rose(old[name], value)]
    sources += [s for s in after.sources if s not in sources]
    has_source = after.throttling is not None or bool(new)
    return ThermalRates(
        throttling=bool(sources) if has_source else None,
        sources=tuple(sources),
        package_events_per_second=_events_per_second(before.packages, after.packages, elapsed),
        core_events_per_second=_events_per_second(before.cores, after.cores, elapsed),
    )
