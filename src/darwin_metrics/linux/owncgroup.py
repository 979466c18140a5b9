"""The calling process's own cgroup v2 limits, for ``cpu().effective_cpus`` and
``memory().limit_bytes``.

Same answers as :func:`darwin_metrics.linux.cgroup.container_memory_limit` and
:func:`~darwin_metrics.linux.cgroup.container_cpu_limit`, cheaper per call: where the cgroup
directory is (:func:`~darwin_metrics.linux.cgroup.cgroup_directory`, which scans the mount table)
depends only on the process's ``cgroup`` file and the mount table, so the backend remembers it
(:mod:`darwin_metrics.linux.memo`) and looks it up again only when that file's bytes or the mount table
(:class:`~darwin_metrics.linux.mounts.MountTable`, which the kernel tells about changes) differ.
The ``cgroup`` file is read on every call, since another process may move this one to another
cgroup at any time, and so are the limit files themselves.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.linux import fs
from darwin_metrics.linux.cgroup import cgroup_directory, effective_cpus, effective_memory_limit
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.memo import MemoSpec
from darwin_metrics.linux.mounts import MountTable, mount_table


class _Place(NamedTuple):
    """This process's ``cgroup`` file and mount table under a roots, and the last answer with what
    it was worked out from."""

    path: str
    table: MountTable
    key: tuple[bytes, int] | None = None  # (cgroup file bytes, mount table generation)
    place: tuple[str, str] | None = None  # (directory, mount directory)


#: The one :class:`_Place` of a backend (the key is always ``self``).
_PLACES: MemoSpec[str, _Place] = MemoSpec("owncgroup.places", maxsize=1)


def _own_pid(roots: Roots) -> int:
    """This process's pid as the procfs root numbers it (``self`` there)."""
    try:
        return int(os.path.basename(os.readlink(roots.proc("self"))))
    except (OSError, ValueError):
        return os.getpid()


def own_cgroup(roots: Roots) -> tuple[str, str] | None:
    """``(directory, mount directory)`` of this process's cgroup v2; ``None`` where there is none
    (cgroup v1 only, no cgroup2 mount, unreadable files)."""
    memo = _PLACES.of(roots)
    last = memo.get("self")
    if last is None:
        last = _Place(roots.proc("self", "cgroup"), mount_table(roots))
    data = fs.read_optional(last.path)
    if data is None:
        return None
    _, generation = last.table.current()
    key = (data, generation)
    if last.key == key:
        return last.place
    place: tuple[str, str] | None
    try:
        _, directory, mount_dir, _ = cgroup_directory(roots, _own_pid(roots))
        place = (directory, mount_dir)
    except (DarwinMetricsError, OSError):
        place = None
    # Keep the answer only if neither input changed while it was worked out.
    if fs.read_optional(last.path) == data:
        memo.put("self", last._replace(key=key, place=place))
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
