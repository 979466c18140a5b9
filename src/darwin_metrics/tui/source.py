"""Where the dashboard's samples come from: a Sampler over only the families it draws.

The families the dashboard never draws (connections, protocol statistics, Wi-Fi, cgroup, volumes,
power management) are not read at all, which keeps a refresh cheap; with ``--record`` every family
is read, since the history keeps them all. Of the processes, only the fields the table needs for
every row are read (:meth:`SamplerSource.select`); the rows on screen are read whole one by one
(:meth:`SamplerSource.process`, see :mod:`.details`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, runtime_checkable

from darwin_metrics.backend import Backend, default_backend
from darwin_metrics.records import (
    CPU,
    GPU,
    Battery,
    DiskIO,
    Fan,
    Interface,
    Memory,
    Power,
    Process,
    Temperatures,
    Thermal,
)
from darwin_metrics.records.rates import Sample


class DrawnFamilies(Backend):
    """``inner``'s families that a panel draws; every other family is ``NotSupported`` here."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name

    @contextmanager
    def shared_reads(self) -> Iterator[None]:
        with self.inner.shared_reads():
            yield

    def cpu(self) -> CPU:
        return self.inner.cpu()

    def memory(self) -> Memory:
        return self.inner.memory()

    def disks(self) -> tuple[DiskIO, ...]:
        return self.inner.disks()

    def interfaces(self) -> tuple[Interface, ...]:
        return self.inner.interfaces()

    def processes(self, fields: frozenset[str] | None = None) -> tuple[Process, ...]:
        return self.inner.processes(fields)

    def gpus(self) -> tuple[GPU, ...]:
        return self.inner.gpus()

    def temperatures(self) -> Temperatures:
        return self.inner.temperatures()

    def fans(self) -> tuple[Fan, ...]:
        return self.inner.fans()

    def thermal(self) -> Thermal:
        return self.inner.thermal()

    def batteries(self) -> tuple[Battery, ...]:
        return self.inner.batteries()

    def power(self) -> Power:
        return self.inner.power()


@runtime_checkable
class SelectiveSource(Protocol):
    """A sample source that can read only some process fields, and one process whole."""

    def __call__(self) -> Sample:
        """The next sample, with the process fields last :meth:`select`-ed."""
        ...

    def select(self, fields: frozenset[str] | None) -> None:
        """Read only these :class:`Process` fields from the next sample on (``None``: all)."""
        ...

    def process(self, pid: int) -> Process:
        """Process ``pid`` with every field (the errors of ``darwin_metrics.process``)."""
        ...


class SamplerSource:
    """``Sampler.sample`` over a backend, reading the process fields last selected."""

    def __init__(self, backend: Backend, *, processes: bool, every_family: bool) -> None:
        from darwin_metrics.sampler import Sampler

        self.backend = backend
        self.sampler = Sampler(
            backend if every_family else DrawnFamilies(backend), processes=processes
        )
        self._fields: frozenset[str] | None = None

    def select(self, fields: frozenset[str] | None) -> None:
        if fields is not None:
            from darwin_metrics.procfields import field_set

            # create_time tells a process from a later one with its pid (rates, the details).
            fields = frozenset({"create_time", *(field_set(fields) or ())})
        self._fields = fields

    def __call__(self) -> Sample:
        self.sampler.process_fields = self._fields
        return self.sampler.sample()

    def process(self, pid: int) -> Process:
        return self.backend.process(pid)


def sampler_source(*, processes: bool, every_family: bool) -> SamplerSource:
    """Samples of this machine: the drawn families only, unless ``every_family``."""
    return SamplerSource(default_backend(), processes=processes, every_family=every_family)
