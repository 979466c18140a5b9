"""Control-group (cgroup v2) records: a process's container limits and usage.

Sizes in bytes, times in seconds. A limit of ``max`` in the kernel's files (no limit) is ``None``.
"""

from __future__ import annotations

import msgspec

from darwin_metrics.records.memory import PressureStall


class CGroupMemory(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The ``memory`` controller of one cgroup, in bytes.

    ``max``/``high``/``low``/``min``/``swap_max`` are this cgroup's own settings (``None`` = no
    limit, ``low``/``min`` ``None`` = 0); ``limit`` is the effective hard limit, the smallest
    ``memory.max`` on the path from the hierarchy root to this cgroup. ``oom``/``oom_kill``/
    ``max_events``/``high_events`` come from ``memory.events`` (times the limit was hit, OOM
    kills). ``anon``/``file``/``inactive_file`` from ``memory.stat``.
    """

    used: int | None = None
    max: int | None = None
    high: int | None = None
    low: int | None = None
    min: int | None = None
    limit: int | None = None
    peak: int | None = None
    swap_used: int | None = None
    swap_max: int | None = None
    anon: int | None = None
    file: int | None = None
    inactive_file: int | None = None
    oom: int | None = None
    oom_kill: int | None = None
    max_events: int | None = None
    high_events: int | None = None


class CGroupCPU(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The ``cpu`` controller and ``cpu.stat`` of one cgroup.

    ``quota`` is CPU seconds allowed per ``period`` seconds (``cpu.max``; ``None`` = unlimited);
    ``effective_cpus`` is the smallest ``quota / period`` on the path from the hierarchy root to
    this cgroup (how many CPUs' worth of time the cgroup may use; ``None`` = unlimited). ``weight``
    is ``cpu.weight`` (1-10000, default 100). ``usage``/``user``/``system``/``throttled`` are
    seconds; ``periods`` and ``throttled_periods`` are counts of enforcement periods.
    ``cpus`` are the CPU numbers the cgroup may run on (``cpuset.cpus.effective``).
    """

    quota: float | None = None
    period: float | None = None
    effective_cpus: float | None = None
    weight: int | None = None
    usage: float | None = None
    user: float | None = None
    system: float | None = None
    periods: int | None = None
    throttled_periods: int | None = None
    throttled: float | None = None
    cpus: tuple[int, ...] | None = None


class CGroupPids(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The ``pids`` controller: tasks in the cgroup and the limit (``None`` = unlimited)."""

    count: int | None = None
    max: int | None = None


class CGroupIO(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``io.stat`` for one block device: bytes and operations since the cgroup was created.

    ``device`` is ``"major:minor"``; ``name`` the kernel's device name where sysfs knows it.
    """

    device: str
    name: str | None = None
    read_bytes: int | None = None
    write_bytes: int | None = None
    reads: int | None = None
    writes: int | None = None
    discard_bytes: int | None = None
    discards: int | None = None


class CGroupPressure(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Pressure-stall information of the cgroup (``{cpu,memory,io}.pressure``)."""

    cpu: PressureStall | None = None
    memory: PressureStall | None = None
    io: PressureStall | None = None


class CGroup(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The cgroup v2 of one process.

    ``path`` is the cgroup's path in the hierarchy (``/`` for the root, ``/system.slice/x.service``)
    as ``/proc/PID/cgroup`` gives it; ``directory`` where its files were read. ``controllers`` are
    the controllers enabled for it (``cgroup.controllers``): a sub-record whose controller is absent
    is ``None``, and so is a field whose file is missing. ``cpu`` is the exception: the cgroup core
    keeps ``cpu.stat`` usage without the cpu controller, so ``cpu`` then carries usage and ``None``
    limits. ``v1_controllers`` lists controllers that a hybrid system still runs as cgroup v1 for
    this process (their limits are not read).
    """

    pid: int
    path: str
    directory: str
    controllers: tuple[str, ...]
    memory: CGroupMemory | None = None
    cpu: CGroupCPU | None = None
    pids: CGroupPids | None = None
    io: tuple[CGroupIO, ...] | None = None
    pressure: CGroupPressure | None = None
    v1_controllers: tuple[str, ...] = ()
