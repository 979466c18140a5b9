"""Memory decoders: ``vm_statistics64`` page counts and the memorystatus sysctls → Memory.

Page counts are in kernel pages (``vm_kernel_page_size``: 16 KiB on Apple Silicon, 4 KiB on Intel).
The figures follow Activity Monitor:

- ``app`` = (internal - purgeable) pages: anonymous memory applications hold;
- ``wired`` = wired pages; ``compressed`` = pages the compressor occupies;
- ``used`` = app + wired + compressed ("Memory Used"); ``available`` = total - used;
- ``cached`` = (external + purgeable) pages ("Cached Files": file-backed and purgeable memory the
  system can reclaim); ``purgeable`` alone too;
- ``free`` = (free - speculative) pages, the kernel's truly unused list, as ``vm_stat`` shows it;
- ``swap.swapped_in``/``swapped_out`` = ``swapins``/``swapouts`` (pages of compressor segments
  moved between memory and the swap files) times the page size.

Pressure: ``kern.memorystatus_vm_pressure_level`` is 1 normal, 2 warning, 4 critical;
``kern.memorystatus_level`` is the percentage of memory the kernel considers available.
"""

from __future__ import annotations

from darwin_metrics.darwin.decode.common import struct_from
from darwin_metrics.darwin.ffi.constants import (
    NOTE_MEMORYSTATUS_PRESSURE_CRITICAL,
    NOTE_MEMORYSTATUS_PRESSURE_NORMAL,
    NOTE_MEMORYSTATUS_PRESSURE_WARN,
)
from darwin_metrics.darwin.ffi.structs import VMStatistics64, XswUsage
from darwin_metrics.errors import ParseError
from darwin_metrics.records.memory import Memory, Pressure, PressureLevel, Swap

_LEVELS: dict[int, PressureLevel] = {
    NOTE_MEMORYSTATUS_PRESSURE_NORMAL: "normal",
    NOTE_MEMORYSTATUS_PRESSURE_WARN: "warning",
    NOTE_MEMORYSTATUS_PRESSURE_CRITICAL: "critical",
}


def pressure(level: int | None, available_percent: int | None) -> Pressure:
    """The pressure record; an unknown level value gives ``level=None``."""
    free = None
    if available_percent is not None and 0 <= available_percent <= 100:
        free = float(available_percent)
    return Pressure(level=_LEVELS.get(level) if level is not None else None, free_percent=free)


def swap_usage(raw: bytes) -> tuple[int, int, int]:
    """``(total, used, free)`` bytes of swap from ``vm.swapusage`` (``struct xsw_usage``)."""
    xsw = struct_from(raw, XswUsage, "vm.swapusage")
    total, used, free = int(xsw.xsu_total), int(xsw.xsu_used), int(xsw.xsu_avail)
    if used > total or free > total:
        raise ParseError("vm.swapusage", f"used {used} or free {free} exceeds total {total}")
    return total, used, free


def memory(
    raw: bytes,
    *,
    page_size: int,
    total: int,
    swap_usage: tuple[int, int, int],
    pressure: Pressure,
) -> Memory:
    """Decode ``vm_statistics64`` bytes (the full 152-byte revision) into a Memory record.

    ``swap_usage`` is ``vm.swapusage``'s (total, used, free) in bytes; the bytes swapped in and
    out since boot are the ``swapins``/``swapouts`` page counts times the page size.
    """
    if page_size <= 0 or page_size & (page_size - 1):
        raise ParseError("vm_kernel_page_size", f"{page_size} is not a power of two")
    if total <= 0:
        raise ParseError("hw.memsize", f"{total} is not a memory size")
    vm = struct_from(raw, VMStatistics64, "host_statistics64(HOST_VM_INFO64)")
    page = page_size
    purgeable = vm.purgeable_count * page
    app = max(vm.internal_page_count - vm.purgeable_count, 0) * page
    wired = vm.wire_count * page
    compressed = vm.compressor_page_count * page
    used = min(app + wired + compressed, total)
    return Memory(
        total=total,
        available=total - used,
        used=used,
        free=max(vm.free_count - vm.speculative_count, 0) * page,
        cached=vm.external_page_count * page + purgeable,
        active=vm.active_count * page,
        inactive=vm.inactive_count * page,
        wired=wired,
        compressed=compressed,
        purgeable=purgeable,
        app=app,
        swap=Swap(
            total=swap_usage[0],
            used=swap_usage[1],
            free=swap_usage[2],
            swapped_in=vm.swapins * page,
            swapped_out=vm.swapouts * page,
        ),
        pressure=pressure,
    )
