"""Summary section for GPUs (see :mod:`darwin_metrics.cli.summary`)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table

from darwin_metrics.cli import fmt
from darwin_metrics.cli.widgets import bar, panel
from darwin_metrics.records.rates import Sample


def _celsius(value: float | None) -> str:
    return fmt.MISSING if value is None else f"{value:.0f} °C"


def _watts(draw: float | None, limit: float | None) -> str:
    if draw is None:
        return fmt.MISSING
    return f"{draw:.0f} W" if limit is None else f"{draw:.0f}/{limit:.0f} W"


def gpus_section(sample: Sample) -> RenderableType | None:
    """Each GPU: load bar, memory, temperature, power, clock and why it is slowed, if it is."""
    gpus = sample.snapshot.gpus
    if not gpus:
        return None
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for column in ("#", "NAME", "LOAD", "", "MEMORY", "TEMP", "POWER", "CLOCK", "SLOWED BY"):
        table.add_column(column, justify="left" if column in ("NAME", "SLOWED BY") else "right")
    for gpu in gpus:
        memory = (
            f"{fmt.size(gpu.memory_used)} / {fmt.size(gpu.memory_total)}"
            if gpu.memory_total is not None
            else fmt.MISSING
        )
        if gpu.lost:
            slowed = "lost (fell off the bus)"
        else:
            slowed = ", ".join(gpu.throttling_reasons or ()) or "-"
        table.add_row(
            str(gpu.index),
            fmt.clean(gpu.name or gpu.vendor),
            bar(gpu.utilization_percent, width=10),
            fmt.percent(gpu.utilization_percent, 0),
            memory,
            _celsius(gpu.temperature_celsius),
            _watts(gpu.power_watts, gpu.power_limit_watts),
            fmt.hertz(None if gpu.graphics_hertz is None else float(gpu.graphics_hertz)),
            slowed,
        )
    return panel("GPUs", table)
