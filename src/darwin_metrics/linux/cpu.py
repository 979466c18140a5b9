"""The Linux ``cpu()`` family: ``/proc/stat``, ``/proc/cpuinfo``, ``/proc/loadavg`` and sysfs.

Sources, in order of preference:

- times and counters: ``/proc/stat`` (required), ticks divided by USER_HZ
  (``os.sysconf("SC_CLK_TCK")``). Cores are keyed by CPU number; offline CPUs have no line there,
  so the numbers can have gaps.
- logical count: ``/sys/devices/system/cpu/online``, else the number of ``cpuN`` lines in
  ``/proc/stat`` (the kernel lists online CPUs only).
- topology: ``cpuN/topology/{physical_package_id,die_id,core_id}``; physical cores are the distinct
  (package, die, core) triples, packages the distinct package ids. Only when no CPU has sysfs
  topology, ``/proc/cpuinfo`` ``physical id``/``core id`` (or ``cpu cores`` per package) stand in.
- frequency: ``cpuN/cpufreq`` (usually a link to a policy), else the ``cpufreq/policyM`` whose
  ``affected_cpus`` (or ``related_cpus``) names the CPU. ``current`` is ``scaling_cur_freq``, else
  ``cpuinfo_cur_freq`` (root only), else ``/proc/cpuinfo`` ``cpu MHz``; ``min``/``max`` are
  ``cpuinfo_min/max_freq``; ``scaling_min``/``scaling_max`` are ``scaling_min/max_freq``; kHz * 1000.
- hybrid Intel parts: ``/sys/devices/cpu_core/cpus`` and ``/sys/devices/cpu_atom/cpus`` give
  ``Core.cluster`` ``"core"`` or ``"atom"``.
- architecture: ``/proc/sys/kernel/arch`` when the tree has it, else ``platform.machine()``.
"""

from __future__ import annotations

import logging
import os
import platform
import re
from collections.abc import Callable
from typing import TypeVar

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import attr_bytes, parse_optional, read_required
from darwin_metrics.linux.memo import MemoSpec
from darwin_metrics.linux.owncgroup import cpu_limit
from darwin_metrics.linux.parsers.cpufreq import parse_khz
from darwin_metrics.linux.parsers.cpuinfo import CpuInfo, parse_cpu_mhz, parse_cpuinfo
from darwin_metrics.linux.parsers.cpulist import parse_cpulist
from darwin_metrics.linux.parsers.loadavg import parse_loadavg
from darwin_metrics.linux.parsers.stat import parse_stat
from darwin_metrics.records.cpu import CPU, Core, CoreFrequency

log = logging.getLogger(__name__)
T = TypeVar("T")

_CPU_DIR = re.compile(r"cpu(\d+)\Z")
_POLICY_DIR = re.compile(r"policy(\d+)\Z")
#: Intel hybrid PMU devices and the cluster name each gives its CPUs.
_CLUSTERS = (("cpu_core", "core"), ("cpu_atom", "atom"))


def user_hz() -> int:
    """USER_HZ, the unit of ``/proc/stat`` times: ``SC_CLK_TCK``, or 100 when unknown."""
    try:
        hz = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 100
    return hz if hz > 0 else 100


class _Topology(msgspec.Struct, frozen=True):
    package: int | None
    die: int | None
    core: int | None


def _cpu_numbers(cpu_dir: str) -> list[int]:
    return sorted(int(m.group(1)) for n in fs.listdir(cpu_dir) if (m := _CPU_DIR.match(n)))


def _parsed(data: bytes | None, path: str, parser: Callable[[bytes, str], T]) -> T | None:
    """``parser`` of bytes already read; ``None`` (logged) when absent or malformed."""
    if data is None:
        return None
    try:
        return parser(data, path)
    except ParseError as exc:
        log.debug("bad attribute: %s", exc)
        return None


def _cpulist_file(path: str) -> tuple[int, ...] | None:
    return fs.parse_attr(path, parse_cpulist)


def _id(path: str) -> int | None:
    value = fs.read_attr_int(path)
    return None if value is None or value < 0 else value


def _sysfs_topology(cpu_dir: str) -> dict[int, _Topology]:
    result = {}
    for n in _cpu_numbers(cpu_dir):
        topo = os.path.join(cpu_dir, f"cpu{n}", "topology")
        core = _id(os.path.join(topo, "core_id"))
        if core is None:
            continue
        result[n] = _Topology(
            package=_id(os.path.join(topo, "physical_package_id")),
            die=_id(os.path.join(topo, "die_id")),
            core=core,
        )
    return result


