"""GPUs on macOS: every ``IOAccelerator`` service (Apple, Intel, AMD, and NVIDIA on old Macs), read
from its ``PerformanceStatistics`` (see :mod:`darwin_metrics.darwin.decode.gpu`). No privilege.

Not read here: Metal's device list (``MTLCopyAllDevices``: working-set size, allocated size) and the
IOReport GPU frequency and residency of Apple Silicon.
"""

from __future__ import annotations

import logging
from typing import Any

from darwin_metrics.darwin.decode import gpu as decode
from darwin_metrics.darwin.ffi import iokit
from darwin_metrics.errors import DarwinMetricsError
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


def read_gpus() -> tuple[GPU, ...]:
    """Every GPU, in registry order; an entry that fails to read is skipped."""
    entries = iokit.each_service("IOAccelerator", _entry)
    gpus: list[GPU] = []
    for props, parent in entries:
        try:
            found = decode.gpu(len(gpus), props, parent)
        except DarwinMetricsError as exc:
            log.debug("skipping a GPU: %s", exc)
            continue
        if found is not None:
            gpus.append(found)
    return tuple(gpus)
