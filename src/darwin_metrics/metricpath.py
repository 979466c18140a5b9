"""Metric paths: one grammar to name a number in a :class:`~darwin_metrics.Sample`.

The Monitor's thresholds, the recorder's history and the plots name values the same way::

    cpu.percent                              busy percent of all CPUs (a rate)
    cpu.cores[3].percent                     one logical CPU
    memory.available                         bytes
    memory.pressure.memory.some_avg10_percent
    volumes[/].used_percent                  a volume by mount point
    interfaces[eth0].rx_bytes_per_second     a rate, merged with the snapshot's interface
    interfaces[eth0].counters.rx_bytes       the counter itself
    temperatures[kind=cpu].max               the hottest CPU sensor (°C)
    volumes[*].used_percent                  every volume, each its own series
    processes[name=postgres].cpu_percent.sum

Grammar::

    path     := step ("." step)*
    step     := NAME [ "[" selector "]" ]
    selector := "*" | KEY "=" VALUE | VALUE

A path starts at a family: a field of :class:`~darwin_metrics.records.Snapshot` or of
:class:`~darwin_metrics.records.Rates`. Where both have the family (``cpu``, ``disks``,
``interfaces``, ``processes``, ``network_stats``) they are merged: a field is looked up in the
rates first, then in the snapshot, and items of a collection are matched by their identity (name,
mount point, pid, index). A selector picks items of a collection: ``[VALUE]`` matches an item
whose identity (``name``, ``mount_point``, ``id``, ``label``, ``index``, ``pid``, ``device``)
equals VALUE, ``[KEY=VALUE]`` one whose field KEY equals VALUE, ``[*]`` every item. A selector on
a record that is not a collection applies to its main collection (``temperatures`` → its
``sensors``, ``cpu`` → ``cores``, ``power`` → ``rails``, ``connection_counts`` → ``counts``).

A path may end on a record when the record has a main value (a sensor's ``celsius``, a fan's
``rpm``, a volume's ``used_percent``, a rail's ``watts``…), and may end with a reducer (``max``,
``min``, ``mean``, ``sum``, ``count``) that folds every matched value into one. Booleans count as
0 and 1. Values are in the records' units.

:func:`parse` checks a path against the record types and raises :class:`PathError` with the reason;
:func:`resolve` gives every concrete value a path names in a sample; :func:`flatten` lists every
numeric value of the chosen families under concrete paths.
"""

from __future__ import annotations

import functools
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Union

import msgspec

from darwin_metrics.errors import DarwinMetricsError

__all__ = [
    "REDUCERS",
    "MetricPath",
    "PathError",
    "field_types",
    "flatten",
    "is_number",
    "is_record",
    "item_type",
    "main_value",
    "parse",
    "resolve",
    "root_types",
    "strip_optional",
]

#: Reducers a path may end with, folding every matched value into one.
REDUCERS: dict[str, Any] = {
    "max": max,
    "min": min,
    "sum": math.fsum,
    "mean": lambda values: math.fsum(values) / len(values),
    "count": len,
}

#: Fields that identify an item of a collection, tried in order for ``[VALUE]`` selectors and used
#: to name items in concrete paths.
IDENTITY_FIELDS = ("id", "mount_point", "pid", "tid", "name", "interface", "index", "label")

#: The collection a selector on a non-collection record applies to.
MAIN_COLLECTION = {
    "Temperatures": "sensors",
    "CPU": "cores",
    "CPURates": "cores",
    "Power": "rails",
    "ConnectionCounts": "counts",
    "PowerSources": "batteries",
}

#: The value a path ending on a record stands for.
MAIN_VALUE = {
    "TemperatureSensor": "celsius",
    "ThermalZone": "celsius",
    "Fan": "rpm",
    "Volume": "used_percent",
    "PowerRail": "watts",
    "Battery": "charge_percent",
    "GPU": "utilization_percent",
    "CoreRates": "percent",
    "CPURates": "percent",
    "ConnectionCount": "count",
    "InterfaceRates": "rx_bytes_per_second",
    "DiskRates": "busy_percent",
    "ProcessRates": "cpu_percent",
    "LoadAverage": "one",
}

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?")


class PathError(DarwinMetricsError, ValueError):
    """A metric path that does not follow the grammar or names no field of the records."""


