"""Record types: msgspec Structs (what the records are) against dataclasses and the alternatives.

Every kind below is typed, immutable and slotted (or a tuple). For each, with the field names
and defaults of every record class in ``darwin_metrics.records``:

- class creation: define all of them again (what importing the record modules pays);
- instance build: build 10,000 ``Process``-shaped records with keyword arguments;
- JSON: encode 10,000 of them as a JSON array of objects.

Kinds: ``msgspec.Struct(frozen=True, kw_only=True, gc=False)`` (the records), and
``@dataclass(frozen=True, slots=True, kw_only=True)`` (what they were); ``typing.NamedTuple``;
and a hand-written ``__slots__`` class with an ``__init__`` and a ``__setattr__`` that refuses
writes (the floor a class can reach without a library). JSON for a dataclass uses msgspec's
encoder (which accepts dataclasses) and, for comparison, ``json.dumps`` of ``asdict``; a
NamedTuple goes through ``_asdict``; the slots class through a dict of its slots.

    python benchmarks/bench_records.py [--runs 9]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import pkgutil
import statistics
import time
import typing
from collections.abc import Callable
from typing import Any

import msgspec
from _support import table

import darwin_metrics.records as records_package

COUNT = 10_000

#: (class name, field names, names of the fields that have a default) for every record class.
Spec = tuple[str, tuple[str, ...], frozenset[str]]


def record_specs() -> list[Spec]:
    """Every msgspec Struct defined in a ``darwin_metrics.records`` module."""
    specs: list[Spec] = []
    for info in pkgutil.iter_modules(records_package.__path__):
        module = importlib.import_module(f"darwin_metrics.records.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, msgspec.Struct)
                and value.__module__ == module.__name__
            ):
                fields = msgspec.structs.fields(value)
                names = tuple(f.name for f in fields)
                defaults = frozenset(f.name for f in fields if not f.required)
                specs.append((value.__name__, names, defaults))
    return specs


def _annotations(spec: Spec) -> dict[str, Any]:
    return dict.fromkeys(spec[1], "int | None")


def make_struct(spec: Spec) -> type:
    namespace: dict[str, Any] = {"__annotations__": _annotations(spec), "__module__": __name__}
    namespace.update(dict.fromkeys(spec[2]))
    return type(spec[0], (msgspec.Struct,), namespace, frozen=True, kw_only=True, gc=False)


def make_dataclass(spec: Spec) -> type:
    namespace: dict[str, Any] = {"__annotations__": _annotations(spec), "__module__": __name__}
    namespace.update(dict.fromkeys(spec[2]))
    cls = type(spec[0], (), namespace)
    return dataclasses.dataclass(frozen=True, slots=True, kw_only=True)(cls)


def make_namedtuple(spec: Spec) -> type:
    # A NamedTuple's fields with defaults must come last; the order does not matter here.
    required = [n for n in spec[1] if n not in spec[2]]
    optional = [n for n in spec[1] if n in spec[2]]
    cls = typing.NamedTuple(spec[0], [(n, int | None) for n in required + optional])  # type: ignore[misc]
    cls.__new__.__defaults__ = (None,) * len(optional)
    return cls


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable")


def make_slots(spec: Spec) -> type:
    names = spec[1]
    params = ", ".join(n if n not in spec[2] else f"{n}=None" for n in names)
    body = "\n".join(f"    object.__setattr__(self, {n!r}, {n})" for n in names) or "    pass"
    scope: dict[str, Any] = {}
    exec(f"def __init__(self, *, {params}):\n{body}", scope)
    namespace = {
        "__slots__": names,
        "__init__": scope["__init__"],
        "__setattr__": _frozen_setattr,
        "__module__": __name__,
    }
    return type(spec[0], (), namespace)


KINDS: dict[str, Callable[[Spec], type]] = {
    "msgspec.Struct": make_struct,
    "dataclass": make_dataclass,
    "NamedTuple": make_namedtuple,
    "__slots__ class": make_slots,
}


def _seconds(call: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each (at least 5)")
    args = parser.parse_args(argv)
    runs = max(args.runs, 5)
    specs = record_specs()
    process = next(s for s in specs if s[0] == "Process")
    values = dict.fromkeys(process[1], 12345)

    rows = []
    for kind, make in KINDS.items():
        create = _seconds(lambda make=make: [make(s) for s in specs], runs)
        cls = make(process)
        build = _seconds(lambda cls=cls: [cls(**values) for _ in range(COUNT)], runs)
        items = [cls(**values) for _ in range(COUNT)]
        if kind == "msgspec.Struct" or kind == "dataclass":
            encode = _seconds(lambda items=items: msgspec.json.encode(items), runs)
        elif kind == "NamedTuple":
            encode = _seconds(
                lambda items=items: msgspec.json.encode([i._asdict() for i in items]), runs
            )
        else:
            encode = _seconds(
                lambda items=items, names=process[1]: msgspec.json.encode(
                    [{n: getattr(i, n) for n in names} for i in items]
                ),
                runs,
            )
        rows.append([kind, f"{create * 1e3:.2f}", f"{build * 1e3:.2f}", f"{encode * 1e3:.2f}"])
    dc = make_dataclass(process)
    dc_items = [dc(**values) for _ in range(COUNT)]
    stdlib = _seconds(lambda: json.dumps([dataclasses.asdict(i) for i in dc_items]), runs)
    rows.append(["dataclass, json.dumps(asdict)", "", "", f"{stdlib * 1e3:.2f}"])

    fields = sum(len(s[1]) for s in specs)
    print(f"{len(specs)} record classes ({fields} fields); Process has {len(process[1])} fields;")
    print(f"medians of {runs} runs, milliseconds")
    print(
        table(
            ["kind", f"create {len(specs)} classes", f"build {COUNT:,}", f"JSON {COUNT:,}"],
            rows,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
