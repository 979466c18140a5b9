"""The memory panel: RAM and swap use, and memory pressure with its stall share."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from darwin_metrics.cli import fmt
from darwin_metrics.records.rates import Sample
from darwin_metrics.tui.history import History, sparkline
from darwin_metrics.tui.panel import Panel, meter

_LEVEL_STYLE = {"normal": "green", "warning": "yellow", "critical": "bold red"}


class MemoryPanel(Panel):
    """RAM and swap bars with used and total bytes; pressure level and stalled share."""

    KEY = "memory"
    TITLE = "Memory"

    def observe(self, sample: Sample, history: History) -> None:
        memory = sample.snapshot.memory
        if memory is not None:
            history.add("memory", memory.used_percent)

    def body(self, sample: Sample, history: History, width: int) -> RenderableType | None:
        memory = sample.snapshot.memory
        if memory is None:
            return None
        bar_width = max(5, min(30, width // 3))
        ram = Text("RAM  ", style="bold")
        ram.append_text(meter(memory.used_percent, bar_width))
        ram.append(f" {fmt.percent(memory.used_percent):>6} ")
        ram.append(f"{fmt.size(memory.used)} of {fmt.size(memory.total)}", style="dim")
        swap = Text("swap ", style="bold")
        if memory.swap.total > 0:
            percent = 100.0 * memory.swap.used / memory.swap.total
            swap.append_text(meter(percent, bar_width))
            swap.append(f" {fmt.percent(percent):>6} ")
            swap.append(f"{fmt.size(memory.swap.used)} of {fmt.size(memory.swap.total)}", "dim")
        else:
            swap.append("none", style="dim")
        level = memory.pressure.level
        pressure = Text("pressure ", style="bold")
        pressure.append(level or "unknown", style=_LEVEL_STYLE.get(level or "", "dim"))
        stall = memory.pressure.memory
        if stall is not None and stall.some_avg10_percent is not None:
            pressure.append(f" stalled {fmt.percent(stall.some_avg10_percent, 2)} (10 s)", "dim")
        pressure.append(f"  available {fmt.size(memory.available)}", style="dim")
        spark_width = width - len(pressure) - 1
        if spark_width >= 8:
            pressure.append(" " + sparkline(history.get("memory"), spark_width, 100.0), "cyan")
        return Group(ram, swap, pressure)
