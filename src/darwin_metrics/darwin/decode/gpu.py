"""GPU decoders: an ``IOAccelerator`` registry entry (and its PCI parent) → a GPU record.

Every GPU driver on macOS publishes an ``IOAccelerator`` service with a ``PerformanceStatistics``
dictionary; what it holds depends on the driver:

- Apple (``AGXAccelerator*``): ``Device``/``Renderer``/``Tiler Utilization %``, ``In use system
  memory`` and ``Alloc system memory`` (bytes of unified memory), ``model`` and ``gpu-core-count``
  on the entry itself;
- AMD (``AMDRadeonX*``): ``Device Utilization %``, ``vramFreeBytes``, ``inUseVidMemoryBytes``,
  ``Temperature(C)``, ``Fan Speed(RPM)``, ``Fan Speed(%)``, ``Core Clock(MHz)``,
  ``Memory Clock(MHz)``, ``Total Power(W)``; ``AGCInfo.poweredOffByAGC`` says the GPU is off;
- Intel (``IntelAccelerator``): ``Device Utilization %`` and ``VRAM,totalMB`` (its share of
  system memory).

Utilizations are clamped to 0-100. A counter the driver reports as negative (Intel's
``inUseSysMemoryBytes`` can read 2**64 - n) is ``None``, as is everything a driver does not give.
The name of a PCI GPU is its parent ``IOPCIDevice``'s ``model``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from darwin_metrics.darwin.decode.common import dictionary, flag, number, real, text
from darwin_metrics.darwin.decode.cpu import voltage_table
from darwin_metrics.errors import ParseError
from darwin_metrics.records.gpu import GPU, GPUVendor

MIB = 1 << 20

#: Driver class or bundle prefixes → vendor.
_VENDORS: tuple[tuple[str, GPUVendor], ...] = (
    ("AGX", "apple"),
    ("com.apple.AGX", "apple"),
    ("AMD", "amd"),
    ("com.apple.kext.AMD", "amd"),
    ("Intel", "intel"),
    ("com.apple.driver.AppleIntel", "intel"),
    ("NV", "nvidia"),
    ("GeForce", "nvidia"),
    ("com.nvidia", "nvidia"),
)


def vendor(props: Mapping[str, Any]) -> GPUVendor | None:
    """The vendor from the driver's class (``IOClass``) or bundle identifier; None if unknown."""
    for key in ("IOClass", "CFBundleIdentifier"):
        value = text(props.get(key))
        if value:
            for prefix, name in _VENDORS:
                if value.startswith(prefix):
                    return name
    return None


def _percent(stats: Mapping[str, Any], key: str) -> float | None:
    value = real(stats, key)
    return None if value is None else min(max(value, 0.0), 100.0)


def _bytes(stats: Mapping[str, Any], key: str) -> int | None:
    value = number(stats, key)
    return value if value is not None and value >= 0 else None


def _hertz(stats: Mapping[str, Any], key: str) -> int | None:
    mhz = real(stats, key)
    return round(mhz * 1e6) if mhz is not None and mhz > 0 else None


def _model(props: Mapping[str, Any], parent: Mapping[str, Any] | None) -> str | None:
    for source in (props, parent or {}):
        value = source.get("model")
        if isinstance(value, bytes):
            value = value.split(b"\0", 1)[0].decode("utf-8", "replace")
        name = text(value)
        if name:
            return name.strip()
    return None


def gpu(
    index: int, props: Mapping[str, Any], parent: Mapping[str, Any] | None = None
) -> GPU | None:
    """The GPU record of one ``IOAccelerator`` entry; ``None`` for an entry that is not a GPU
    driver (the ``IOAccelerator`` compatibility node has no known vendor)."""
    found = vendor(props)
    if found is None:
        return None
    stats = dictionary(props.get("PerformanceStatistics"))
    agc = dictionary(props.get("AGCInfo"))
    vram_mb = number(props, "VRAM,totalMB")
    if vram_mb is None and parent is not None:
        vram_mb = number(parent, "VRAM,totalMB")
    apple = found == "apple"
    cores = number(props, "gpu-core-count")
    return GPU(
        index=index,
        vendor=found,
        name=_model(props, parent),
        driver=text(props.get("IOClass")),
        suspended=flag(agc, "poweredOffByAGC"),
        utilization_percent=_percent(stats, "Device Utilization %"),
        renderer_utilization_percent=_percent(stats, "Renderer Utilization %"),
        tiler_utilization_percent=_percent(stats, "Tiler Utilization %"),
        memory_total=vram_mb * MIB if vram_mb is not None and vram_mb > 0 and not apple else None,
        memory_used=_bytes(stats, "In use system memory" if apple else "inUseVidMemoryBytes"),
        memory_free=None if apple else _bytes(stats, "vramFreeBytes"),
        memory_allocated=_bytes(stats, "Alloc system memory") if apple else None,
        unified_memory=True if apple else None,
        temperature_celsius=real(stats, "Temperature(C)"),
        fan_rpm=real(stats, "Fan Speed(RPM)"),
        fan_percent=_percent(stats, "Fan Speed(%)"),
        power_watts=real(stats, "Total Power(W)"),
        graphics_hertz=_hertz(stats, "Core Clock(MHz)"),
        memory_hertz=_hertz(stats, "Memory Clock(MHz)"),
        core_count=cores if cores is not None and cores > 0 else None,
    )


#: The ``pmgr`` property holding the Apple GPU's DVFS table (0 Hz "off" entry dropped).
GPU_TABLE_KEY = "voltage-states9"
#: A GPU table tops out below this; a larger top state means the key names a CPU table here.
GPU_TABLE_MAX_TOP = 2.0e9


def gpu_table(pmgr: Mapping[str, Any] | None) -> tuple[float, ...]:
    """The Apple GPU's performance-state frequencies (Hz, ascending) from the ``pmgr`` node;
    empty when absent or implausible."""
    raw = (pmgr or {}).get(GPU_TABLE_KEY)
    if not isinstance(raw, bytes):
        return ()
    try:
        table = tuple(sorted(voltage_table(raw)))
    except ParseError:
        return ()
    return table if table and max(table) < GPU_TABLE_MAX_TOP else ()
