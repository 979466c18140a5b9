"""The cgroup v2 of a process: where it is, its limits, its usage and pressure.

1. ``/proc/PID/cgroup`` gives the path (the ``0::/path`` line). A process with no such line lives
   on a cgroup v1 system: :class:`NotSupported` (v1 limits are not guessed at).
2. The cgroup2 mount comes from ``/proc/self/mountinfo`` (fs type ``cgroup2``; on hybrid systems
   usually ``/sys/fs/cgroup/unified``), falling back to ``<sysfs>/fs/cgroup``. A mount point under
   ``/sys`` is re-rooted onto the sysfs root, so captured trees work.
3. The files of ``<mount>/<path>/`` fill the record; effective limits (``memory.max``, ``cpu.max``)
   are the smallest along the path from the mount's root down to the cgroup, since a parent's limit
   binds its children.
"""

from __future__ import annotations

import os

from darwin_metrics.errors import DarwinMetricsError, NoSuchProcess, NotSupported, ParseError
from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers.cgroup import (
    parse_controllers,
    parse_cpu_max,
    parse_flat_keyed,
    parse_io_stat,
    parse_limit,
    parse_proc_cgroup,
)
from darwin_metrics.linux.parsers.cpulist import parse_cpulist
from darwin_metrics.linux.parsers.mountinfo import parse_mountinfo_line
from darwin_metrics.linux.parsers.pressure import parse_pressure
from darwin_metrics.records.cgroup import (
    CGroup,
    CGroupCPU,
    CGroupIO,
    CGroupMemory,
    CGroupPids,
    CGroupPressure,
)
from darwin_metrics.records.memory import PressureStall

_USEC = 1_000_000  # microseconds per second


def find_cgroup2_mount(roots: Roots) -> tuple[str, str] | None:
    """``(directory, root)`` of the cgroup2 mount seen by this process, re-rooted onto ``roots``.

    ``root`` is the mount's root within the hierarchy (``/`` unless a subtree is bind-mounted).
    ``None`` when there is no cgroup2 file system.
    """
    path = roots.proc("self", "mountinfo")
    data = fs.read_optional(path)
    if data is not None:
        for line in data.split(b"\n"):
            if b" - cgroup2 " not in line:
                continue
            try:
                mount = parse_mountinfo_line(line, path)
            except ParseError:
                continue
            if mount.fs_type == "cgroup2":
                return _reroot(roots, mount.mount_point), mount.root
    fallback = roots.sys("fs", "cgroup")
    if os.path.exists(os.path.join(fallback, "cgroup.controllers")):
        return fallback, "/"
    return None


def _reroot(roots: Roots, mount_point: str) -> str:
    if roots.sysfs == fs.DEFAULT_SYSFS:
        return mount_point
    if mount_point == "/sys" or mount_point.startswith("/sys/"):
        return os.path.join(roots.sysfs, mount_point[len("/sys/") :])
    return roots.sys("fs", "cgroup")


def _resolve_pid(roots: Roots, pid: int | None) -> int:
    if pid is not None:
        return pid
    try:
        return int(os.path.basename(os.readlink(roots.proc("self"))))
    except (OSError, ValueError):
        return os.getpid()


def cgroup_directory(roots: Roots, pid: int) -> tuple[str, str, str, dict[str, str]]:
    """``(path, directory, mount directory, v1 hierarchies)`` of process ``pid``'s cgroup.

    Raises :class:`NoSuchProcess`, or :class:`NotSupported` on a cgroup v1 system.
    """
    source = roots.proc(str(pid), "cgroup")
    data = fs.read_optional(source)
    if data is None:
        if not os.path.isdir(roots.proc(str(pid))):
            raise NoSuchProcess(pid)
        raise NotSupported(f"{source} is not available (kernel without cgroups)")
    info = parse_proc_cgroup(data, source)
    if info.v2_path is None:
        raise NotSupported("this system runs cgroup v1 only; cgroup v1 limits are not reported")
    mount = find_cgroup2_mount(roots)
    if mount is None:
        raise NotSupported("no cgroup2 file system is mounted")
    mount_dir, mount_root = mount
    path = info.v2_path
    relative = path
    if mount_root != "/" and (path == mount_root or path.startswith(mount_root + "/")):
        relative = path[len(mount_root) :]
    directory = os.path.normpath(os.path.join(mount_dir, relative.lstrip("/")))
    if not (directory == mount_dir or directory.startswith(mount_dir.rstrip("/") + "/")):
        raise NotSupported(f"cgroup path {path!r} lies outside the cgroup2 mount")
    return path, directory, mount_dir, info.v1


