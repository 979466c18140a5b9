"""Parsers of cgroup files (``Documentation/admin-guide/cgroup-v2.rst``).

- ``/proc/PID/cgroup``: ``hierarchy-ID:controller-list:path`` per line; the cgroup v2 line is
  ``0::/path``; other lines are cgroup v1 hierarchies (``4:memory:/docker/abc``).
- single values: ``memory.max``, ``memory.current``, ``pids.max`` ... an unsigned integer or
  ``max`` (no limit).
- ``cpu.max``: ``$MAX $PERIOD`` in microseconds, ``$MAX`` may be ``max``.
- flat keyed: ``cpu.stat``, ``memory.events``, ``memory.stat``: ``key value`` per line.
- nested keyed: ``io.stat``: ``MAJ:MIN key=value key=value ...`` per device.
- ``cgroup.controllers``: space-separated controller names.
"""

from __future__ import annotations

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import u64


class ProcCGroup(msgspec.Struct, frozen=True):
    """``/proc/PID/cgroup``: the v2 path (``None`` when the process is in no v2 hierarchy) and the
    v1 hierarchies as ``{controller: path}`` (named hierarchies as ``name=systemd``)."""

    v2_path: str | None
    v1: dict[str, str]


def parse_proc_cgroup(data: bytes, source: str) -> ProcCGroup:
    """Split ``/proc/PID/cgroup`` into its v2 path and v1 hierarchies.

    Raises :class:`ParseError` for a line without two colons or with a non-numeric hierarchy id.
    """
    v2: str | None = None
    v1: dict[str, str] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw:
            continue
        parts = raw.split(b":", 2)
        if len(parts) != 3 or not parts[0].isdigit():
            raise ParseError(source, f"line {number}: not 'id:controllers:path': {raw[:60]!r}")
        path = parts[2].decode("utf-8", "surrogateescape")
        if parts[0] == b"0" and not parts[1]:
            v2 = path
            continue
        for controller in parts[1].decode("ascii", "replace").split(","):
            if controller:
                v1[controller] = path
    return ProcCGroup(v2_path=v2, v1=v1)


def parse_limit(data: bytes, source: str) -> int | None:
    """A single-value file: the integer, or ``None`` for ``max`` (no limit)."""
    token = data.strip()
    if token == b"max":
        return None
    return u64(token, source, "value")


def parse_cpu_max(data: bytes, source: str) -> tuple[int | None, int]:
    """``cpu.max`` as ``(quota, period)`` in microseconds; ``quota`` is ``None`` for ``max``."""
    fields = data.split()
    if len(fields) != 2:
        raise ParseError(source, f"expected '$MAX $PERIOD', got {data[:40]!r}")
    quota = None if fields[0] == b"max" else u64(fields[0], source, "quota")
    period = u64(fields[1], source, "period")
    if period == 0:
        raise ParseError(source, "period is 0")
    return quota, period


def parse_flat_keyed(data: bytes, source: str) -> dict[str, int]:
    """A flat keyed file (``cpu.stat``, ``memory.events``, ``memory.stat``) as ``{key: value}``."""
    values: dict[str, int] = {}
    for number, line in enumerate(data.split(b"\n"), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise ParseError(source, f"line {number}: expected 'key value'")
        values[fields[0].decode("ascii", "replace")] = u64(fields[1], source, f"line {number}")
    return values


def parse_io_stat(data: bytes, source: str) -> list[tuple[str, dict[str, int]]]:
    """``io.stat`` as ``[(\"MAJ:MIN\", {key: value})]`` in file order."""
    devices: list[tuple[str, dict[str, int]]] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        fields = line.split()
        if not fields:
            continue
        major, colon, minor = fields[0].partition(b":")
        if not colon or not major.isdigit() or not minor.isdigit():
            raise ParseError(source, f"line {number}: not a MAJ:MIN device: {fields[0][:20]!r}")
        stats: dict[str, int] = {}
        for field in fields[1:]:
            key, eq, value = field.partition(b"=")
            if not eq or not key:
                raise ParseError(source, f"line {number}: not key=value: {field[:40]!r}")
            stats[key.decode("ascii", "replace")] = u64(value, source, f"line {number}")
        devices.append((fields[0].decode("ascii"), stats))
    return devices


def parse_controllers(data: bytes, source: str) -> tuple[str, ...]:
    """``cgroup.controllers`` (or ``cgroup.subtree_control``) as a tuple of names."""
    try:
        return tuple(data.decode("ascii").split())
    except UnicodeDecodeError:
        raise ParseError(source, "not ASCII") from None
