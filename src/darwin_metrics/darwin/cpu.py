"""CPU on macOS: sysctl identity, device-tree clusters and ``pmgr`` frequency tables (read once),
``host_processor_info`` per-core ticks, psutil's counters since boot, the load average, and on
Apple Silicon each core's frequency from IOReport residencies (:class:`CoreFrequencies`)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from darwin_metrics.darwin.decode import cpu as decode
from darwin_metrics.darwin.decode import ioreport
from darwin_metrics.darwin.decode.common import c_string, integer
from darwin_metrics.darwin.ffi import iokit, libc
from darwin_metrics.darwin.ffi.ioreport import StateReport
from darwin_metrics.errors import DarwinMetricsError, NotSupported
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.cpu import CPU

log = get_logger(__name__)

_lock = threading.Lock()
_static: tuple[dict[str, Any], decode.Topology, dict[int, tuple[float, ...]]] | None = None


def read_sysctl_values() -> dict[str, Any]:
    """The CPU sysctls of :mod:`darwin_metrics.darwin.decode.cpu`, absent names left out."""
    values: dict[str, Any] = {}
    for name in decode.SYSCTL_INTEGERS:
        raw = libc.sysctl_optional(name)
        number = integer(raw) if raw is not None else None
        if number is not None:
            values[name] = number
    for name in decode.SYSCTL_STRINGS:
        raw = libc.sysctl_optional(name)
        if raw is not None:
            values[name] = c_string(raw)
    for level in range(min(int(values.get("hw.nperflevels") or 0), 16)):
        for key in decode.PERFLEVEL_INTEGERS:
            raw = libc.sysctl_optional(f"hw.perflevel{level}.{key}")
            number = integer(raw) if raw is not None else None
            if number is not None:
                values[f"hw.perflevel{level}.{key}"] = number
        for key in decode.PERFLEVEL_STRINGS:
            raw = libc.sysctl_optional(f"hw.perflevel{level}.{key}")
            if raw is not None:
                values[f"hw.perflevel{level}.{key}"] = c_string(raw)
    return values


def read_architecture() -> str:
    """``arm64`` or ``x86_64`` for the machine, also from a process under Rosetta."""
    values = {}
    for name in ("sysctl.proc_translated", "hw.optional.arm64", "hw.cputype"):
        raw = libc.sysctl_optional(name)
        if raw is not None:
            values[name] = integer(raw)
    return decode.architecture(values)


def _pmgr() -> Mapping[str, Any] | None:
    found = iokit.each_service(
        "AppleARMIODevice",
        lambda entry: iokit.properties(entry) if iokit.name(entry) == "pmgr" else None,
    )
    return found[0] if found else None


def read_registry() -> tuple[
    Mapping[str, Any] | None, list[dict[str, Any]], Mapping[str, Any] | None
]:
    """The ``cpus`` node, its ``cpuN`` children and the ``pmgr`` node (Apple Silicon only).

    Missing nodes (Intel Macs, virtual machines) give ``None``/``[]``.
    """
    try:
        cpus = iokit.path_properties("IODeviceTree:/cpus")
        children = iokit.children_properties("IODeviceTree:/cpus") if cpus is not None else []
        return cpus, children, _pmgr()
    except (OSError, DarwinMetricsError) as exc:
        log.debug("CPU registry nodes unavailable: %s", exc)
        return None, [], None


def static_info() -> tuple[dict[str, Any], decode.Topology]:
    """Identity and topology, which do not change while the machine runs: read once."""
    values, topo, _tables = _static_all()
    return values, topo


def _static_all() -> tuple[dict[str, Any], decode.Topology, dict[int, tuple[float, ...]]]:
    global _static
    if _static is None:
        with _lock:
            if _static is None:
                values = read_sysctl_values()
                cpus, children, pmgr = (
                    read_registry() if decode.architecture(values) == "arm64" else (None, [], None)
                )
                topo = decode.topology(values, cpus, children, pmgr)
                _static = (values, topo, decode.core_tables(topo, pmgr))
    return _static


class CoreFrequencies:
    """Per-core average frequency between consecutive readings, from IOReport's ``CPU Core
    Performance States`` residencies mapped onto the ``pmgr`` tables (Apple Silicon). The first
    reading, Intel Macs and machines without IOReport give none (remembered)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._report: StateReport | None = None
        self._unavailable = False

    def close(self) -> None:
        """Release the IOReport subscription."""
        with self._lock:
            if self._report is not None:
                self._report.close()
                self._report = None

    def read(self) -> dict[int, float]:
        """Core index → Hz over the interval since the previous call (cores without one left out)."""
        _values, topo, tables = _static_all()
        if not tables:
            return {}
        with self._lock:
            if self._unavailable:
                return {}
            try:
                if self._report is None:
                    self._report = StateReport()
                channels = self._report.delta()
            except (OSError, DarwinMetricsError) as exc:
                self._unavailable = isinstance(exc, NotSupported)
                log.debug("IOReport CPU states: %s", exc)
                return {}
        if channels is None:
            return {}
        found = ioreport.core_residencies(channels, topo.core_cluster, tables)
        return {core: r.hertz for core, r in found.items() if r.hertz is not None}


def read_cpu(frequencies: CoreFrequencies | None = None) -> CPU:
    """The CPU record: per-core times from ``host_processor_info``, the rest as described above;
    ``frequencies`` adds each core's current frequency (IOReport, from the second reading on)."""
    import psutil

    values, topology = static_info()
    core_hertz = frequencies.read() if frequencies is not None else None
    times = decode.tick_times(libc.cpu_load_ticks())
    stats = psutil.cpu_stats()
    return decode.build_cpu(
        values,
        times,
        topology,
        load=os.getloadavg(),
        context_switches=int(stats.ctx_switches),
        interrupts=int(stats.interrupts),
        soft_interrupts=int(stats.soft_interrupts),
        boot_time=float(psutil.boot_time()),
        core_hertz=core_hertz,
    )
