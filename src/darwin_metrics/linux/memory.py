"""The Linux ``memory()`` family: ``/proc/meminfo``, ``/proc/vmstat`` and ``/proc/pressure/*``.

Field sources (``/proc/meminfo`` values are KiB, reported here in bytes):

- ``total`` = ``MemTotal``; ``free`` = ``MemFree``; ``buffers`` = ``Buffers``;
  ``cached`` = ``Cached + SReclaimable`` (page cache plus reclaimable slab, as ``free(1)`` shows it);
  ``shared`` = ``Shmem``; ``active``/``inactive`` = ``Active``/``Inactive``; ``slab`` = ``Slab``.
- ``available`` = ``MemAvailable`` (Linux 3.14+). On older kernels, which lack it, the fallback
  estimate is ``MemFree + Buffers + Cached + SReclaimable - Shmem`` (free memory plus the caches
  the kernel can drop; tmpfs/shared memory counted in ``Cached`` cannot be dropped), clamped to
  ``0 .. total``. Missing addends count as 0.
- ``used`` = ``total - available``.
- swap: ``SwapTotal``, ``SwapFree``, ``used = total - free``; ``swapped_in``/``swapped_out`` are
  ``/proc/vmstat`` ``pswpin``/``pswpout`` (pages) times the page size (``SC_PAGE_SIZE``); the file
  is read only as far as those two lines.
- pressure: PSI from ``/proc/pressure/{memory,cpu,io,irq}``; a file that is missing or refuses
  reads (``psi=0`` gives EOPNOTSUPP) gives ``None``. The level rule is :func:`pressure_level`. A
  PSI file whose bytes are those of the last call is not parsed again.

``limit_bytes`` is the cgroup v2 memory limit of this process (the smallest ``memory.max`` on its
cgroup's path; ``None`` when unlimited or on cgroup v1), from :mod:`darwin_metrics.linux.owncgroup`.
"""

from __future__ import annotations

import logging
import os

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import read_head, read_required
from darwin_metrics.linux.memo import Memo, MemoSpec
from darwin_metrics.linux.owncgroup import memory_limit
from darwin_metrics.linux.parsers.meminfo import parse_meminfo
from darwin_metrics.linux.parsers.pressure import parse_pressure
from darwin_metrics.linux.parsers.vmstat import parse_vmstat
from darwin_metrics.records.memory import Memory, Pressure, PressureLevel, PressureStall, Swap

log = logging.getLogger(__name__)

#: Memory PSI thresholds, in percent of the last 10 seconds.
CRITICAL_FULL_AVG10 = 10.0
CRITICAL_SOME_AVG10 = 40.0
WARNING_FULL_AVG10 = 1.0
WARNING_SOME_AVG10 = 10.0
#: Fallback thresholds on ``available / total``, in percent.
CRITICAL_AVAILABLE_PERCENT = 5.0
WARNING_AVAILABLE_PERCENT = 15.0

_PSI_RESOURCES = ("memory", "cpu", "io", "irq")
_VMSTAT_KEYS = ("pswpin", "pswpout")
_VMSTAT_LINES = tuple(f"{key} ".encode() for key in _VMSTAT_KEYS)
#: The ``/proc/meminfo`` lines used, in the kernel's order.
_MEMINFO_KEYS = (
    "MemTotal",
    "MemFree",
    "MemAvailable",
    "Buffers",
    "Cached",
    "Active",
    "Inactive",
    "SwapTotal",
    "SwapFree",
    "Shmem",
    "Slab",
    "SReclaimable",
)


def page_size() -> int:
    """The page size in bytes (``SC_PAGE_SIZE``), or 4096 when unknown."""
    try:
        size = os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 4096
    return size if size > 0 else 4096


def pressure_level(
    memory_psi: PressureStall | None, available: int, total: int
) -> PressureLevel | None:
    """The memory pressure level, ``normal``, ``warning`` or ``critical``.

    With memory PSI (Linux 4.20+): ``critical`` when ``full avg10 >= 10`` or ``some avg10 >= 40``;
    ``warning`` when ``full avg10 >= 1`` or ``some avg10 >= 10``; otherwise ``normal``. ``full``
    means every non-idle task was stalled on memory at once, so it weighs more than ``some``.

    Without PSI (fallback): from ``available / total``: ``critical`` below 5 %, ``warning`` below
    15 %, otherwise ``normal``. ``None`` only when neither is known (``total`` of 0).
    """
    if memory_psi is not None and (
        memory_psi.full_avg10_percent is not None or memory_psi.some_avg10_percent is not None
    ):
        full = memory_psi.full_avg10_percent or 0.0
        some = memory_psi.some_avg10_percent or 0.0
        if full >= CRITICAL_FULL_AVG10 or some >= CRITICAL_SOME_AVG10:
            return "critical"
        if full >= WARNING_FULL_AVG10 or some >= WARNING_SOME_AVG10:
            return "warning"
        return "normal"
    if total <= 0:
        return None
    percent = 100.0 * available / total
    if percent < CRITICAL_AVAILABLE_PERCENT:
        return "critical"
    if percent < WARNING_AVAILABLE_PERCENT:
        return "warning"
    return "normal"


