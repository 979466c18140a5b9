"""Summary sections for temperatures (with the throttling state) and fans
(see :mod:`darwin_metrics.cli.summary`)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from darwin_metrics.cli import fmt
from darwin_metrics.cli.widgets import panel
from darwin_metrics.records.rates import Sample, ThermalRates
from darwin_metrics.records.sensors import SensorKind, Temperatures
from darwin_metrics.records.thermal import Thermal

#: Fans shown at most, to keep the summary on one screen.
MAX_FANS = 8
#: The order of the kinds in the temperatures table.
KIND_ORDER: tuple[SensorKind, ...] = (
    "cpu",
    "gpu",
    "memory",
    "storage",
    "chipset",
    "battery",
    "ambient",
    "other",
)


def celsius(value: float | None) -> str:
    """``54 °C``, or the missing marker."""
    return fmt.MISSING if value is None else f"{value:.0f} °C"


def _hottest_rows(temps: Temperatures) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    for kind in KIND_ORDER:
        sensors = temps.of_kind(kind)
        zones = [z for z in temps.zones if z.kind == kind and z.celsius is not None]
        value: float | None
        if sensors:
            hot = max(sensors, key=lambda s: s.celsius)
            where = f"{hot.chip}/{hot.label or hot.sensor}"
            value, critical = hot.celsius, hot.critical_celsius
        elif zones:
            zone = max(zones, key=lambda z: z.celsius or 0.0)
            where, value, critical = (
                f"{zone.name} ({zone.type})",
                zone.celsius,
                zone.critical_celsius,
            )
        else:
            continue
        count = len(sensors) or len(zones)
        rows.append((kind, celsius(value), celsius(critical), str(count), fmt.clean(where)))
    return rows


def throttling_line(thermal: Thermal | None, rates: ThermalRates | None = None) -> Text | None:
    """One line on thermal throttling (over the sample's interval when rates are given), or
    ``None`` when the machine cannot tell."""
    if thermal is None or thermal.throttling is None:
        return None
    throttling = rates.throttling if rates is not None else thermal.throttling
    sources = rates.sources if rates is not None else thermal.sources
    if not throttling:
        return Text("not throttling", style="dim")
    return Text(f"THROTTLING: {fmt.clean(', '.join(sources))}", style="bold red")


def temperatures_section(sample: Sample) -> RenderableType | None:
    """The hottest sensor of each kind (cpu, gpu, storage, …) and whether the machine throttles."""
    temps = sample.snapshot.temperatures
    line = throttling_line(sample.snapshot.thermal, sample.rates.thermal if sample.rates else None)
    if temps is None or not (temps.sensors or temps.zones):
        if line is None:
            return None
        return panel("Temperatures", Group(Text(fmt.MISSING, style="dim"), line))
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for column in ("KIND", "HOTTEST", "CRITICAL", "SENSORS", "WHERE"):
        table.add_column(column, justify="left" if column in ("KIND", "WHERE") else "right")
    for row in _hottest_rows(temps):
        table.add_row(*row)
    return panel("Temperatures", Group(table, line) if line is not None else table)


def fans_section(sample: Sample) -> RenderableType | None:
    """Each fan: speed, duty and who drives it."""
    fans = sample.snapshot.fans
    if not fans:
        return None
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for column in ("FAN", "LABEL", "SPEED", "DUTY", "MODE"):
        table.add_column(column, justify="right" if column in ("SPEED", "DUTY") else "left")
    for fan in fans[:MAX_FANS]:
        table.add_row(
            fmt.clean(fan.id),
            fmt.clean(fan.label or fmt.MISSING),
            fmt.MISSING if fan.rpm is None else f"{fan.rpm} RPM",
            fmt.percent(fan.duty_percent, 0),
            fan.mode or fmt.MISSING,
        )
    hidden = len(fans) - MAX_FANS
    if hidden > 0:
        more = Text(f"... {hidden} more fans (darwin-metrics fan list)", style="dim")
        return panel("Fans", Group(table, more))
    return panel("Fans", table)