def _cpuinfo_topology(info: CpuInfo | None) -> dict[int, _Topology]:
    if info is None:
        return {}
    return {
        p.index: _Topology(package=p.physical_id, die=None, core=p.core_id)
        for p in info.processors
        if p.physical_id is not None or p.core_id is not None
    }


def _counts(
    topology: dict[int, _Topology], info: CpuInfo | None, from_sysfs: bool
) -> tuple[int | None, int | None]:
    """(physical cores, packages) from the chosen topology source."""
    packages = {t.package for t in topology.values() if t.package is not None}
    package_count = len(packages) or None
    with_core = [t for t in topology.values() if t.core is not None]
    if with_core:
        return len({(t.package, t.die, t.core) for t in with_core}), package_count
    if not from_sysfs and info is not None:
        # ``cpu cores`` is the number of cores in the processor's package.
        per_package = {
            p.physical_id: p.cpu_cores
            for p in info.processors
            if p.physical_id is not None and p.cpu_cores is not None
        }
        if per_package:
            return sum(per_package.values()), package_count
    return None, package_count


def _clusters(roots: fs.Roots) -> dict[int, str]:
    result: dict[int, str] = {}
    for device, name in _CLUSTERS:
        cpus = _cpulist_file(roots.sys("devices", device, "cpus"))
        for n in cpus or ():
            result.setdefault(n, name)
    return result


class _Policies:
    """Finds each CPU's cpufreq directory; scans ``cpufreq/policy*`` only when needed."""

    def __init__(self, cpu_dir: str) -> None:
        self._cpu_dir = cpu_dir
        self._by_cpu: dict[int, str] | None = None

    def _scan(self) -> dict[int, str]:
        root = os.path.join(self._cpu_dir, "cpufreq")
        mapping: dict[int, str] = {}
        for name in fs.listdir(root):
            match = _POLICY_DIR.match(name)
            if not match:
                continue
            policy = os.path.join(root, name)
            cpus: tuple[int, ...] | None = None
            for attr in ("affected_cpus", "related_cpus"):
                cpus = _cpulist_file(os.path.join(policy, attr))
                if cpus is not None:
                    break
            for n in (int(match.group(1)),) if cpus is None else cpus:
                mapping.setdefault(n, policy)
        return mapping

    def directory(self, n: int) -> str | None:
        own = os.path.join(self._cpu_dir, f"cpu{n}", "cpufreq")
        if os.path.isdir(own):
            return own
        if self._by_cpu is None:
            self._by_cpu = self._scan()
        return self._by_cpu.get(n)


def _khz(directory: str, name: str) -> float | None:
    return fs.parse_attr(os.path.join(directory, name), parse_khz)


def _text(directory: str, name: str) -> str | None:
    return fs.read_attr(os.path.join(directory, name)) or None


def _frequency(directory: str | None) -> CoreFrequency:
    if directory is None:
        return CoreFrequency()
    current = _khz(directory, "scaling_cur_freq")
    if current is None:
        current = _khz(directory, "cpuinfo_cur_freq")
    return CoreFrequency(
        hertz=current,
        min_hertz=_khz(directory, "cpuinfo_min_freq"),
        max_hertz=_khz(directory, "cpuinfo_max_freq"),
        scaling_min_hertz=_khz(directory, "scaling_min_freq"),
        scaling_max_hertz=_khz(directory, "scaling_max_freq"),
        governor=_text(directory, "scaling_governor"),
        driver=_text(directory, "scaling_driver"),
    )


def _frequencies(cpu_dir: str, cpus: list[int], roots: fs.Roots) -> dict[int, CoreFrequency]:
    """Each CPU's clock; a policy shared by several CPUs is read once. Where cpufreq gives no
    current clock, ``/proc/cpuinfo`` ``cpu MHz`` (read only then) fills it in."""
    policies = _Policies(cpu_dir)
    by_dir: dict[str | None, CoreFrequency] = {}
    result = {}
    for n in cpus:
        directory = policies.directory(n)
        if directory not in by_dir:
            by_dir[directory] = _frequency(directory)
        result[n] = by_dir[directory]
    if any(f.hertz is None for f in result.values()):
        fallback = parse_optional(roots.proc("cpuinfo"), parse_cpu_mhz) or {}
        for n, freq in result.items():
            if freq.hertz is None and fallback.get(n) is not None:
                result[n] = msgspec.structs.replace(freq, hertz=fallback[n])
    return result


class _Layout(msgspec.Struct, frozen=True):
    """What changes only when CPUs come or go: identity, topology and hybrid clusters."""

    model: str | None
    vendor: str | None
    architecture: str
    topology: dict[int, _Topology]
    physical_count: int | None
    package_count: int | None
    clusters: dict[int, str]


