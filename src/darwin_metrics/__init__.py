"""darwin-metrics: native, typed system metrics for macOS and Linux.

Every function returns immutable records in SI units (bytes, seconds, hertz, degrees Celsius,
watts); a value this machine cannot give is ``None``. Record types live in
:mod:`darwin_metrics.records` and are re-exported here.

>>> import darwin_metrics as dm
>>> dm.memory().total          # bytes
>>> dm.Sampler().sample()      # readings plus rates since the previous sample
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from darwin_metrics.errors import (
    AccessDenied,
    DarwinMetricsError,
    NoSuchProcess,
    NotSupported,
    ParseError,
)

if TYPE_CHECKING:
    from darwin_metrics.records import (
        CPU,
        Capabilities,
        DiskIO,
        Interface,
        Memory,
        Process,
        ProcessNode,
        Snapshot,
        Thread,
        Volume,
    )
    from darwin_metrics.sampler import Sample, Sampler

__version__ = "0.1.0"


def _backend() -> Any:
    from darwin_metrics.backend import default_backend

    return default_backend()


def cpu() -> CPU:
    """Processors: identity, counts, per-core and total times (s), frequencies (Hz), load."""
    result: CPU = _backend().cpu()
    return result


def memory() -> Memory:
    """Physical memory and swap in bytes, with pressure."""
    result: Memory = _backend().memory()
    return result


def disks() -> tuple[DiskIO, ...]:
    """I/O counters of every block device (bytes, operations, seconds)."""
    result: tuple[DiskIO, ...] = _backend().disks()
    return result


def volumes(all: bool = False) -> tuple[Volume, ...]:
    """Mounted file systems with capacity in bytes; ``all=True`` includes pseudo file systems."""
    result: tuple[Volume, ...] = _backend().volumes(all=all)
    return result


def interfaces() -> tuple[Interface, ...]:
    """Network interfaces: state, kind, addresses and counters."""
    result: tuple[Interface, ...] = _backend().interfaces()
    return result


def processes() -> tuple[Process, ...]:
    """Every process this caller can see; vanished processes are skipped."""
    result: tuple[Process, ...] = _backend().processes()
    return result


def process(pid: int) -> Process:
    """One process; raises :class:`NoSuchProcess` if it does not exist."""
    result: Process = _backend().process(pid)
    return result


def process_tree() -> tuple[ProcessNode, ...]:
    """All processes as parent → children trees; returns the roots."""
    result: tuple[ProcessNode, ...] = _backend().process_tree()
    return result


def threads(pid: int) -> tuple[Thread, ...]:
    """The threads of process ``pid`` with their CPU times (s)."""
    result: tuple[Thread, ...] = _backend().threads(pid)
    return result


def snapshot(*, processes: bool = True) -> Snapshot:
    """Every family at once; a family this machine cannot give is ``None``."""
    from darwin_metrics.snapshot import take_snapshot

    return take_snapshot(_backend(), include_processes=processes)


def capabilities() -> Capabilities:
    """Which families and fields this machine gives."""
    from darwin_metrics.snapshot import capabilities as _capabilities

    return _capabilities(_backend())


_LAZY = {
    "Sampler": "darwin_metrics.sampler",
    "Sample": "darwin_metrics.sampler",
    "records": "darwin_metrics.records",
}


def __getattr__(name: str) -> Any:
    """Import record types and the Sampler on first use, keeping ``import darwin_metrics`` fast."""
    import importlib

    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        return module if name == "records" else getattr(module, name)
    records = importlib.import_module("darwin_metrics.records")
    if name in records.__all__:
        return getattr(records, name)
    raise AttributeError(f"module 'darwin_metrics' has no attribute {name!r}")


__all__ = [
    "AccessDenied",
    "DarwinMetricsError",
    "NoSuchProcess",
    "NotSupported",
    "ParseError",
    "Sample",
    "Sampler",
    "__version__",
    "capabilities",
    "cpu",
    "disks",
    "interfaces",
    "memory",
    "process",
    "process_tree",
    "processes",
    "snapshot",
    "threads",
    "volumes",
]
