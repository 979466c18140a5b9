"""Parsers of the kernel's protocol MIB counters.

- ``/proc/net/snmp`` and ``/proc/net/netstat`` (``net/ipv4/proc.c``): pairs of lines with the same
  ``Section:`` prefix, the first naming the counters, the second giving their values (decimal,
  ``MaxConn`` may be ``-1``).
- ``/proc/net/snmp6`` (``net/ipv6/proc.c``): one ``Name value`` pair per line (``Ip6InReceives``,
  ``Udp6InDatagrams``, ``Icmp6InErrors`` ...).
"""

from __future__ import annotations

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import integer


def parse_snmp(data: bytes, source: str) -> dict[str, dict[str, int]]:
    """``{section: {counter: value}}`` from ``/proc/net/snmp`` or ``/proc/net/netstat``.

    Raises :class:`ParseError` naming ``source`` when a header has no value line, the prefixes
    of a pair differ, the counts of names and values differ, or a value is not an integer.
    """
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ParseError(source, "not ASCII") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) % 2:
        raise ParseError(source, "a header line has no value line")
    sections: dict[str, dict[str, int]] = {}
    for i in range(0, len(lines), 2):
        head, _, names = lines[i].partition(":")
        head2, _, values = lines[i + 1].partition(":")
        if not head or head != head2:
            raise ParseError(source, f"line {i + 2}: section {head2!r} after header {head!r}")
        keys = names.split()
        nums = values.split()
        if len(keys) != len(nums):
            raise ParseError(source, f"{head}: {len(keys)} names but {len(nums)} values")
        sections[head.strip()] = {
            k: integer(v, source, f"{head.strip()} {k}") for k, v in zip(keys, nums, strict=True)
        }
    return sections


def parse_snmp6(data: bytes, source: str) -> dict[str, int]:
    """``{counter: value}`` from ``/proc/net/snmp6`` (or ``/proc/net/dev_snmp6/<if>``).

    Raises :class:`ParseError` naming ``source`` for a line that is not ``name value``.
    """
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ParseError(source, "not ASCII") from None
    counters: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise ParseError(source, f"line {number}: expected 'name value'")
        try:
            counters[fields[0]] = int(fields[1])
        except ValueError:
            raise ParseError(source, f"line {number}: value is not an integer") from None
    return counters
