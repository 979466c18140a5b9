"""Memory on macOS: ``hw.memsize``, ``host_statistics64(HOST_VM_INFO64)`` in kernel pages, swap
usage from ``vm.swapusage`` (``struct xsw_usage``) and the kernel's memorystatus pressure sysctls.

One sample makes one ``host_statistics64`` call. The kernel rate-limits that call for processes
that are not Apple platform binaries (a few real reads a second, shared by all of them): asked more
often, it answers with its previous reading, so page counts sampled faster than about once a second
can repeat the last values. Swap comes from ``vm.swapusage``, which is not limited (psutil's
``swap_memory`` would spend a second ``host_statistics64`` call).
"""

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
    total = _sysctl_int("hw.memsize")
    if total is None:
        raise ParseError("hw.memsize", "missing")
    return decode.memory(
        libc.vm_statistics64(),
        page_size=libc.kernel_page_size(),
        total=total,
        swap_usage=decode.swap_usage(libc.sysctlbyname("vm.swapusage")),
        pressure=decode.pressure(
            _sysctl_int("kern.memorystatus_vm_pressure_level"),
            _sysctl_int("kern.memorystatus_level"),
        ),
    )
