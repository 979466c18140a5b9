"""The calling process's own cgroup v2 limits, for ``cpu().effective_cpus`` and
``memory().limit_bytes``.

Same answers as :func:`darwin_metrics.linux.cgroup.container_memory_limit` and
:func:`~darwin_metrics.linux.cgroup.container_cpu_limit`, cheaper per call: where the cgroup
directory is (:func:`~darwin_metrics.linux.cgroup.cgroup_directory`, which scans the mount table)
depends only on the process's ``cgroup`` file and the mount table, so it is remembered per roots
and looked up again only when that file's bytes or the mount table
(:class:`~darwin_metrics.linux.mounts.MountTable`, which the kernel tells about changes) differ.
The ``cgroup`` file is read on every call, since another process may move this one to another
cgroup at any time, and so are the limit files themselves.
"""

from __future__ import annotations

import os
from _thread import allocate_lock
from functools import lru_cache

from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.linux import fs
from darwin_metrics.linux.cgroup import cgroup_directory, effective_cpus, effective_memory_limit
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.mounts import MountTable, mount_table

#: roots → ((cgroup file bytes, mount table generation), (directory, mount directory) or None).
_places: dict[Roots, tuple[tuple[bytes, int], tuple[str, str] | None]] = {}
_lock = allocate_lock()


@lru_cache(maxsize=16)
def _sources(roots: Roots) -> tuple[str, MountTable]:
    """This process's ``cgroup`` file under ``roots``, and the mount table there."""
    return roots.proc("self", "cgroup"), mount_table(roots)


def _own_pid(roots: Roots) -> int:
    """This process's pid as the procfs root numbers it (``self`` there)."""
    try:
        return int(os.path.basename(os.readlink(roots.proc("self"))))
    except (OSError, ValueError):
        return os.getpid()


def own_cgroup(roots: Roots) -> tuple[str, str] | None:
    """``(directory, mount directory)`` of this process's cgroup v2; ``None`` where there is none
    (cgroup v1 only, no cgroup2 mount, unreadable files)."""
    path, table = _sources(roots)
    data = fs.read_optional(path)
    if data is None:
        return None
    _, generation = table.current()
    key = (data, generation)
    cached = _places.get(roots)
    if cached is not None and cached[0] == key:
        return cached[1]
    place: tuple[str, str] | None
    try:
        _, directory, mount_dir, _ = cgroup_directory(roots, _own_pid(roots))
        place = (directory, mount_dir)
    except (DarwinMetricsError, OSError):
        place = None
    # Keep the answer only if neither input changed while it was worked out.
    if fs.read_optional(path) == data:
        with _lock:
            if len(_places) >= 64:
                _places.clear()
            _places[roots] = (key, place)
    return place


def memory_limit(roots: Roots) -> int | None:
    """The effective ``memory.max`` of this process's cgroup v2 in bytes; ``None`` when unlimited,
    without cgroup v2, or unreadable."""
    place = own_cgroup(roots)
    if place is None:
        return None
    try:
        return effective_memory_limit(*place)
    except (DarwinMetricsError, OSError):
        return None


def cpu_limit(roots: Roots) -> float | None:
    """The effective ``cpu.max`` quota of this process's cgroup v2 in CPUs; ``None`` when
    unlimited, without cgroup v2, or unreadable."""
    place = own_cgroup(roots)
    if place is None:
        return None
    try:
        return effective_cpus(*place)
    except (DarwinMetricsError, OSError):
        return None
