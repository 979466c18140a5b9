"""``/proc/stat``: CPU times per mode, and the system-wide counters (``proc(5)``).

Format: ``cpu`` (all CPUs) and ``cpuN`` lines with up to ten columns in USER_HZ ticks — ``user nice
system idle iowait irq softirq steal guest guest_nice`` (older kernels print fewer; columns past the
tenth are ignored) — then ``intr`` (total first, then per IRQ), ``ctxt``, ``btime`` (seconds since the
epoch), ``processes`` (forks since boot), ``procs_running``, ``procs_blocked`` and ``softirq`` (total
first). Offline CPUs have no ``cpuN`` line, so CPU numbers can have gaps.
"""

from __future__ import annotations

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import U64_MAX, u64
from darwin_metrics.records.cpu import CPUTimes

#: Digits of the largest unsigned 64-bit number: a column with fewer always fits.
_U64_DIGITS = len(str(U64_MAX))
#: Fewest columns a ``cpu`` line may have: ``user nice system idle`` (Linux 2.4 and later).
_MIN_COLUMNS = 4
#: Lines whose value is one counter.
_SCALARS = {
    b"ctxt": "context_switches",
    b"btime": "boot_time",
    b"processes": "forks",
    b"procs_running": "procs_running",
    b"procs_blocked": "procs_blocked",
}


class ProcStat(msgspec.Struct, frozen=True):
    """What ``/proc/stat`` says. Times in seconds; counters since boot; ``boot_time`` in seconds
    since the epoch. ``per_cpu`` is ``(cpu number, times)`` in ascending CPU order."""

    total: CPUTimes
    per_cpu: tuple[tuple[int, CPUTimes], ...]
    interrupts: int | None = None
    soft_interrupts: int | None = None
    context_switches: int | None = None
    boot_time: int | None = None
    forks: int | None = None
    procs_running: int | None = None
    procs_blocked: int | None = None


def _times(columns: list[bytes], hz: int, source: str, label: str) -> CPUTimes:
    if len(columns) < _MIN_COLUMNS:
        raise ParseError(source, f"{label}: {len(columns)} columns, need at least {_MIN_COLUMNS}")
    columns = columns[:10]
    if b"".join(columns).isdigit() and max(map(len, columns)) < _U64_DIGITS:
        ticks = list(map(int, columns))  # all decimal and too short to overflow 64 bits
    else:
        ticks = [u64(c, source, label) for c in columns]

    # Seconds per column; the columns an older kernel does not print are None.
    t: list[float | None] = [tick / hz for tick in ticks]
    t += [None] * (10 - len(t))
    return CPUTimes(
        user=ticks[0] / hz,
        nice=ticks[1] / hz,
        system=ticks[2] / hz,
        idle=ticks[3] / hz,
        iowait=t[4],
        irq=t[5],
        softirq=t[6],
        steal=t[7],
        guest=t[8],
        guest_nice=t[9],
    )


def parse_stat(data: bytes, source: str = "/proc/stat", *, ticks_per_second: int = 100) -> ProcStat:
    """Parse ``/proc/stat``; ticks are divided by ``ticks_per_second`` (USER_HZ) to give seconds.

    Raises :class:`ParseError` when the ``cpu`` line or every ``cpuN`` line is missing, a column
    is not an unsigned 64-bit integer, a CPU appears twice, or a known counter line is malformed.
    Unknown lines are ignored.
    """
    if ticks_per_second <= 0:
        raise ValueError("ticks_per_second must be positive")
    total: CPUTimes | None = None
    per_cpu: dict[int, CPUTimes] = {}
    counters: dict[str, int] = {}
    for line in data.split(b"\n"):
        key, _, rest = line.strip().partition(b" ")
        if not key:
            continue
        if key.startswith(b"cpu"):
            suffix = key[3:]
            if not suffix:
                if total is not None:
                    raise ParseError(source, "two 'cpu' lines")
                total = _times(rest.split(), ticks_per_second, source, "cpu")
                continue
            if not suffix.isdigit() or len(suffix) > 9:
                raise ParseError(source, f"bad CPU line {key[:40]!r}")
            index = int(suffix)
            if index in per_cpu:
                raise ParseError(source, f"cpu{index} appears twice")
            per_cpu[index] = _times(rest.split(), ticks_per_second, source, f"cpu{index}")
        elif key in (b"intr", b"softirq"):
            first = rest.split(None, 1)
            if not first:
                raise ParseError(source, f"{key.decode()}: no total")
            name = "interrupts" if key == b"intr" else "soft_interrupts"
            counters[name] = u64(first[0], source, key.decode())
        elif key in _SCALARS:
            values = rest.split()
            if len(values) != 1:
                raise ParseError(source, f"{key.decode()}: expected one value")
            counters[_SCALARS[key]] = u64(values[0], source, key.decode())
    if total is None:
        raise ParseError(source, "no 'cpu' line")
    if not per_cpu:
        raise ParseError(source, "no 'cpuN' lines")
    return ProcStat(total=total, per_cpu=tuple(sorted(per_cpu.items())), **counters)
