"""Memory on macOS: ``hw.memsize``, ``host_statistics64(HOST_VM_INFO64)`` in kernel pages, swap
usage from psutil (``vm.swapusage``) and the kernel's memorystatus pressure sysctls."""

from __future__ import annotations

from darwin_metrics.darwin.decode import memory as decode
from darwin_metrics.darwin.decode.common import integer
from darwin_metrics.darwin.ffi import libc
from darwin_metrics.errors import ParseError
from darwin_metrics.records.memory import Memory


def _sysctl_int(name: str) -> int | None:
    raw = libc.sysctl_optional(name)
    return integer(raw) if raw is not None else None


def read_memory() -> Memory:
    """The Memory record (bytes); see :mod:`darwin_metrics.darwin.decode.memory` for the figures."""
    import psutil

    total = _sysctl_int("hw.memsize")
    if total is None:
        raise ParseError("hw.memsize", "missing")
    swap = psutil.swap_memory()
    return decode.memory(
        libc.vm_statistics64(),
        page_size=libc.kernel_page_size(),
        total=total,
        swap_usage=(int(swap.total), int(swap.used), int(swap.free)),
        pressure=decode.pressure(
            _sysctl_int("kern.memorystatus_vm_pressure_level"),
            _sysctl_int("kern.memorystatus_level"),
        ),
    )
