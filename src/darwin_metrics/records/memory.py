"""Memory records: RAM, swap and pressure. All sizes in bytes."""

from __future__ import annotations

from typing import Literal

import msgspec

PressureLevel = Literal["normal", "warning", "critical"]


class PressureStall(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Linux pressure-stall information for one resource (``/proc/pressure/<resource>``).

    ``*_avg10/60/300`` are the share of wall time (percent, 0-100) in which *some* or *all* (``full``)
    non-idle tasks were stalled on the resource, averaged over 10, 60 and 300 seconds.
    ``*_total`` is the cumulative stall time in seconds. ``full_*`` is ``None`` where the kernel gives
    no ``full`` line (``cpu`` before 5.13); ``some_*`` is ``None`` for ``irq``, which has only ``full``.
    """

    some_avg10_percent: float | None = None
    some_avg60_percent: float | None = None
    some_avg300_percent: float | None = None
    some_total: float | None = None
    full_avg10_percent: float | None = None
    full_avg60_percent: float | None = None
    full_avg300_percent: float | None = None
    full_total: float | None = None


class Pressure(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Resource pressure: a summary level and, on Linux, the PSI figures behind it.

    ``level`` is ``normal``, ``warning`` or ``critical``; how it is derived is documented on each
    platform's collector (Linux: from memory PSI; macOS: the kernel's memorystatus level).
    """

    level: PressureLevel | None
    memory: PressureStall | None = None
    cpu: PressureStall | None = None
    io: PressureStall | None = None
    irq: PressureStall | None = None
    #: macOS ``kern.memorystatus_level``: percent of memory the kernel considers free (0-100).
    free_percent: float | None = None


class Swap(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Swap space in bytes; ``swapped_in``/``swapped_out`` are bytes moved since boot."""

    total: int
    used: int
    free: int
    swapped_in: int | None = None
    swapped_out: int | None = None


class Memory(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Physical memory in bytes.

    ``used`` is ``total - available`` (what applications hold and cannot give back quickly).
    ``cached`` includes reclaimable slab on Linux. Fields a platform does not have are ``None``
    (``wired``/``compressed``/``purgeable`` are macOS concepts; ``buffers``/``slab`` Linux ones).
    """

    total: int
    available: int
    used: int
    free: int
    buffers: int | None = None
    cached: int | None = None
    shared: int | None = None
    active: int | None = None
    inactive: int | None = None
    slab: int | None = None
    wired: int | None = None
    compressed: int | None = None
    purgeable: int | None = None
    app: int | None = None
    swap: Swap
    pressure: Pressure
    #: The container's memory limit (cgroup ``memory.max``) in bytes; ``None`` if unlimited.
    limit_bytes: int | None = None

    @property
    def used_percent(self) -> float:
        """``used`` as a percentage of ``total`` (0-100)."""
        return 100.0 * self.used / self.total if self.total else 0.0
