"""GPUs on macOS: every ``IOAccelerator`` service (Apple, Intel, AMD, and NVIDIA on old Macs), read
from its ``PerformanceStatistics`` (see :mod:`darwin_metrics.darwin.decode.gpu`). No privilege.

On Apple Silicon :class:`GPUFrequency` adds the GPU's average frequency since the previous
reading (IOReport ``GPU Stats`` residencies mapped onto the ``pmgr`` GPU table) and its table's
range. Not read here: Metal's device list (``MTLCopyAllDevices``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from msgspec.structs import replace

from darwin_metrics.darwin.decode import gpu as decode
from darwin_metrics.darwin.decode import ioreport
from darwin_metrics.darwin.ffi import iokit
from darwin_metrics.darwin.ffi.ioreport import StateReport
from darwin_metrics.errors import DarwinMetricsError, NotSupported
from darwin_metrics.records.gpu import GPU

log = logging.getLogger(__name__)


def _entry(entry: int) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    try:
        props = iokit.properties(entry)
        parent_props = None
        with iokit.parent(entry, "IOService") as parent:
            if parent and iokit.conforms_to(parent, "IOPCIDevice"):
                parent_props = iokit.properties(parent)
        return props, parent_props
    except OSError as exc:  # the GPU went away mid-scan (eGPU unplugged)
        log.debug("skipping an IOAccelerator entry: %s", exc)
        return None


GPU_STATES = ("GPU Stats", "GPU Performance States")


class GPUFrequency:
    """The Apple GPU's average frequency between consecutive readings (IOReport residencies on
    the ``pmgr`` table); nothing on the first reading, on Intel Macs or without IOReport."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._report: StateReport | None = None
        self._table: tuple[float, ...] | None = None
        self._unavailable = False

    def close(self) -> None:
        """Release the IOReport subscription."""
        with self._lock:
            if self._report is not None:
                self._report.close()
                self._report = None

    def table(self) -> tuple[float, ...]:
        """The GPU's DVFS table (Hz), read once."""
        if self._table is None:
            from darwin_metrics.darwin.cpu import read_registry

            self._table = decode.gpu_table(read_registry()[2])
        return self._table

    def read(self) -> float | None:
        """Hz since the previous call, or None."""
        table = self.table()
        if not table:
            return None
        with self._lock:
            if self._unavailable:
                return None
            try:
                if self._report is None:
                    self._report = StateReport(*GPU_STATES)
                channels = self._report.delta()
            except (OSError, DarwinMetricsError) as exc:
                self._unavailable = isinstance(exc, NotSupported)
                log.debug("IOReport GPU states: %s", exc)
                return None
        for channel in channels or ():
            if channel.name == "GPUPH":
                return ioreport.residency(channel.states, table).hertz
        return None


def _with_frequency(gpu: GPU, frequency: GPUFrequency) -> GPU:
    table = frequency.table()
    if gpu.vendor != "apple" or not table:
        return gpu
    hertz = frequency.read()
    return replace(
        gpu,
        graphics_hertz=round(hertz) if hertz is not None else None,
        graphics_min_hertz=round(min(table)),
        graphics_max_hertz=round(max(table)),
    )


def read_gpus(frequency: GPUFrequency | None = None) -> tuple[GPU, ...]:
    """Every GPU, in registry order; an entry that fails to read is skipped. ``frequency`` adds
    the Apple GPU's clock (from the second reading on)."""
    entries = iokit.each_service("IOAccelerator", _entry)
    gpus: list[GPU] = []
    for props, parent in entries:
        try:
            found = decode.gpu(len(gpus), props, parent)
        except DarwinMetricsError as exc:
            log.debug("skipping a GPU: %s", exc)
            continue
        if found is not None:
            gpus.append(_with_frequency(found, frequency) if frequency is not None else found)
    return tuple(gpus)
