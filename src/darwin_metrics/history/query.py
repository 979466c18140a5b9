"""Reading the history back by metric path.

A query path follows the grammar of :mod:`darwin_metrics.metricpath` (``parse`` checks it against
the record types) and is matched against the stored concrete paths the way ``resolve`` matches
items of a sample: ``[*]`` every item, ``[VALUE]`` the item whose identity is VALUE, a selector on
a record applies to its main collection (``cpu[3]`` = ``cpu.cores[3]``), a path ending on a record
stands for its main value (``volumes[/]`` = ``volumes[/].used_percent``), and a reducer folds the
matched series at each time into one. History stores items under their identity only, so
``[KEY=VALUE]`` matches when KEY is an identity field (``name``, ``mount_point``, ``index``…) and
VALUE the stored identity; other keys raise :class:`~darwin_metrics.metricpath.PathError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import msgspec

from darwin_metrics import metricpath
from darwin_metrics.history.store import HistoryStore
from darwin_metrics.history.units import unit_of
from darwin_metrics.metricpath import MetricPath, PathError

__all__ = ["HistoryResult", "Resolution", "Series", "query", "split_concrete"]

Resolution = Literal["auto", "raw", "minute", "hour"]
#: A pattern step: (field name, selector) with the selector as in :class:`metricpath.Step`.
PatternStep = tuple[str, "str | tuple[str, str] | None"]
_IDENTITY_KEYS = frozenset((*metricpath.IDENTITY_FIELDS, "device"))


class Series(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One stored series: its concrete ``path``, ``unit`` and points.

    ``times`` are seconds since the Unix epoch; ``values`` the value then (the mean over the
    minute or hour for rollups, whose ``mins`` and ``maxs`` are the extremes; empty for raw data).
    """

    path: str
    unit: str
    times: tuple[float, ...]
    values: tuple[float, ...]
    mins: tuple[float, ...] = ()
    maxs: tuple[float, ...] = ()


