"""Pressure-stall information (PSI): ``/proc/pressure/{cpu,memory,io,irq}`` and the cgroup v2
``<group>/{cpu,memory,io,irq}.pressure`` files, which share one format
(``Documentation/accounting/psi.rst``)::

    some avg10=0.10 avg60=2.00 avg300=3.85 total=15
    full avg10=0.20 avg60=3.00 avg300=4.95 total=25

``avg*`` are percentages of wall time over 10, 60 and 300 seconds; ``total`` is the cumulative stall
time in microseconds. ``cpu`` has only ``some`` before Linux 5.13 and ``irq`` has only ``full``.
"""

from __future__ import annotations

import re

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import decimal, u64
from darwin_metrics.records.memory import PressureStall

_KEYS = (b"avg10", b"avg60", b"avg300", b"total")


#: A line exactly as the kernel prints it; anything else takes the general path below.
_KERNEL_LINE = re.compile(
    rb"(some|full) avg10=(\d{1,20}\.\d{1,19}) avg60=(\d{1,20}\.\d{1,19})"
    rb" avg300=(\d{1,20}\.\d{1,19}) total=(\d{1,20})"
)


def _line(fields: list[bytes], source: str) -> tuple[float, float, float, float]:
    values: dict[bytes, bytes] = {}
    for field in fields:
        key, eq, value = field.partition(b"=")
        if not eq:
            raise ParseError(source, f"not a key=value field: {field[:40]!r}")
        values[key] = value
    missing = [k.decode() for k in _KEYS if k not in values]
    if missing:
        raise ParseError(source, f"missing {', '.join(missing)}")
    avg10, avg60, avg300 = (decimal(values[k], source, k.decode()) for k in _KEYS[:3])
    total = u64(values[b"total"], source, "total") / 1_000_000
    return avg10, avg60, avg300, total


def parse_pressure(data: bytes, source: str) -> PressureStall:
    """One PSI file as a :class:`PressureStall`: averages in percent, totals in seconds.

    Fields of a kind the file lacks (``full`` for old ``cpu``, ``some`` for ``irq``) are ``None``.
    Unknown ``key=value`` fields are ignored. Raises :class:`ParseError` for a line that is neither
    ``some`` nor ``full``, a repeated kind, a missing or malformed ``avg10``/``avg60``/``avg300``/
    ``total``, or a file with no line at all.
    """
    lines: dict[bytes, tuple[float, float, float, float]] = {}
    for line in data.split(b"\n"):
        match = _KERNEL_LINE.fullmatch(line)
        if match is not None:
            kind, avg10, avg60, avg300, total = match.groups()
            if kind in lines:
                raise ParseError(source, f"two {kind.decode()!r} lines")
            lines[kind] = (
                float(avg10),
                float(avg60),
                float(avg300),
                u64(total, source, "total") / 1_000_000,
            )
            continue
        fields = line.split()
        if not fields:
            continue
        kind = fields[0]
        if kind not in (b"some", b"full"):
            raise ParseError(source, f"unknown line kind {kind[:40]!r}")
        if kind in lines:
            raise ParseError(source, f"two {kind.decode()!r} lines")
        lines[kind] = _line(fields[1:], source)
    if not lines:
        raise ParseError(source, "no 'some' or 'full' line")
    some = lines.get(b"some")
    full = lines.get(b"full")
    return PressureStall(
        some_avg10_percent=some[0] if some else None,
        some_avg60_percent=some[1] if some else None,
        some_avg300_percent=some[2] if some else None,
        some_total=some[3] if some else None,
        full_avg10_percent=full[0] if full else None,
        full_avg60_percent=full[1] if full else None,
        full_avg300_percent=full[2] if full else None,
        full_total=full[3] if full else None,
    )
