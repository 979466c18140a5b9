"""GPUs on macOS: every ``IOAccelerator`` service (Apple, Intel, AMD, and NVIDIA on old Macs), read
from its ``PerformanceStatistics`` (see :mod:`darwin_metrics.darwin.decode.gpu`). No privilege.

On Apple Silicon :class:`GPUFrequency` adds the GPU's average frequency since the previous
reading (IOReport ``GPU Stats`` residencies mapped onto the ``pmgr`` GPU table) and its table's
range. Metal's device list (``MTLCopyAllDevices``, matched to the IOKit entry by registry ID) adds
``unified_memory`` and, for unified-memory GPUs, ``memory_total`` = Metal's recommended maximum
working set (the share of system memory the GPU should use), and the name where IOKit has none.
"""

from __future__ import annotations

import threading
from typing import Any

from msgspec.structs import replace

from darwin_metrics.darwin.decode import gpu as decode
from darwin_metrics.darwin.decode import ioreport
from darwin_metrics.darwin.ffi import iokit, objc
from darwin_metrics.darwin.ffi.ioreport import StateReport
from darwin_metrics.errors import DarwinMetricsError, NotSupported
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.gpu import GPU

log = get_logger(__name__)


def _entry(entry: int) -> tuple[dict[str, Any], dict[str, Any] | None, int | None] | None:
    try:
        props = iokit.properties(entry)
        parent_props = None
        with iokit.parent(entry, "IOService") as parent:
            if parent and iokit.conforms_to(parent, "IOPCIDevice"):
                parent_props = iokit.properties(parent)
        return props, parent_props, iokit.registry_id(entry)
    except OSError as exc:  # the GPU went away mid-scan (eGPU unplugged)
        log.debug("skipping an IOAccelerator entry: %s", exc)
        return None


def _metal() -> dict[int, objc.MetalDevice]:
    try:
        return {d.registry_id: d for d in objc.metal_devices()}
    except (OSError, DarwinMetricsError) as exc:
        log.debug("Metal devices: %s", exc)
        return {}


def _with_metal(gpu: GPU, device: objc.MetalDevice | None) -> GPU:
    if device is None:
        return gpu
    return replace(
        gpu,
        name=gpu.name or device.name,
        unified_memory=device.unified_memory,
        memory_total=gpu.memory_total
        if gpu.memory_total is not None or not device.unified_memory
        else device.recommended_working_set or None,
    )


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
    metal = _metal() if entries else {}
    gpus: list[GPU] = []
    for props, parent, registry in entries:
        try:
            found = decode.gpu(len(gpus), props, parent)
        except DarwinMetricsError as exc:
            log.debug("skipping a GPU: %s", exc)
            continue
        if found is not None:
            found = _with_metal(found, metal.get(registry) if registry is not None else None)
            gpus.append(_with_frequency(found, frequency) if frequency is not None else found)
    return tuple(gpus)
