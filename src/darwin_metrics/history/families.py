"""A backend that reads only chosen families, so recording a few families costs only their reads.

The Sampler reads every family of its backend; wrapped in :class:`OnlyFamilies`, a family that
was not asked for answers ``NotSupported`` at once (it is ``None`` in the snapshot) instead of
being read and thrown away. Rates families follow their snapshot family (``cpu`` rates need the
``cpu`` reading).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from darwin_metrics.backend import Backend
from darwin_metrics.collect import FAMILIES
from darwin_metrics.errors import NotSupported

__all__ = ["OnlyFamilies", "backend_for"]

#: Snapshot families read by :func:`darwin_metrics.collect.take_snapshot`.
SNAPSHOT_FAMILIES = frozenset(name for name, _ in FAMILIES)
#: Rates families and the snapshot families they are computed from.
RATE_SOURCES = {
    "estimated_process_power": ("cpu", "processes", "power"),
    "interface_loss": ("interfaces",),
}


class OnlyFamilies:
    """Delegates to ``backend``; the family methods not in ``families`` raise NotSupported."""

    def __init__(self, backend: Backend, families: Iterable[str]) -> None:
        self._backend = backend
        self._skipped = SNAPSHOT_FAMILIES - set(families)

    def __getattr__(self, name: str) -> Any:
        if name in self._skipped:
            return _not_recorded(name)
        return getattr(self._backend, name)


def _not_recorded(name: str) -> Any:
    def skip(*args: Any, **kwargs: Any) -> Any:
        raise NotSupported(f"{name} is not being recorded")

    return skip


def backend_for(families: Iterable[str] | None, backend: Backend) -> Backend:
    """``backend`` itself for every family (``None``), else one that reads only what
    ``families`` (snapshot or rates names) need."""
    if families is None:
        return backend
    needed: set[str] = set()
    for name in families:
        needed.update(RATE_SOURCES.get(name, (name,)))
    return cast(Backend, OnlyFamilies(backend, needed))