@dataclass(frozen=True)
class Step:
    """One step of a path: a field name and an optional selector (``None``, ``*``, ``(k, v)``)."""

    name: str
    selector: str | tuple[str, str] | None = None

    def __str__(self) -> str:
        if self.selector is None:
            return self.name
        if isinstance(self.selector, tuple):
            return f"{self.name}[{self.selector[0]}={self.selector[1]}]"
        return f"{self.name}[{self.selector}]"


@dataclass(frozen=True)
class MetricPath:
    """A parsed, checked path: its steps and its reducer (``None`` for none)."""

    text: str
    steps: tuple[Step, ...]
    reducer: str | None = None

    def resolve(self, sample: Any) -> dict[str, float]:
        """Every value the path names in ``sample``: see :func:`resolve`."""
        return resolve(self, sample)

    def value(self, sample: Any) -> float | None:
        """The one value the path names, or ``None`` when it names none or several."""
        found = resolve(self, sample)
        return next(iter(found.values())) if len(found) == 1 else None

    def __str__(self) -> str:
        return self.text


def _split(text: str) -> list[str]:
    """Split on dots outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise PathError(f"{text!r}: ']' without '['")
        elif ch == "." and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise PathError(f"{text!r}: '[' without ']'")
    parts.append(text[start:])
    return parts


def _parse_step(text: str, part: str) -> Step:
    match = _STEP.fullmatch(part)
    if match is None:
        raise PathError(f"{text!r}: {part!r} is not NAME or NAME[selector]")
    name, selector = match.group(1), match.group(2)
    if selector is None:
        return Step(name)
    selector = selector.strip()
    if not selector:
        raise PathError(f"{text!r}: empty selector in {part!r}")
    if selector != "*" and "=" in selector:
        key, _, value = selector.partition("=")
        if not key.strip().isidentifier():
            raise PathError(f"{text!r}: selector key {key!r} is not a field name")
        return Step(name, (key.strip(), value.strip()))
    return Step(name, selector)


def parse(text: str) -> MetricPath:
    """Parse and check ``text`` against the record types; raise :class:`PathError` if wrong."""
    if not isinstance(text, str):
        raise TypeError(f"a metric path is a str, not {type(text).__name__}")
    text = text.strip()
    if not text:
        raise PathError("empty metric path")
    parts = _split(text)
    steps = tuple(_parse_step(text, p) for p in parts)
    path = MetricPath(text, steps)
    if len(steps) > 1 and steps[-1].selector is None and steps[-1].name in REDUCERS:
        # A field of that name (ConnectionCount.count, CGroupMemory.max) wins over the reducer.
        try:
            _check(path)
        except PathError:
            path = MetricPath(text, steps[:-1], steps[-1].name)
        else:
            return path
    _check(path)
    return path


# --- static checks against the record types -------------------------------------------------


def root_types() -> dict[str, list[type]]:
    """Each family a path can start at, with the record types that hold it (rates, snapshot)."""
    from darwin_metrics.records.rates import Rates
    from darwin_metrics.records.snapshot import Snapshot

    roots: dict[str, list[type]] = {}
    for cls in (Rates, Snapshot):
        for name, hint in field_types(cls).items():
            if name in ("timestamp", "platform", "elapsed"):
                continue
            roots.setdefault(name, []).append(hint)
    return roots


@functools.cache
def field_types(cls: type) -> dict[str, Any]:
    """Field and property types of a record class."""
    import sys

    module = sys.modules[cls.__module__]
    hints = dict(typing.get_type_hints(cls, vars(module)))
    for name in dir(cls):
        attr = getattr(cls, name, None)
        if isinstance(attr, property) and attr.fget is not None and not name.startswith("_"):
            returned = typing.get_type_hints(attr.fget, vars(module)).get("return")
            if returned is not None:
                hints[name] = returned
    return hints


def strip_optional(hint: Any) -> Any:
    """``X`` for ``X | None``; any other type hint unchanged."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return strip_optional(args[0])
    return hint


def item_type(hint: Any) -> Any | None:
    """The element type of ``tuple[X, ...]``, else ``None``."""
    hint = strip_optional(hint)
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return strip_optional(args[0])
    return None


