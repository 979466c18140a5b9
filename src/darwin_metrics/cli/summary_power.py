"""Summary sections for batteries and power rails (see :mod:`darwin_metrics.cli.summary`)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from darwin_metrics.cli import fmt
from darwin_metrics.cli.widgets import bar, panel
from darwin_metrics.records.rates import Sample

#: Power rails shown at most, to keep the summary on one screen.
MAX_RAILS = 8


def watts(value: float | None) -> str:
    """``12.3 W``, or the missing marker."""
    return fmt.MISSING if value is None else f"{value:.1f} W"


def batteries_section(sample: Sample) -> RenderableType | None:
    """Each system battery: charge bar, status, time left, power draw and health."""
    batteries = sample.snapshot.batteries
    if not batteries:
        return None
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for column in ("NAME", "CHARGE", "", "STATUS", "TIME LEFT", "POWER", "HEALTH", "CYCLES"):
        table.add_column(column, justify="left" if column in ("NAME", "STATUS") else "right")
    for b in batteries:
        left = b.time_to_empty if b.status == "discharging" else b.time_to_full
        table.add_row(
            fmt.clean(b.name),
            bar(b.charge_percent, width=12),
            fmt.percent(b.charge_percent, 0),
            b.status + (" (plugged in)" if b.plugged_in and b.status != "charging" else ""),
            fmt.duration(left),
            watts(b.watts),
            fmt.percent(b.health_percent, 0),
            fmt.MISSING if b.cycle_count is None else str(b.cycle_count),
        )
    return panel("Batteries", table)


def power_section(sample: Sample) -> RenderableType | None:
    """Measured power rails in watts (RAPL, hwmon, battery, GPU); unreadable rails say why."""
    power = sample.snapshot.power
    if power is None or not power.rails:
        return None
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for column in ("RAIL", "SOURCE", "POWER", "LIMIT"):
        table.add_column(column, justify="left" if column in ("RAIL", "SOURCE") else "right")
    averaged = {
        (r.source, r.name): r.watts for r in (sample.rates.power if sample.rates else ()) or ()
    }
    for rail in power.rails[:MAX_RAILS]:
        value = rail.watts if rail.watts is not None else averaged.get((rail.source, rail.name))
        reading = watts(value) if rail.unavailable_reason is None else rail.unavailable_reason
        table.add_row(fmt.clean(rail.name), rail.source, reading, watts(rail.limit_watts))
    parts: list[RenderableType] = [table]
    estimates = sample.rates.estimated_process_power if sample.rates else None
    if estimates and any(e.estimated_watts is not None for e in estimates):
        top = ", ".join(
            f"{fmt.clean(e.name)} ~{e.estimated_watts or 0.0:.1f} W" for e in estimates[:3]
        )
        parts.append(Text(f"estimated top consumers: {top}", style="dim"))
    return panel("Power", Group(*parts))
