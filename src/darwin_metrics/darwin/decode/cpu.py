"""CPU decoders: sysctl values, the ``cpus``/``cpuN`` device-tree nodes, ``pmgr`` DVFS tables and
``host_processor_info`` ticks → :class:`~darwin_metrics.records.cpu.CPU`.

Inputs are plain values: ``values`` maps sysctl names to ints or strings (as read natively, or as
printed by ``sysctl``); registry nodes are dictionaries as the CoreFoundation converter makes them
(``Data`` properties are ``bytes``).

Clusters. macOS 12+ describes performance levels in ``hw.perflevelN.*`` (level 0 is the fastest);
the device tree tells each logical CPU's ``cluster-type`` letter (``E``/``P``; M5 adds others). The
nominal frequency range of a cluster comes from the ``pmgr`` tables ``voltage-states<N>-sram``:
8-byte entries, a little-endian uint32 frequency then a voltage; the unit is Hz when the largest
entry exceeds 1e8, else kHz (M4 and later). Tables whose top state is below 2 GHz belong to the GPU
or other blocks and are ignored. Tables are matched to clusters by rank (slowest table to the slowest
level) only when their count equals the count of levels, and letters to names only for the two-tier
``E``/``P`` layout. Anything else stays ``None`` rather than guessed.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from darwin_metrics.darwin.decode.common import integer, text
from darwin_metrics.darwin.ffi.constants import (
    CLK_TCK,
    CPU_ARCH_ABI64,
    CPU_TYPE_ARM,
    CPU_TYPE_X86,
)
from darwin_metrics.errors import ParseError
from darwin_metrics.records.cpu import (
    CPU,
    Core,
    CoreFrequency,
    CPUCluster,
    CPUTimes,
    LoadAverage,
)

#: sysctls read as integers and as strings by the collector.
SYSCTL_INTEGERS = (
    "hw.ncpu",
    "hw.logicalcpu",
    "hw.physicalcpu",
    "hw.packages",
    "hw.cputype",
    "hw.optional.arm64",
    "hw.cpufrequency",
    "hw.cpufrequency_min",
    "hw.cpufrequency_max",
    "hw.nperflevels",
    "hw.tbfrequency",
    "sysctl.proc_translated",
)
SYSCTL_STRINGS = ("machdep.cpu.brand_string", "machdep.cpu.vendor", "hw.model")

#: Per-level sysctls (``hw.perflevel{N}.{key}``).
PERFLEVEL_INTEGERS = ("physicalcpu", "logicalcpu")
PERFLEVEL_STRINGS = ("name",)

#: A CPU DVFS table reaches at least this frequency (Hz); GPU and ANE tables stay below it.
CPU_TABLE_MIN_TOP = 2.0e9
_VOLTAGE_SRAM = re.compile(r"^voltage-states(\d+)-sram$")
_CORE_COUNT = re.compile(r"^([a-z])-core-count$")
_NAME_LETTER = {"Efficiency": "E", "Performance": "P"}
_LETTER_NAME = {"E": "Efficiency", "P": "Performance"}


class PerfLevel(msgspec.Struct, frozen=True, gc=False):
    """One ``hw.perflevelN``: 0 is the fastest."""

    index: int
    name: str | None
    physical: int | None
    logical: int | None


class Topology(msgspec.Struct, frozen=True, gc=False):
    """Clusters (fastest first) and, per logical CPU, its cluster letter and nominal range (Hz)."""

    clusters: tuple[CPUCluster, ...]
    core_cluster: Mapping[int, str]
    core_range: Mapping[int, tuple[float, float]]


def architecture(values: Mapping[str, Any]) -> str:
    """``arm64`` or ``x86_64`` for the machine (not the process: a Rosetta process says arm64)."""
    if integer(values.get("sysctl.proc_translated")) == 1:
        return "arm64"
    if integer(values.get("hw.optional.arm64")) == 1:
        return "arm64"
    cputype = integer(values.get("hw.cputype"))
    if cputype is not None:
        base = cputype & ~CPU_ARCH_ABI64
        if base == CPU_TYPE_ARM:
            return "arm64" if cputype & CPU_ARCH_ABI64 else "arm"
        if base == CPU_TYPE_X86:
            return "x86_64"
    return "unknown"


def vendor(values: Mapping[str, Any]) -> str | None:
    """``machdep.cpu.vendor`` (``GenuineIntel``) or ``Apple`` on Apple Silicon."""
    named = values.get("machdep.cpu.vendor")
    if isinstance(named, str) and named.strip():
        return named.strip()
    return "Apple" if architecture(values) == "arm64" else None


def perf_levels(values: Mapping[str, Any]) -> tuple[PerfLevel, ...]:
    """The ``hw.perflevelN`` levels (empty before macOS 12 and on Intel)."""
    count = integer(values.get("hw.nperflevels")) or 0
    levels = []
    for i in range(min(count, 16)):
        prefix = f"hw.perflevel{i}."
        name = values.get(prefix + "name")
        levels.append(
            PerfLevel(
                index=i,
                name=name.strip() if isinstance(name, str) and name.strip() else None,
                physical=integer(values.get(prefix + "physicalcpu")),
                logical=integer(values.get(prefix + "logicalcpu")),
            )
        )
    return tuple(levels)


def core_counts(cpus_node: Mapping[str, Any]) -> dict[str, int]:
    """``e-core-count``/``p-core-count`` (and newer letters) of the ``cpus`` node, by letter."""
    counts = {}
    for key, value in cpus_node.items():
        match = _CORE_COUNT.match(key) if isinstance(key, str) else None
        number = integer(value)
        if match and number is not None:
            counts[match.group(1).upper()] = number
    return counts


def core_clusters(cpu_nodes: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Logical CPU id → ``cluster-type`` letter, from the ``cpuN`` device-tree nodes."""
    result = {}
    for node in cpu_nodes:
        logical = integer(node.get("logical-cpu-id"))
        letter = text(node.get("cluster-type"))
        if logical is not None and letter:
            result[logical] = letter.strip()
    return result