def _read(directory: str, name: str) -> tuple[bytes | None, str]:
    path = os.path.join(directory, name)
    return fs.read_optional(path), path


def _limit(directory: str, name: str) -> tuple[bool, int | None]:
    """(file present, value) for a single-value limit file."""
    data, path = _read(directory, name)
    if data is None:
        return False, None
    return True, parse_limit(data, path)


def _value(directory: str, name: str) -> int | None:
    return _limit(directory, name)[1]


def _keyed(directory: str, name: str) -> dict[str, int] | None:
    data, path = _read(directory, name)
    return parse_flat_keyed(data, path) if data is not None else None


def _cpu_max(directory: str) -> tuple[int | None, int] | None:
    data, path = _read(directory, "cpu.max")
    return parse_cpu_max(data, path) if data is not None else None


def _ancestors(directory: str, mount_dir: str) -> list[str]:
    """``directory`` and its parents up to and including the mount's root directory."""
    chain = [directory]
    top = os.path.normpath(mount_dir)
    current = directory
    while current != top and current.startswith(top):
        parent = os.path.dirname(current)
        if parent == current:
            break
        chain.append(parent)
        current = parent
    return chain


def effective_memory_limit(directory: str, mount_dir: str) -> int | None:
    """The smallest ``memory.max`` from ``directory`` up to the mount root; ``None`` = no limit."""
    limit: int | None = None
    for d in _ancestors(directory, mount_dir):
        value = _value(d, "memory.max")
        if value is not None and (limit is None or value < limit):
            limit = value
    return limit


def effective_cpus(directory: str, mount_dir: str) -> float | None:
    """The smallest ``quota / period`` from ``directory`` up to the mount root (CPUs' worth of
    time); ``None`` when no ``cpu.max`` on the path sets a quota."""
    best: float | None = None
    for d in _ancestors(directory, mount_dir):
        cpu_max = _cpu_max(d)
        if cpu_max is None or cpu_max[0] is None:
            continue
        share = cpu_max[0] / cpu_max[1]
        if best is None or share < best:
            best = share
    return best


def _memory(directory: str, mount_dir: str) -> CGroupMemory:
    events = _keyed(directory, "memory.events") or {}
    stat = _keyed(directory, "memory.stat") or {}
    low = _value(directory, "memory.low")
    minimum = _value(directory, "memory.min")
    return CGroupMemory(
        used=_value(directory, "memory.current"),
        max=_value(directory, "memory.max"),
        high=_value(directory, "memory.high"),
        low=low,
        min=minimum,
        limit=effective_memory_limit(directory, mount_dir),
        peak=_value(directory, "memory.peak"),
        swap_used=_value(directory, "memory.swap.current"),
        swap_max=_value(directory, "memory.swap.max"),
        anon=stat.get("anon"),
        file=stat.get("file"),
        inactive_file=stat.get("inactive_file"),
        oom=events.get("oom"),
        oom_kill=events.get("oom_kill"),
        max_events=events.get("max"),
        high_events=events.get("high"),
    )


def _cpu(directory: str, mount_dir: str, cpuset: bool) -> CGroupCPU:
    stat = _keyed(directory, "cpu.stat") or {}
    cpu_max = _cpu_max(directory)
    weight = _value(directory, "cpu.weight")
    cpus: tuple[int, ...] | None = None
    if cpuset:
        data, path = _read(directory, "cpuset.cpus.effective")
        if data is not None:
            cpus = parse_cpulist(data, path)

    def seconds(key: str) -> float | None:
        value = stat.get(key)
        return value / _USEC if value is not None else None

    return CGroupCPU(
        quota=cpu_max[0] / _USEC if cpu_max and cpu_max[0] is not None else None,
        period=cpu_max[1] / _USEC if cpu_max else None,
        effective_cpus=effective_cpus(directory, mount_dir),
        weight=weight,
        usage=seconds("usage_usec"),
        user=seconds("user_usec"),
        system=seconds("system_usec"),
        periods=stat.get("nr_periods"),
        throttled_periods=stat.get("nr_throttled"),
        throttled=seconds("throttled_usec"),
        cpus=cpus,
    )