class HistoryResult(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The answer to one query: the ``metric`` asked for, the time range (epoch seconds), the
    ``resolution`` read (``raw``, ``minute`` or ``hour``) and one :class:`Series` per match."""

    metric: str
    since: float
    until: float
    resolution: str
    series: tuple[Series, ...]


def split_concrete(path: str) -> list[tuple[str, str | None]]:
    """Split a stored concrete path into (name, identity or ``None``) steps.

    Inside brackets everything up to ``]`` is the identity (dots and ``[`` included).
    """
    steps: list[tuple[str, str | None]] = []
    name: list[str] = []
    ident: list[str] | None = None
    pending: tuple[str, str | None] | None = None
    for ch in path:
        if ident is not None:
            if ch == "]":
                pending = ("".join(name), "".join(ident))
                ident = None
            else:
                ident.append(ch)
        elif ch == "[":
            ident = []
        elif ch == ".":
            steps.append(pending or ("".join(name), None))
            name, pending = [], None
        else:
            name.append(ch)
    steps.append(pending or ("".join(name), None))
    return steps


def patterns(path: MetricPath) -> list[tuple[PatternStep, ...]]:
    """The stored-path shapes ``path`` can match: main collections and main values spelled out."""
    for step in path.steps:
        if isinstance(step.selector, tuple) and step.selector[0] not in _IDENTITY_KEYS:
            raise PathError(
                f"{path.text!r}: history stores items by identity, so [{step.selector[0]}=...] "
                f"cannot be matched there (use one of: {', '.join(sorted(_IDENTITY_KEYS))})"
            )
    roots = metricpath.root_types()
    found: list[tuple[PatternStep, ...]] = []
    for root in roots.get(path.steps[0].name, []):
        found.extend(_walk_types(metricpath.strip_optional(root), path, 0, ()))
    unique = list(dict.fromkeys(found))
    if not unique:
        raise PathError(f"{path.text!r}: names nothing that history stores")
    return unique


def _walk_types(
    hint: Any, path: MetricPath, index: int, prefix: tuple[PatternStep, ...]
) -> Iterator[tuple[PatternStep, ...]]:
    if index == len(path.steps):
        if metricpath.is_number(hint):
            yield prefix
        else:
            main = metricpath.main_value(hint)
            if main is not None:
                yield (*prefix, (main, None))
        return
    step = path.steps[index]
    if index:
        if not metricpath.is_record(hint):
            return
        sub = metricpath.field_types(metricpath.strip_optional(hint)).get(step.name)
        if sub is None:
            return
        hint = metricpath.strip_optional(sub)
    item = metricpath.item_type(hint)
    if item is not None:
        if step.selector is not None:
            yield from _walk_types(item, path, index + 1, (*prefix, (step.name, step.selector)))
        return
    if step.selector is None:
        yield from _walk_types(hint, path, index + 1, (*prefix, (step.name, None)))
        return
    main = metricpath.MAIN_COLLECTION.get(getattr(hint, "__name__", ""))
    if main is None or not metricpath.is_record(hint):
        return
    inner = metricpath.item_type(metricpath.field_types(hint).get(main))
    if inner is not None:
        steps = (*prefix, (step.name, None), (main, step.selector))
        yield from _walk_types(inner, path, index + 1, steps)


def _step_matches(pattern: PatternStep, stored: tuple[str, str | None]) -> bool:
    name, selector = pattern
    if name != stored[0]:
        return False
    if selector is None:
        return stored[1] is None
    if stored[1] is None:
        return False
    if selector == "*":
        return True
    wanted = selector[1] if isinstance(selector, tuple) else selector
    return stored[1] == wanted


def match(path: MetricPath, stored_paths: list[str]) -> list[str]:
    """The stored concrete paths ``path`` names, in stored order."""
    shapes = patterns(path)
    out = []
    for stored in stored_paths:
        steps = split_concrete(stored)
        for shape in shapes:
            if len(shape) == len(steps) and all(map(_step_matches, shape, steps)):
                out.append(stored)
                break
    return out


def choose_resolution(store: HistoryStore, since: float) -> str:
    """The finest data that reaches back to ``since``: raw samples, else minute rollups, else hour
    rollups. When none reaches that far, the finest for which no coarser one holds a whole period
    from before it began (recording that began ten minutes ago reads raw)."""
    span = store.raw_span()
    starts = [
        ("raw", None if span is None else span[0] / 1000, 0.0),
        ("minute", store.rollup_start("minute"), 60.0),
        ("hour", store.rollup_start("hour"), 3600.0),
    ]
    present = [(name, float(start), step) for name, start, step in starts if start is not None]
    for index, (name, start, _) in enumerate(present):
        if start <= since + 1:
            return name
        if not any(other + step <= start for _, other, step in present[index + 1 :]):
            return name
    return present[-1][0] if present else "raw"


def query(
    store: HistoryStore,
    metric: str | MetricPath,
    since: float,
    until: float,
    resolution: Resolution = "auto",
) -> HistoryResult:
    """The series ``metric`` names between ``since`` and ``until`` (epoch seconds).

    Raises :class:`~darwin_metrics.metricpath.PathError` for a path that is not valid.
    """
    path = metricpath.parse(metric) if isinstance(metric, str) else metric
    stored = store.series()
    names = match(path, list(stored))
    chosen = choose_resolution(store, since) if resolution == "auto" else resolution
    ids = {stored[name]: name for name in names}
    series: list[Series]
    if chosen == "raw":
        series = _raw(store, ids, since, until)
    else:
        series = _rolled(store, chosen, ids, since, until)
    if path.reducer == "count":
        series = _count(path, series, store.times(chosen, since, until))
    elif path.reducer is not None:
        series = _reduce(path, series)
    return HistoryResult(
        metric=path.text, since=since, until=until, resolution=chosen, series=tuple(series)
    )


def _raw(store: HistoryStore, ids: dict[int, str], since: float, until: float) -> list[Series]:
    if not ids:
        return []
    times: dict[int, list[float]] = {i: [] for i in ids}
    values: dict[int, list[float]] = {i: [] for i in ids}
    for t, state in store.expand(int(since * 1000), int(until * 1000), ids):
        seconds = t / 1000
        for series_id, value in state.items():
            if series_id in times:
                times[series_id].append(seconds)
                values[series_id].append(value)
    return [
        Series(path=p, unit=unit_of(p), times=tuple(times[i]), values=tuple(values[i]))
        for i, p in ids.items()
        if times[i]
    ]


def _rolled(
    store: HistoryStore, resolution: str, ids: dict[int, str], since: float, until: float
) -> list[Series]:
    step = 60 if resolution == "minute" else 3600
    cols: dict[int, tuple[list[float], list[float], list[float], list[float]]] = {
        i: ([], [], [], []) for i in ids
    }
    if ids:
        for t, stats in store.rollups(resolution, int(since) // step * step, int(until), ids):
            for series_id, (mean, low, high, _) in stats.items():
                col = cols[series_id]
                col[0].append(float(t))
                col[1].append(mean)
                col[2].append(low)
                col[3].append(high)
    return [
        Series(
            path=p,
            unit=unit_of(p),
            times=tuple(cols[i][0]),
            values=tuple(cols[i][1]),
            mins=tuple(cols[i][2]),
            maxs=tuple(cols[i][3]),
        )
        for i, p in ids.items()
        if cols[i][0]
    ]


def _count(path: MetricPath, series: list[Series], times: list[float]) -> list[Series]:
    """How many matched series had a value at each time (0 where none had, as ``resolve``)."""
    at = dict.fromkeys(times, 0)
    for one in series:
        for t in one.times:
            at[t] = at.get(t, 0) + 1
    if not at:
        return []
    ordered = sorted(at)
    return [
        Series(
            path=path.text,
            unit="",
            times=tuple(ordered),
            values=tuple(float(at[t]) for t in ordered),
        )
    ]


def _reduce(path: MetricPath, series: list[Series]) -> list[Series]:
    """Fold the series at each time with the path's reducer (one series named by the path)."""
    assert path.reducer is not None
    fold = metricpath.REDUCERS[path.reducer]
    at: dict[float, list[float]] = {}
    for one in series:
        for t, v in zip(one.times, one.values, strict=False):
            at.setdefault(t, []).append(v)
    times = sorted(at)
    values = tuple(float(fold(at[t])) for t in times)
    if not times:
        return []
    unit = series[0].unit
    return [
        Series(
            path=path.text,
            unit=unit,
            times=tuple(times),
            values=values,
        )
    ]