def is_number(hint: Any) -> bool:
    """Whether a field of this type is a number a path can end on (int, float, bool)."""
    hint = strip_optional(hint)
    return hint in (int, float, bool)


def is_record(hint: Any) -> bool:
    """Whether a field of this type is a record (a msgspec Struct)."""
    hint = strip_optional(hint)
    return isinstance(hint, type) and issubclass(hint, msgspec.Struct)


def _check(path: MetricPath) -> None:
    roots = root_types()
    first = path.steps[0]
    if first.name not in roots:
        raise PathError(
            f"{path.text!r}: {first.name!r} is not a family (one of: {', '.join(sorted(roots))})"
        )
    current: list[Any] = [strip_optional(h) for h in roots[first.name]]
    for index, step in enumerate(path.steps):
        if index:
            found = []
            for hint in current:
                if is_record(hint):
                    sub = field_types(strip_optional(hint)).get(step.name)
                    if sub is not None:
                        found.append(strip_optional(sub))
            if not found:
                names = sorted({n for h in current if is_record(h) for n in field_types(h)})
                raise PathError(
                    f"{path.text!r}: no field {step.name!r} here (fields: {', '.join(names)})"
                )
            current = found
        items = [item_type(h) for h in current]
        if any(i is not None for i in items):
            if step.selector is None:
                raise PathError(
                    f"{path.text!r}: {step.name!r} is a collection: "
                    f"select items with {step.name}[NAME], [KEY=VALUE] or [*]"
                )
            current = [i for i in items if i is not None]
            _check_selector(path, step, current)
        elif step.selector is not None:
            mains = [MAIN_COLLECTION.get(getattr(h, "__name__", "")) for h in current]
            main = next((m for m in mains if m), None)
            if main is None:
                raise PathError(f"{path.text!r}: {step.name!r} is not a collection")
            current = [
                i
                for h in current
                if is_record(h) and main in field_types(h)
                for i in [item_type(field_types(h)[main])]
                if i is not None
            ]
            _check_selector(path, step, current)
    leaf = [h for h in current if is_number(h) or main_value(h) is not None]
    if not leaf:
        raise PathError(f"{path.text!r}: ends on {_describe(current)}, not on a number")


def _check_selector(path: MetricPath, step: Step, items: list[Any]) -> None:
    if isinstance(step.selector, tuple):
        key = step.selector[0]
        if not any(is_record(i) and key in field_types(i) for i in items):
            raise PathError(f"{path.text!r}: items of {step.name!r} have no field {key!r}")


def main_value(hint: Any) -> str | None:
    """The field a path ending on a record of this type stands for (:data:`MAIN_VALUE`)."""
    return MAIN_VALUE.get(getattr(strip_optional(hint), "__name__", ""))


def _describe(hints: list[Any]) -> str:
    return " or ".join(getattr(h, "__name__", str(h)) for h in hints)


# --- resolution against a sample -------------------------------------------------------------


#: Records whose identity is not their first identity field.
_IDENTITY_OVERRIDES: dict[str, Callable[[Any], str]] = {
    "GPU": lambda gpu: str(gpu.index),
    "ConnectionCount": lambda c: f"{c.protocol}:{c.family}:{c.state}",
}


def _identity(item: Any) -> str | None:
    override = _IDENTITY_OVERRIDES.get(type(item).__name__)
    if override is not None:
        return str(override(item))
    for name in IDENTITY_FIELDS:
        value = getattr(item, name, None)
        if value is not None and not isinstance(value, (tuple, msgspec.Struct)):
            return str(value)
    return None


def _matches(item: Any, selector: str | tuple[str, str]) -> bool:
    if selector == "*":
        return True
    if isinstance(selector, tuple):
        key, wanted = selector
        value = getattr(item, key, None)
        return value is not None and _text(value) == wanted
    if _identity(item) == selector:
        return True
    for name in (*IDENTITY_FIELDS, "device"):
        value = getattr(item, name, None)
        if value is not None and _text(value) == selector:
            return True
    return False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _attr(objects: list[Any], name: str) -> list[Any]:
    """The field ``name`` of each merged object that has it (not ``None``), rates first."""
    return [v for v in (getattr(obj, name, None) for obj in objects) if v is not None]