def _device_name(roots: Roots, device: str) -> str | None:
    data = fs.read_optional(roots.sys("dev", "block", device, "uevent"))
    if data is None:
        return None
    for line in data.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition("=")
        if key == "DEVNAME" and value:
            return value
    return None


def _io(roots: Roots, directory: str) -> tuple[CGroupIO, ...] | None:
    data, path = _read(directory, "io.stat")
    if data is None:
        return None
    return tuple(
        CGroupIO(
            device=device,
            name=_device_name(roots, device),
            read_bytes=stats.get("rbytes"),
            write_bytes=stats.get("wbytes"),
            reads=stats.get("rios"),
            writes=stats.get("wios"),
            discard_bytes=stats.get("dbytes"),
            discards=stats.get("dios"),
        )
        for device, stats in parse_io_stat(data, path)
    )


def _psi(directory: str, name: str) -> PressureStall | None:
    data, path = _read(directory, name)
    if data is None or not data.strip():
        return None
    return parse_pressure(data, path)


def read_cgroup(roots: Roots, pid: int | None = None) -> CGroup:
    """The cgroup v2 record of process ``pid`` (default: the calling process).

    Raises :class:`NoSuchProcess` for a missing process and :class:`NotSupported` on a cgroup v1
    system or where no cgroup2 file system is mounted; :class:`ParseError` for a malformed file.
    """
    pid = _resolve_pid(roots, pid)
    path, directory, mount_dir, v1 = cgroup_directory(roots, pid)
    if not os.path.isdir(directory):
        raise NotSupported(f"cgroup directory {directory} is not visible from here")
    data, source = _read(directory, "cgroup.controllers")
    controllers = parse_controllers(data, source) if data is not None else ()
    has_cpu = "cpu" in controllers or os.path.exists(os.path.join(directory, "cpu.stat"))
    pressure = CGroupPressure(
        cpu=_psi(directory, "cpu.pressure"),
        memory=_psi(directory, "memory.pressure"),
        io=_psi(directory, "io.pressure"),
    )
    return CGroup(
        pid=pid,
        path=path,
        directory=directory,
        controllers=controllers,
        memory=_memory(directory, mount_dir) if "memory" in controllers else None,
        cpu=_cpu(directory, mount_dir, "cpuset" in controllers) if has_cpu else None,
        pids=(
            CGroupPids(count=_value(directory, "pids.current"), max=_value(directory, "pids.max"))
            if "pids" in controllers
            else None
        ),
        io=_io(roots, directory) if "io" in controllers else None,
        pressure=pressure if any((pressure.cpu, pressure.memory, pressure.io)) else None,
        v1_controllers=tuple(sorted(c for c in v1 if not c.startswith("name="))),
    )


def _own_cgroup(roots: Roots) -> tuple[str, str]:
    _, directory, mount_dir, _ = cgroup_directory(roots, _resolve_pid(roots, None))
    return directory, mount_dir


def container_memory_limit(roots: Roots) -> int | None:
    """The calling process's effective cgroup v2 memory limit in bytes, for ``memory()``.

    Never raises: ``None`` where there is no cgroup v2, no limit, or the files cannot be read.
    """
    try:
        return effective_memory_limit(*_own_cgroup(roots))
    except (DarwinMetricsError, OSError):
        return None


def container_cpu_limit(roots: Roots) -> float | None:
    """The calling process's effective cgroup v2 CPU quota in CPUs (``quota / period``), for
    ``cpu()``. Never raises: ``None`` where there is no cgroup v2, no quota, or no access."""
    try:
        return effective_cpus(*_own_cgroup(roots))
    except (DarwinMetricsError, OSError):
        return None
