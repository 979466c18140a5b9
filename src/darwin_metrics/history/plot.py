"""Charts of recorded history with matplotlib (the ``plot`` extra), drawn off-screen (Agg/SVG).

Series of the same unit share one panel; each unit gets its own panel, stacked over one time
axis, with ticks in human units (KiB/s, GHz, °C…). A pause in recording longer than five
sampling steps is drawn as a gap, not a straight line.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from darwin_metrics.history.units import scale_for

if TYPE_CHECKING:
    from darwin_metrics.history.query import HistoryResult, Series

__all__ = ["FORMATS", "PlottedLine", "PlotExtraMissing", "plot"]

#: Output formats by file suffix.
FORMATS = {".png": "png", ".svg": "svg"}
PLOT_EXTRA = "darwin-metrics[plot]"


class PlotExtraMissing(ImportError):
    """matplotlib is not installed."""


class PlottedLine(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One line as drawn: its legend ``label``, ``unit`` and the points (epoch seconds, value),
    read back from the chart (gaps left out)."""

    label: str
    unit: str
    times: tuple[float, ...]
    values: tuple[float, ...]


def _with_gaps(series: Series) -> tuple[list[float], list[float]]:
    """The points with a NaN inserted where recording paused (> 5 median steps)."""
    times, values = list(series.times), list(series.values)
    if len(times) < 3:
        return times, values
    steps = sorted(b - a for a, b in itertools.pairwise(times))
    limit = 5 * max(steps[len(steps) // 2], 1e-3)
    out_t, out_v = [times[0]], [values[0]]
    for prev, t, v in zip(times, times[1:], values[1:], strict=False):
        if t - prev > limit:
            out_t.append((prev + t) / 2)
            out_v.append(math.nan)
        out_t.append(t)
        out_v.append(v)
    return out_t, out_v


def plot(
    results: Sequence[HistoryResult],
    output: str | os.PathLike[str],
    *,
    title: str | None = None,
    width: float = 10.0,
) -> tuple[PlottedLine, ...]:
    """Draw every series of ``results`` into ``output`` (``.png`` or ``.svg``).

    Returns the lines as drawn. Raises :class:`ValueError` for another suffix or nothing to
    draw, :class:`PlotExtraMissing` without matplotlib.
    """
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot write {suffix or 'a file without suffix'}: use .png or .svg")
    by_unit: dict[str, list[Series]] = {}
    for result in results:
        for series in result.series:
            by_unit.setdefault(series.unit, []).append(series)
    if not by_unit:
        raise ValueError("no recorded values to plot in this range")
    try:
        import matplotlib.ticker
        from matplotlib import dates
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotExtraMissing(f"plots need matplotlib: pip install '{PLOT_EXTRA}'") from None

    figure = Figure(figsize=(width, 1.0 + 2.6 * len(by_unit)), layout="constrained")
    axes = figure.subplots(len(by_unit), 1, sharex=True, squeeze=False)[:, 0]
    drawn: list[tuple[str, Any]] = []
    for ax, (unit, group) in zip(axes, by_unit.items(), strict=False):
        for series in group:
            times, values = _with_gaps(series)
            stamps = [datetime.fromtimestamp(t).astimezone() for t in times]
            (line,) = ax.plot(stamps, values, label=series.path, linewidth=1.2)
            drawn.append((unit, line))
        ax.yaxis.set_major_locator(_locator(unit))
        ax.yaxis.set_major_formatter(_formatter(unit))
        ax.grid(True, alpha=0.3)
        ax.set_ylabel(unit or "value")
        ax.legend(loc="upper left", fontsize="small", framealpha=0.8)
        if unit == "%":
            top = max(max(s.values) for s in group)
            ax.set_ylim(0, max(100.0, top * 1.05))
    mdates: Any = dates
    locator = mdates.AutoDateLocator()
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    figure.suptitle(title or ", ".join(r.metric for r in results), fontsize="medium")
    import matplotlib

    # Text stays text in SVG (searchable, selectable) instead of glyph outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(output, format=FORMATS[suffix], dpi=100)
    return tuple(_read_back(unit, line) for unit, line in drawn)


def _locator(unit: str) -> Any:
    """Ticks at round numbers of the scaled unit (1, 2, 2.5, 5 times 1024^k for bytes)."""
    import numpy
    from matplotlib.ticker import MaxNLocator

    class HumanLocator(MaxNLocator):
        def tick_values(self, vmin: float, vmax: float) -> Any:
            factor, _ = scale_for(unit, max(abs(vmin), abs(vmax)))
            return numpy.asarray(super().tick_values(vmin / factor, vmax / factor)) * factor

    return HumanLocator(nbins=6, steps=[1, 2, 2.5, 5, 10])


def _formatter(unit: str) -> Any:
    """Tick labels in the scaled unit with as many decimals as the tick spacing needs."""
    from matplotlib.ticker import Formatter

    class HumanFormatter(Formatter):
        ticks: list[float] = []  # noqa: RUF012 (replaced per instance by set_locs)

        def set_locs(self, locs: Any) -> None:
            self.ticks = [float(v) for v in locs]

        def __call__(self, x: float, pos: int | None = None) -> str:
            locs = self.ticks or [x]
            factor, prefix = scale_for(unit, max(abs(v) for v in locs))
            steps = [abs(b - a) for a, b in itertools.pairwise(sorted(locs)) if b != a]
            step = min(steps) / factor if steps else 1.0
            decimals = min(6, max(0, -math.floor(math.log10(step)))) if step > 0 else 0
            text = f"{x / factor:.{decimals}f}"
            return f"{text} {prefix}{unit}".rstrip()

    return HumanFormatter()


def _read_back(unit: str, line: Any) -> PlottedLine:
    """The points of a drawn Line2D: its x data are the datetimes given to ``plot``."""
    xs: Any = line.get_xdata()
    ys: Any = line.get_ydata()
    points = [(x.timestamp(), float(y)) for x, y in zip(xs, ys, strict=True) if not math.isnan(y)]
    return PlottedLine(
        label=str(line.get_label()),
        unit=unit,
        times=tuple(t for t, _ in points),
        values=tuple(v for _, v in points),
    )