def _select(
    collections: list[Any], selector: str | tuple[str, str]
) -> Iterator[tuple[str, list[Any]]]:
    """Items of merged collections grouped by identity, the groups with an item that matches."""
    groups: dict[str, list[Any]] = {}
    for collection in collections:
        for position, item in enumerate(collection):
            ident = _identity(item)
            groups.setdefault(ident if ident is not None else str(position), []).append(item)
    for ident, group in groups.items():
        if any(_matches(item, selector) for item in group):
            yield ident, group


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, msgspec.Struct):
        main = MAIN_VALUE.get(type(value).__name__)
        if main is not None:
            return _number(getattr(value, main, None))
    return None


def _roots(sample: Any) -> dict[str, list[Any]]:
    roots: dict[str, list[Any]] = {}
    sources = [getattr(sample, "rates", None), getattr(sample, "snapshot", sample)]
    for source in sources:
        if source is None:
            continue
        for name in source.__struct_fields__:
            value = getattr(source, name)
            if value is not None and name not in ("timestamp", "platform", "elapsed"):
                roots.setdefault(name, []).append(value)
    return roots


def _walk(
    objects: list[Any], steps: tuple[Step, ...], prefix: str
) -> Iterator[tuple[str, list[Any]]]:
    if not steps:
        yield prefix, objects
        return
    step, rest = steps[0], steps[1:]
    here = f"{prefix}.{step.name}" if prefix else step.name
    values = _attr(objects, step.name) if prefix else objects
    if not values:
        return
    if step.selector is None:
        yield from _walk(values, rest, here)
        return
    collections = [v for v in values if isinstance(v, tuple)]
    if not collections:
        main = None
        for value in values:
            main = MAIN_COLLECTION.get(type(value).__name__)
            if main:
                break
        if main is None:
            return
        collections = [c for c in (getattr(v, main, None) for v in values) if isinstance(c, tuple)]
    for ident, group in _select(collections, step.selector):
        yield from _walk(group, rest, f"{here}[{ident}]")


def resolve(path: MetricPath | str, sample: Any) -> dict[str, float]:
    """Every value ``path`` names in ``sample`` (a Sample, or a Snapshot), by concrete path.

    A concrete path has each selector replaced by the matched item's identity
    (``volumes[*].used_percent`` → ``volumes[/].used_percent``, ``volumes[/home].used_percent``).
    With a reducer the result is one entry under the path's own text. Values that are ``None`` in
    the records are left out, so an empty result means "no value now".
    """
    if isinstance(path, str):
        path = parse(path)
    found: dict[str, float] = {}
    roots = _roots(sample)
    objects = roots.get(path.steps[0].name)
    if objects:
        for concrete, leaf in _walk(objects, path.steps, ""):
            for obj in leaf[:1]:
                number = _number(obj)
                if number is not None:
                    found[concrete] = number
    if path.reducer is not None:
        if not found and path.reducer != "count":
            return {}
        return {path.text: float(REDUCERS[path.reducer](list(found.values())))}
    return found


def flatten(sample: Any, families: Iterable[str] | None = None) -> dict[str, float]:
    """Every finite numeric value of ``families`` (default: all but processes) by concrete path.

    Items of collections are named by identity; items without one, and identities holding ``]``,
    are left out (they could not be named back). Booleans are 0/1.
    """
    wanted = set(families) if families is not None else None
    out: dict[str, float] = {}
    for name, objects in _roots(sample).items():
        if (wanted is None and name == "processes") or (wanted is not None and name not in wanted):
            continue
        for obj in objects:
            _flatten_into(out, name, obj)
    return out


def _flatten_into(out: dict[str, float], prefix: str, value: Any) -> None:
    if isinstance(value, msgspec.Struct):
        for field in value.__struct_fields__:
            sub = getattr(value, field)
            if sub is not None:
                _flatten_into(out, f"{prefix}.{field}", sub)
        return
    if isinstance(value, tuple):
        for item in value:
            if isinstance(item, msgspec.Struct):
                ident = _identity(item)
                if ident is not None and "]" not in ident:
                    _flatten_into(out, f"{prefix}[{ident}]", item)
        return
    number = _number(value)
    if number is not None and prefix not in out:
        out[prefix] = number
