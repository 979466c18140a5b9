"""Collect every family into one :class:`Snapshot`, and report capabilities.

Each row of :data:`FAMILIES` names a Snapshot field and the backend call that fills it. A family
that is unsupported, denied or fails to parse becomes ``None`` (logged at debug level), so one broken
source never spoils the whole snapshot.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Collection
from typing import Any

import msgspec

from darwin_metrics.backend import Backend
from darwin_metrics.errors import DarwinMetricsError, NotSupported
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.snapshot import Capabilities, FamilyCapability, Snapshot

log = get_logger(__name__)

#: (Snapshot field, how to read it from a backend). Order is the order of the JSON output.
FAMILIES: tuple[tuple[str, Callable[[Backend], Any]], ...] = (
    ("cpu", lambda b: b.cpu()),
    ("memory", lambda b: b.memory()),
    ("disks", lambda b: b.disks()),
    ("volumes", lambda b: b.volumes()),
    ("interfaces", lambda b: b.interfaces()),
    ("processes", lambda b: b.processes()),
    ("connection_counts", lambda b: b.connection_counts(pids=False)),
    ("network_stats", lambda b: b.network_stats()),
    ("socket_stats", lambda b: b.socket_stats()),
    ("wifi", lambda b: b.wifi()),
    ("cgroup", lambda b: b.cgroup()),
    ("gpus", lambda b: b.gpus()),
    ("temperatures", lambda b: b.temperatures()),
    ("fans", lambda b: b.fans()),
    ("thermal", lambda b: b.thermal()),
    ("batteries", lambda b: b.batteries()),
    ("power", lambda b: b.power()),
    ("power_management", lambda b: b.power_management()),
)


def _collect(name: str, read: Callable[[Backend], Any], backend: Backend) -> tuple[Any, str | None]:
    try:
        return read(backend), None
    except NotSupported as exc:
        return None, str(exc)
    except (DarwinMetricsError, OSError) as exc:
        log.debug("family %s failed: %s", name, exc)
        return None, f"{type(exc).__name__}: {exc}"


def take_snapshot(
    backend: Backend,
    *,
    include_processes: bool = True,
    read_times: dict[str, float] | None = None,
    families: Collection[str] | None = None,
    process_fields: frozenset[str] | None = None,
) -> Snapshot:
    """Read every family from ``backend``; ``processes`` is skipped when not asked for.

    ``read_times``, when given, receives the monotonic time at which each family's read began
    (the Sampler divides each family's counter deltas by its own interval). ``families``, when
    given, limits the read to those names (the others are ``None``). ``process_fields`` (checked
    names, see :mod:`darwin_metrics.procfields`) is passed to ``backend.processes``.
    """
    names = [n for n, _ in FAMILIES if families is None or n in families]
    if not include_processes and "processes" in names:
        names.remove("processes")
    values = read_families(backend, names, read_times, process_fields)
    return Snapshot(timestamp=time.time(), platform=sys.platform, **values)


def read_families(
    backend: Backend,
    names: Collection[str],
    read_times: dict[str, float] | None = None,
    process_fields: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Read the named families (in :data:`FAMILIES` order): name → value, ``None`` for a family
    that failed. ``read_times`` and ``process_fields`` as in :func:`take_snapshot`."""
    values: dict[str, Any] = {}
    with backend.shared_reads():
        for name, read in FAMILIES:
            if name not in names:
                continue
            if name == "processes" and process_fields is not None:
                read = _processes_with(process_fields)
            if read_times is not None:
                read_times[name] = time.monotonic()
            values[name], _ = _collect(name, read, backend)
    return values


def _processes_with(fields: frozenset[str]) -> Callable[[Backend], Any]:
    return lambda backend: backend.processes(fields)


def capabilities(backend: Backend) -> Capabilities:
    """Read each family once and list the fields that carry a value on this machine."""
    families = []
    with backend.shared_reads():
        for name, read in FAMILIES:
            value, reason = _collect(name, read, backend)
            if value is None:
                families.append(FamilyCapability(name=name, supported=False, reason=reason))
            else:
                fields = tuple(sorted(_present_fields(value, "")))
                families.append(FamilyCapability(name=name, supported=True, fields=fields))
    return Capabilities(platform=sys.platform, backend=backend.name, families=tuple(families))


def _present_fields(value: Any, prefix: str) -> set[str]:
    """Dotted paths of the non-``None`` leaves of a record (``[]`` marks a sequence)."""
    if isinstance(value, tuple):
        found: set[str] = set()
        for item in value:
            found |= _present_fields(item, prefix + "[]")
        return found
    if isinstance(value, msgspec.Struct):
        found = set()
        for name in value.__struct_fields__:
            sub = getattr(value, name)
            if sub is None:
                continue
            path = f"{prefix}.{name}" if prefix else name
            found |= _present_fields(sub, path) or {path}
        return found
    return {prefix} if prefix else set()