def voltage_table(raw: bytes) -> tuple[float, ...]:
    """The frequencies (Hz, ascending as stored) of one ``voltage-states`` table; 0 Hz entries
    (a powered-off state) are dropped. The unit is picked by magnitude: Hz above 1e8, else kHz."""
    if len(raw) % 8:
        raise ParseError("pmgr voltage-states", f"{len(raw)} bytes is not a multiple of 8")
    freqs = [f for f, _ in struct.iter_unpack("<II", raw) if f]
    scale = 1.0 if freqs and max(freqs) > 1e8 else 1000.0
    return tuple(float(f) * scale for f in freqs)


def voltage_tables(pmgr: Mapping[str, Any]) -> dict[int, tuple[float, ...]]:
    """Every ``voltage-states<N>-sram`` table of the ``pmgr`` node, by N (Hz)."""
    tables = {}
    for key, value in pmgr.items():
        match = _VOLTAGE_SRAM.match(key) if isinstance(key, str) else None
        if match and isinstance(value, bytes):
            table = voltage_table(value)
            if table:
                tables[int(match.group(1))] = table
    return tables


def cpu_tables(pmgr: Mapping[str, Any]) -> list[tuple[float, ...]]:
    """The CPU cluster tables (top state >= 2 GHz), slowest cluster first."""
    tables = [t for t in voltage_tables(pmgr).values() if max(t) >= CPU_TABLE_MIN_TOP]
    return sorted(tables, key=max)


def _letter_order(letter: str) -> tuple[int, str]:
    # Fastest first: P, then letters we cannot rank, then E.
    return ({"P": 0, "E": 2}.get(letter, 1), letter)


def topology(
    values: Mapping[str, Any],
    cpus_node: Mapping[str, Any] | None,
    cpu_nodes: Sequence[Mapping[str, Any]],
    pmgr: Mapping[str, Any] | None,
) -> Topology:
    """Clusters and per-core cluster letters and nominal ranges (see the module docstring)."""
    letters = core_clusters(cpu_nodes)
    counts = core_counts(cpus_node or {})
    tables = cpu_tables(pmgr or {})
    levels = perf_levels(values)
    letter_set = set(letters.values()) | set(counts)
    two_tier = letter_set == {"E", "P"}
    letter_table: dict[str, tuple[float, ...]] = {}
    if two_tier and len(tables) == 2:
        letter_table = {"E": tables[0], "P": tables[1]}

    clusters: list[CPUCluster] = []
    if levels:
        names = {level.name for level in levels}
        simple = names == {"Performance", "Efficiency"} and letter_set <= {"E", "P"}
        ranked = len(tables) == len(levels)
        for level in levels:
            letter = _NAME_LETTER.get(level.name or "") if simple else None
            table = tables[len(tables) - 1 - level.index] if ranked else None
            if table is None and letter is not None:
                table = letter_table.get(letter)
            if letter is not None and table is not None:
                letter_table.setdefault(letter, table)
            clusters.append(
                CPUCluster(
                    name=level.name or f"perflevel{level.index}",
                    type=letter,
                    logical_count=level.logical,
                    physical_count=level.physical,
                    cores=tuple(sorted(i for i, x in letters.items() if letter and x == letter)),
                    min_hertz=min(table) if table else None,
                    max_hertz=max(table) if table else None,
                )
            )
    else:
        for letter in sorted(letter_set, key=_letter_order):
            cores = tuple(sorted(i for i, x in letters.items() if x == letter))
            table = letter_table.get(letter)
            count = counts.get(letter)
            clusters.append(
                CPUCluster(
                    name=_LETTER_NAME.get(letter, letter),
                    type=letter,
                    logical_count=count if count is not None else (len(cores) or None),
                    physical_count=count if count is not None else (len(cores) or None),
                    cores=cores,
                    min_hertz=min(table) if table else None,
                    max_hertz=max(table) if table else None,
                )
            )
    ranges = {
        i: (min(letter_table[x]), max(letter_table[x]))
        for i, x in letters.items()
        if x in letter_table
    }
    return Topology(clusters=tuple(clusters), core_cluster=letters, core_range=ranges)


