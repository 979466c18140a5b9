"""The field names of ``processes(fields=...)``: which :class:`Process` fields a call fills.

``processes()`` reads every field of every process. A caller that shows only some of them (a
dashboard showing CPU and memory) names those fields, and the backend reads only the sources
they need (on Linux, ``/proc/PID/io`` only for ``io``, ``cmdline`` only for ``cmdline``, and so
on). :data:`ALWAYS_FILLED` is filled whatever is asked; every other field not named is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable

from darwin_metrics.records.process import Process

#: Every name ``processes(fields=...)`` accepts: the fields of :class:`Process`.
PROCESS_FIELDS: frozenset[str] = frozenset(Process.__struct_fields__)
#: Filled in every record whatever is asked (the record's identity and state).
ALWAYS_FILLED: frozenset[str] = frozenset({"pid", "ppid", "name", "status"})


def field_set(fields: object) -> frozenset[str] | None:
    """``fields`` checked and made a frozenset; ``None`` stays ``None`` (every field).

    ``TypeError`` for a ``str`` or ``bytes`` (one name is not a collection of names), for
    something that is not iterable and for a name that is not a ``str``; ``ValueError`` for a
    name that is not a :class:`Process` field, listing the valid ones.
    """
    if fields is None:
        return None
    if isinstance(fields, (str, bytes)) or not isinstance(fields, Iterable):
        raise TypeError(
            f"fields must be an iterable of field names, not {type(fields).__name__}: {fields!r}"
        )
    names = tuple(fields)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"field names must be str, not {type(name).__name__}: {name!r}")
    unknown = sorted(set(names) - PROCESS_FIELDS)
    if unknown:
        raise ValueError(
            f"unknown Process field(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(PROCESS_FIELDS))}"
        )
    return frozenset(names)


def blank_fields(fields: frozenset[str]) -> dict[str, None]:
    """The fields a call asking for ``fields`` leaves ``None``, as keyword arguments."""
    return dict.fromkeys(PROCESS_FIELDS - fields - ALWAYS_FILLED)


def only_fields(processes: Iterable[Process], fields: frozenset[str] | None) -> tuple[Process, ...]:
    """``processes`` with every field outside ``fields`` (and :data:`ALWAYS_FILLED`) set to
    ``None``; for backends that read whole records anyway. ``None`` keeps them whole."""
    if fields is None:
        return tuple(processes)
    blank = blank_fields(fields)
    if not blank:
        return tuple(processes)
    from msgspec.structs import replace

    return tuple(replace(p, **blank) for p in processes)
