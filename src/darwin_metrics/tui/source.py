"""Where the dashboard's samples come from: a Sampler over only the families it draws.

The families the dashboard never draws (connections, protocol statistics, Wi-Fi, cgroup, volumes,
power management) are not read at all, which keeps a refresh cheap; with ``--record`` every family
is read, since the history keeps them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

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


def sampler_source(*, processes: bool, every_family: bool) -> Callable[[], Sample]:
    """``Sampler.sample`` of this machine: the drawn families only, unless ``every_family``."""
    from darwin_metrics.sampler import Sampler

    backend = default_backend()
    chosen = backend if every_family else DrawnFamilies(backend)
    return Sampler(chosen, processes=processes).sample
