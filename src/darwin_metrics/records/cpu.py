"""CPU records: identity, counts, times (seconds), frequencies (hertz) and load."""

from __future__ import annotations

import msgspec


class CPUTimes(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Time spent in each mode since boot, in seconds.

    ``guest`` and ``guest_nice`` are already included in ``user`` and ``nice`` (the kernel counts them
    twice); they are shown for information and are not part of :attr:`busy`. Modes a platform does not
    account are ``None``.
    """

    user: float
    nice: float | None = None
    system: float
    idle: float
    iowait: float | None = None
    irq: float | None = None
    softirq: float | None = None
    steal: float | None = None
    guest: float | None = None
    guest_nice: float | None = None

    @property
    def busy(self) -> float:
        """Seconds not idle: everything but ``idle`` and ``iowait``."""
        extra = (self.nice or 0.0) + (self.irq or 0.0) + (self.softirq or 0.0) + (self.steal or 0.0)
        return self.user + self.system + extra

    @property
    def total(self) -> float:
        """All accounted seconds: :attr:`busy` plus ``idle`` and ``iowait``."""
        return self.busy + self.idle + (self.iowait or 0.0)


class CoreFrequency(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A logical CPU's clock, in hertz; ``None`` where the platform does not report it.

    ``min_hertz``/``max_hertz`` are the hardware limits (Linux ``cpuinfo_min/max_freq``); ``scaling_min_hertz``/
    ``scaling_max_hertz`` are the limits the current policy allows (Linux ``scaling_min/max_freq``).
    """

    hertz: float | None = None
    min_hertz: float | None = None
    max_hertz: float | None = None
    governor: str | None = None
    driver: str | None = None
    scaling_min_hertz: float | None = None
    scaling_max_hertz: float | None = None


class Core(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One logical CPU.

    ``index`` is the kernel's CPU number (there can be gaps when CPUs are offline). ``cluster`` is the
    performance class where the platform has one (Apple ``"P"``/``"E"``, Intel hybrid ``"core"``/
    ``"atom"``), else ``None``.
    """

    index: int
    times: CPUTimes
    frequency: CoreFrequency
    package: int | None = None
    core_id: int | None = None
    cluster: str | None = None
    online: bool = True


class LoadAverage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Run-queue load averages over 1, 5 and 15 minutes (on Linux, counts D-state tasks too)."""

    one: float
    five: float
    fifteen: float


class CPUCluster(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A group of cores of one performance class (Apple Silicon Performance/Efficiency/Super).

    ``name`` is the OS's name for the class (``hw.perflevelN.name``: ``"Performance"``,
    ``"Efficiency"``, ``"Super"``); ``type`` the registry's letter (``"P"``, ``"E"``) where it is
    known; ``cores`` the logical CPU indices in it (``()`` where not known). ``min_hertz`` and
    ``max_hertz`` are the lowest and highest nominal DVFS states in hertz.
    """

    name: str
    type: str | None = None
    logical_count: int | None = None
    physical_count: int | None = None
    cores: tuple[int, ...] = ()
    min_hertz: float | None = None
    max_hertz: float | None = None


class CPU(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The machine's processors.

    Counts are integers; ``times`` is the sum over all logical CPUs in seconds; ``boot_time`` is
    seconds since the Unix epoch. ``context_switches``, ``interrupts``, ``soft_interrupts`` and
    ``forks`` are counters since boot.
    """

    model: str | None
    vendor: str | None
    architecture: str
    logical_count: int
    physical_count: int | None
    package_count: int | None = None
    times: CPUTimes
    cores: tuple[Core, ...]
    load: LoadAverage | None
    context_switches: int | None = None
    interrupts: int | None = None
    soft_interrupts: int | None = None
    forks: int | None = None
    procs_running: int | None = None
    procs_blocked: int | None = None
    boot_time: float | None = None
    #: CPUs this process may use under its container's quota (cgroup ``cpu.max``); ``None`` if unlimited.
    effective_cpus: float | None = None
    #: Performance clusters, fastest first (Apple Silicon); ``()`` where the CPU has none.
    clusters: tuple[CPUCluster, ...] = ()
    #: The nominal (base) clock in hertz where the platform states one (Intel Macs' ``hw.cpufrequency``).
    nominal_hertz: float | None = None
