"""The network and disk panels: bytes per second in and out, busiest first, with sparklines."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from darwin_metrics.cli import fmt
from darwin_metrics.records.rates import Sample
from darwin_metrics.tui.history import History, sparkline
from darwin_metrics.tui.panel import Panel

#: Devices shown at most in each panel.
MAX_ROWS = 6
#: Block devices left out unless they moved data during the interval.
_QUIET_PREFIXES = ("loop", "ram")


def _rate_line(
    name: str,
    labels: tuple[str, str],
    values: tuple[float | None, float | None],
    extra: str,
    spark: list[float | None],
    width: int,
) -> Text:
    line = Text(f"{fmt.clean(name)[:12]:<12} ", style="bold")
    for label, value in zip(labels, values, strict=True):
        line.append(f"{label} ", style="dim")
        line.append(f"{fmt.byte_rate(value):>12} ")
    line.append(extra, style="dim")
    spark_width = width - len(line) - 1
    if spark_width >= 6:
        line.append(" " + sparkline(spark, spark_width), style="cyan")
    return line


def _total(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


class NetworkPanel(Panel):
    """Receive and send rates of the interfaces that are up, busiest first."""

    KEY = "network"
    TITLE = "Network"

    def observe(self, sample: Sample, history: History) -> None:
        rates = sample.rates.interfaces if sample.rates else None
        for r in rates or ():
            history.add(f"net.{r.name}", _total(r.rx_bytes_per_second, r.tx_bytes_per_second))
        history.keep_only((f"net.{r.name}" for r in rates or ()), "net.")

    def body(self, sample: Sample, history: History, width: int) -> RenderableType | None:
        interfaces = [i for i in sample.snapshot.interfaces or () if i.is_up]
        if not interfaces:
            return None
        rates = sample.rates
        rows = []
        for iface in interfaces:
            r = rates.interface(iface.name) if rates else None
            rx = r.rx_bytes_per_second if r else None
            tx = r.tx_bytes_per_second if r else None
            rows.append((-(_total(rx, tx) or 0.0), iface.name, rx, tx))
        rows.sort()
        lines = [
            _rate_line(name, ("rx", "tx"), (rx, tx), "", list(history.get(f"net.{name}")), width)
            for _, name, rx, tx in rows[:MAX_ROWS]
        ]
        if len(rows) > MAX_ROWS:
            lines.append(Text(f"... {len(rows) - MAX_ROWS} more up", style="dim"))
        return Group(*lines)


class DiskPanel(Panel):
    """Read and write rates and busy share of whole disks, busiest first."""

    KEY = "disk"
    TITLE = "Disks"

    def observe(self, sample: Sample, history: History) -> None:
        rates = sample.rates.disks if sample.rates else None
        for r in rates or ():
            history.add(f"disk.{r.name}", _total(r.read_bytes_per_second, r.write_bytes_per_second))
        history.keep_only((f"disk.{r.name}" for r in rates or ()), "disk.")

    def body(self, sample: Sample, history: History, width: int) -> RenderableType | None:
        rates = sample.rates
        rows = []
        for disk in sample.snapshot.disks or ():
            if disk.is_partition:
                continue
            r = rates.disk(disk.name) if rates else None
            read = r.read_bytes_per_second if r else None
            write = r.write_bytes_per_second if r else None
            moved = _total(read, write) or 0.0
            if disk.name.startswith(_QUIET_PREFIXES) and moved <= 0:
                continue
            busy = f"busy {fmt.percent(r.busy_percent, 0):>4}" if r else ""
            rows.append((-moved, disk.name, read, write, busy))
        if not rows:
            return None
        rows.sort()
        lines = [
            _rate_line(
                name, ("read", "write"), (rd, wr), busy, list(history.get(f"disk.{name}")), width
            )
            for _, name, rd, wr, busy in rows[:MAX_ROWS]
        ]
        if len(rows) > MAX_ROWS:
            lines.append(Text(f"... {len(rows) - MAX_ROWS} more disks", style="dim"))
        return Group(*lines)