def available_estimate(info: dict[str, int]) -> int:
    """Available memory in bytes: ``MemAvailable``, else the documented fallback
    ``MemFree + Buffers + Cached + SReclaimable - Shmem`` clamped to ``0 .. MemTotal``."""
    if "MemAvailable" in info:
        return info["MemAvailable"]
    estimate = (
        info.get("MemFree", 0)
        + info.get("Buffers", 0)
        + info.get("Cached", 0)
        + info.get("SReclaimable", 0)
        - info.get("Shmem", 0)
    )
    return max(0, min(estimate, info.get("MemTotal", estimate)))


def _require(info: dict[str, int], key: str, path: str) -> int:
    try:
        return info[key]
    except KeyError:
        raise ParseError(path, f"no {key} line") from None


def _cached(info: dict[str, int]) -> int | None:
    if "Cached" not in info:
        return None
    return info["Cached"] + info.get("SReclaimable", 0)


_Paths = tuple[str, str, tuple[tuple[str, str], ...]]
#: ``meminfo``, ``vmstat`` and the PSI files under a procfs root, joined once per backend.
_PATHS: MemoSpec[str, _Paths] = MemoSpec("memory.paths", maxsize=4)


def _paths(roots: fs.Roots) -> _Paths:
    """``meminfo``, ``vmstat`` and the (resource, PSI file) pairs under ``roots``."""
    memo = _PATHS.of(roots)
    found = memo.get(roots.procfs)
    if found is None:
        found = (
            roots.proc("meminfo"),
            roots.proc("vmstat"),
            tuple((name, roots.proc("pressure", name)) for name in _PSI_RESOURCES),
        )
        memo.put(roots.procfs, found)
    return found


#: The last bytes read from each PSI file and what they parse to: a file whose figures did not
#: move since the last call (no stall on an idle machine) is not parsed again.
_PSI_MEMO: MemoSpec[str, tuple[bytes, PressureStall]] = MemoSpec("memory.psi", maxsize=16)


def _pressure(memo: Memo[str, tuple[bytes, PressureStall]], path: str) -> PressureStall | None:
    data = fs.read_optional(path)
    if data is None:
        return None
    last = memo.get(path)
    if last is not None and last[0] == data:
        return last[1]
    try:
        stall = parse_pressure(data, path)
    except ParseError as exc:  # the bad-attribute rule: this pressure record is None
        log.debug("%s", exc)
        return None
    memo.put(path, (data, stall))
    return stall


def read_pressure(roots: fs.Roots) -> dict[str, PressureStall | None]:
    """PSI of each resource (``memory``, ``cpu``, ``io``, ``irq``); ``None`` where unavailable."""
    return _read_pressure(roots, _paths(roots)[2])


def _read_pressure(
    roots: fs.Roots, files: tuple[tuple[str, str], ...]
) -> dict[str, PressureStall | None]:
    memo = _PSI_MEMO.of(roots)
    return {name: _pressure(memo, path) for name, path in files}


def read_memory(roots: fs.Roots) -> Memory:
    """Physical memory, swap and pressure as one :class:`~darwin_metrics.records.memory.Memory`.

    Raises :class:`~darwin_metrics.errors.NotSupported` when ``/proc/meminfo`` is absent and
    :class:`~darwin_metrics.errors.ParseError` when it is malformed or lacks ``MemTotal``,
    ``MemFree``, ``SwapTotal`` or ``SwapFree`` (every kernel prints them).
    """
    path, vmstat_path, psi_files = _paths(roots)
    info = parse_meminfo(read_required(path), path, _MEMINFO_KEYS)
    total = _require(info, "MemTotal", path)
    free = _require(info, "MemFree", path)
    swap_total = _require(info, "SwapTotal", path)
    swap_free = _require(info, "SwapFree", path)
    available = available_estimate(info)

    vmstat_data = read_head(vmstat_path, _VMSTAT_LINES)
    try:
        vmstat = {} if vmstat_data is None else parse_vmstat(vmstat_data, vmstat_path, _VMSTAT_KEYS)
    except ParseError as exc:  # swap activity counters become None; the family goes on
        log.debug("%s", exc)
        vmstat = {}
    page = page_size()
    swapped_in = vmstat.get("pswpin")
    swapped_out = vmstat.get("pswpout")

    psi = _read_pressure(roots, psi_files)
    return Memory(
        total=total,
        available=available,
        used=max(0, total - available),
        free=free,
        buffers=info.get("Buffers"),
        cached=_cached(info),
        shared=info.get("Shmem"),
        active=info.get("Active"),
        inactive=info.get("Inactive"),
        slab=info.get("Slab"),
        swap=Swap(
            total=swap_total,
            used=max(0, swap_total - swap_free),
            free=swap_free,
            swapped_in=None if swapped_in is None else swapped_in * page,
            swapped_out=None if swapped_out is None else swapped_out * page,
        ),
        pressure=Pressure(
            level=pressure_level(psi["memory"], available, total),
            memory=psi["memory"],
            cpu=psi["cpu"],
            io=psi["io"],
            irq=psi["irq"],
        ),
        limit_bytes=memory_limit(roots),
    )
