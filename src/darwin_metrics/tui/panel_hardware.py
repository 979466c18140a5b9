"""The GPU, sensors (temperatures and fans) and power (rails and batteries) panels.

They draw the same tables as the one-shot summary's sections (:mod:`darwin_metrics.cli.summary_gpu`,
``summary_sensors``, ``summary_power``), inside the dashboard's own frame.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.panel import Panel as RichPanel

from darwin_metrics.cli.summary_gpu import gpus_section
from darwin_metrics.cli.summary_power import batteries_section, power_section
from darwin_metrics.cli.summary_sensors import fans_section, temperatures_section
from darwin_metrics.records.rates import Sample
from darwin_metrics.tui.history import History
from darwin_metrics.tui.panel import Panel

Section = Callable[[Sample], RenderableType | None]


def _bodies(sample: Sample, sections: tuple[Section, ...]) -> RenderableType | None:
    """The contents of the summary sections that have something, without their frames."""
    parts = []
    for section in sections:
        drawn = section(sample)
        if drawn is not None:
            parts.append(drawn.renderable if isinstance(drawn, RichPanel) else drawn)
    return Group(*parts) if parts else None


class GPUPanel(Panel):
    """Each GPU: load, memory, temperature, power, clock and what slows it."""

    KEY = "gpu"
    TITLE = "GPUs"

    def body(self, sample: Sample, history: History, width: int) -> RenderableType | None:
        return _bodies(sample, (gpus_section,))


class SensorsPanel(Panel):
    """The hottest sensor of each kind, throttling, and each fan."""

    KEY = "sensors"
    TITLE = "Temperatures and fans"

    def body(self, sample: Sample, history: History, width: int) -> RenderableType | None:
        return _bodies(sample, (temperatures_section, fans_section))


class PowerPanel(Panel):
    """Power rails in watts and each battery's charge, state and draw."""

    KEY = "power"
    TITLE = "Power and batteries"

    def body(self, sample: Sample, history: History, width: int) -> RenderableType | None:
        return _bodies(sample, (power_section, batteries_section))