#: Layouts by the content of the ``online`` file; re-read whenever the online set changes.
_LAYOUTS: MemoSpec[bytes | None, _Layout] = MemoSpec("cpu.layouts", maxsize=16)


def _read_layout(roots: fs.Roots, cpu_dir: str) -> _Layout:
    info = parse_optional(roots.proc("cpuinfo"), parse_cpuinfo)
    topology = _sysfs_topology(cpu_dir)
    from_sysfs = bool(topology)
    if not from_sysfs:
        topology = _cpuinfo_topology(info)
    physical_count, package_count = _counts(topology, info, from_sysfs)
    return _Layout(
        model=info.model if info else None,
        vendor=info.vendor if info else None,
        architecture=_architecture(roots),
        topology=topology,
        physical_count=physical_count,
        package_count=package_count,
        clusters=_clusters(roots),
    )


def _layout(roots: fs.Roots, cpu_dir: str, online_raw: bytes | None) -> _Layout:
    memo = _LAYOUTS.of(roots)
    layout = memo.get(online_raw)
    if layout is None:
        layout = _read_layout(roots, cpu_dir)
        memo.put(online_raw, layout)
    return layout


def _online_test(
    cpu_dir: str, online: tuple[int, ...] | None, offline: tuple[int, ...] | None
) -> Callable[[int], bool]:
    online_set = set(online) if online else None
    offline_set = set(offline) if offline is not None else None

    def is_online(n: int) -> bool:
        if online_set is not None:
            return n in online_set
        path = os.path.join(cpu_dir, f"cpu{n}", "online")
        flag = fs.read_attr(path)
        if flag in ("0", "1"):
            return flag == "1"
        if flag:  # malformed: logged, and the answer comes from the offline list as if absent
            log.debug("bad attribute %s: %r", path, flag[:40])
        return offline_set is None or n not in offline_set

    return is_online


def _architecture(roots: fs.Roots) -> str:
    arch = fs.read_attr(roots.proc("sys", "kernel", "arch"))
    return arch or platform.machine()


def read_cpu(roots: fs.Roots) -> CPU:
    """The machine's processors as one :class:`~darwin_metrics.records.cpu.CPU` record.

    Model, vendor, architecture, topology and clusters are read once per roots and read again
    whenever ``/sys/devices/system/cpu/online`` changes (CPU hotplug); everything else is read on
    every call.

    Raises :class:`~darwin_metrics.errors.NotSupported` when ``/proc/stat`` is absent,
    :class:`~darwin_metrics.errors.AccessDenied` when it is unreadable, and
    :class:`~darwin_metrics.errors.ParseError` (naming the file) for a malformed file.
    ``effective_cpus`` is the cgroup v2 CPU quota in CPUs (smallest ``cpu.max`` quota/period on this
    process's cgroup path; ``None`` when unlimited or on cgroup v1), from
    :mod:`darwin_metrics.linux.owncgroup`.
    """
    stat_path = roots.proc("stat")
    stat = parse_stat(read_required(stat_path), stat_path, ticks_per_second=user_hz())
    load = parse_optional(roots.proc("loadavg"), parse_loadavg)

    cpu_dir = roots.sys("devices", "system", "cpu")
    online_path = os.path.join(cpu_dir, "online")
    online_raw = attr_bytes(online_path)
    online = _parsed(online_raw, online_path, parse_cpulist)
    layout = _layout(roots, cpu_dir, online_raw)
    offline = None if online else _cpulist_file(os.path.join(cpu_dir, "offline"))
    is_online = _online_test(cpu_dir, online, offline)
    frequencies = _frequencies(cpu_dir, [n for n, _ in stat.per_cpu], roots)

    cores = []
    for n, times in stat.per_cpu:
        topo = layout.topology.get(n)
        cores.append(
            Core(
                index=n,
                times=times,
                frequency=frequencies[n],
                package=topo.package if topo else None,
                core_id=topo.core if topo else None,
                cluster=layout.clusters.get(n),
                online=is_online(n),
            )
        )

    return CPU(
        model=layout.model,
        vendor=layout.vendor,
        architecture=layout.architecture,
        logical_count=len(online) if online else len(stat.per_cpu),
        physical_count=layout.physical_count,
        package_count=layout.package_count,
        times=stat.total,
        cores=tuple(cores),
        load=load,
        context_switches=stat.context_switches,
        interrupts=stat.interrupts,
        soft_interrupts=stat.soft_interrupts,
        forks=stat.forks,
        procs_running=stat.procs_running,
        procs_blocked=stat.procs_blocked,
        boot_time=float(stat.boot_time) if stat.boot_time is not None else None,
        effective_cpus=cpu_limit(roots),
    )
