"""The CPU panel: total busy percent with its mode split and clock, then each core's history."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from darwin_metrics.cli import fmt
from darwin_metrics.records.rates import Sample
from darwin_metrics.tui.history import History, sparkline
from darwin_metrics.tui.panel import Panel, level_style

#: Characters of history each core shows, and the gap between core cells.
CORE_SPARK = 8
CORE_GAP = 3
#: One core cell: "idx spark pct".
CORE_CELL = 3 + 1 + CORE_SPARK + 1 + 4


class CPUPanel(Panel):
    """Busy percent of the whole machine and of each logical CPU, with sparklines."""

    KEY = "cpu"
    TITLE = "CPU"

    def observe(self, sample: Sample, history: History) -> None:
        rates = sample.rates.cpu if sample.rates else None
        if rates is None:
            return
        history.add("cpu", rates.percent)
        for core in rates.cores:
            history.add(f"cpu.{core.index}", core.percent)

    def body(self, sample: Sample, history: History, width: int) -> RenderableType | None:
        cpu = sample.snapshot.cpu
        if cpu is None:
            return None
        rates = sample.rates.cpu if sample.rates else None
        total = rates.percent if rates else None
        line = Text("total ", style="bold")
        line.append(f"{fmt.percent(total):>6} ", style=level_style(total))
        details = ""
        if rates is not None and rates.modes is not None:
            modes = rates.modes
            details = f" usr {modes.user:.0f}% sys {modes.system:.0f}%"
            if modes.iowait is not None:
                details += f" io {modes.iowait:.0f}%"
        clocks = [c.frequency.hertz for c in cpu.cores if c.frequency.hertz is not None]
        if clocks:
            details += f" {fmt.hertz(sum(clocks) / len(clocks))}"
        spark_width = max(0, width - len(line) - len(details) - 1)
        line.append(sparkline(history.get("cpu"), spark_width, 100.0), style=level_style(total))
        line.append(details, style="dim")

        per_core = {c.index: c.percent for c in rates.cores} if rates else {}
        columns = max(1, (width + CORE_GAP) // (CORE_CELL + CORE_GAP))
        cells: list[Text] = []
        for core in sorted(cpu.cores, key=lambda c: c.index):
            value = per_core.get(core.index)
            cell = Text(f"{core.index:>3} ", style="dim")
            cell.append(
                sparkline(history.get(f"cpu.{core.index}"), CORE_SPARK, 100.0),
                style=level_style(value),
            )
            cell.append(f" {fmt.percent(value, 0):>4}")
            cells.append(cell)
        lines = [line]
        for start in range(0, len(cells), columns):
            lines.append(Text(" " * CORE_GAP).join(cells[start : start + columns]))
        return Group(*lines)
