"""CPU lists: the sysfs range format (``0-3,8``, as in ``/sys/devices/system/cpu/online`` and
``/sys/devices/cpu_core/cpus``) and the space-separated form of cpufreq's ``affected_cpus``
(``0 1 2 3``). Both are accepted: items are separated by commas or blanks, each ``N`` or ``A-B``.
"""

from __future__ import annotations

from darwin_metrics.errors import ParseError

#: Larger than any kernel's ``NR_CPUS``; bounds the work a corrupt file can cause.
MAX_CPU = 65535


def parse_cpulist(data: bytes, source: str) -> tuple[int, ...]:
    """The CPU numbers, ascending and without repeats; an empty file is an empty tuple.

    Raises :class:`ParseError` for an item that is not ``N`` or ``A-B`` with ``A <= B``, or a number
    above :data:`MAX_CPU`.
    """
    cpus: set[int] = set()
    for item in data.replace(b",", b" ").split():
        first, dash, last = item.partition(b"-")
        lo = _number(first, item, source)
        hi = _number(last, item, source) if dash else lo
        if hi < lo:
            raise ParseError(source, f"descending range {item[:40]!r}")
        cpus.update(range(lo, hi + 1))
    return tuple(sorted(cpus))


def _number(token: bytes, item: bytes, source: str) -> int:
    if not token.isdigit() or len(token) > 5 or int(token) > MAX_CPU:
        raise ParseError(source, f"not a CPU number or range: {item[:40]!r}")
    return int(token)