def tick_times(raw: bytes) -> list[CPUTimes]:
    """Per-CPU times (s) from ``host_processor_info`` ticks: 4 uint32 per CPU, USER, SYSTEM, IDLE,
    NICE, in 1/CLK_TCK (1/100) seconds."""
    if len(raw) % 16:
        raise ParseError("host_processor_info", f"{len(raw)} bytes is not a multiple of 16")
    return [
        CPUTimes(user=u / CLK_TCK, system=s / CLK_TCK, idle=i / CLK_TCK, nice=n / CLK_TCK)
        for u, s, i, n in struct.iter_unpack("<4I", raw)
    ]


def total_times(cores: Sequence[CPUTimes]) -> CPUTimes:
    """The sum over all CPUs (s)."""
    return CPUTimes(
        user=sum(c.user for c in cores),
        nice=sum(c.nice or 0.0 for c in cores),
        system=sum(c.system for c in cores),
        idle=sum(c.idle for c in cores),
    )


def build_cpu(
    values: Mapping[str, Any],
    times: Sequence[CPUTimes],
    topo: Topology,
    *,
    load: tuple[float, float, float] | None = None,
    context_switches: int | None = None,
    interrupts: int | None = None,
    soft_interrupts: int | None = None,
    boot_time: float | None = None,
    core_hertz: Mapping[int, float] | None = None,
) -> CPU:
    """Assemble the CPU record. On Intel the per-core range is ``hw.cpufrequency_min/max``;
    ``core_hertz`` is each core's average frequency over the last interval (IOReport), where
    known."""
    intel_min = integer(values.get("hw.cpufrequency_min"))
    intel_max = integer(values.get("hw.cpufrequency_max"))
    cores = []
    for index, core_times in enumerate(times):
        low_high = topo.core_range.get(index)
        if low_high is None and intel_min is not None and intel_max is not None:
            low_high = (float(intel_min), float(intel_max))
        cores.append(
            Core(
                index=index,
                times=core_times,
                frequency=CoreFrequency(
                    hertz=(core_hertz or {}).get(index),
                    min_hertz=low_high[0] if low_high else None,
                    max_hertz=low_high[1] if low_high else None,
                ),
                package=0,
                cluster=topo.core_cluster.get(index),
            )
        )
    model = values.get("machdep.cpu.brand_string")
    logical = integer(values.get("hw.logicalcpu")) or integer(values.get("hw.ncpu")) or len(times)
    nominal = integer(values.get("hw.cpufrequency"))
    return CPU(
        model=model.strip() if isinstance(model, str) and model.strip() else None,
        vendor=vendor(values),
        architecture=architecture(values),
        logical_count=logical,
        physical_count=integer(values.get("hw.physicalcpu")),
        package_count=integer(values.get("hw.packages")),
        times=total_times(times),
        cores=tuple(cores),
        load=LoadAverage(one=load[0], five=load[1], fifteen=load[2]) if load else None,
        context_switches=context_switches,
        interrupts=interrupts,
        soft_interrupts=soft_interrupts,
        boot_time=boot_time,
        clusters=topo.clusters,
        nominal_hertz=float(nominal) if nominal else None,
    )


def core_tables(topo: Topology, pmgr: Mapping[str, Any] | None) -> dict[int, tuple[float, ...]]:
    """Each core's full DVFS table (Hz, ascending): the ``pmgr`` CPU table whose lowest and
    highest states are the core's nominal range."""
    if pmgr is None:
        return {}
    tables = cpu_tables(pmgr)
    found = {}
    for core, (low, high) in topo.core_range.items():
        match = [t for t in tables if (min(t), max(t)) == (low, high)]
        if len(match) == 1:
            found[core] = tuple(sorted(match[0]))
    return found
