"""Parser of ``/proc/net/sockstat`` and ``/proc/net/sockstat6`` (``net/ipv4/proc.c``,
``net/ipv6/proc.c``).

Each line is a prefix and pairs of a key and a decimal value::

    sockets: used 229
    TCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1
    FRAG: inuse 0 memory 0

``sockstat6`` has the same form (``TCP6: inuse 17``) and no ``sockets`` line.
"""

from __future__ import annotations

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import integer


def parse_sockstat(data: bytes, source: str) -> dict[str, dict[str, int]]:
    """``{prefix: {key: value}}`` from a ``sockstat`` or ``sockstat6`` file, in file order.

    Raises :class:`ParseError` naming ``source`` when the file is not ASCII or has no line, a line
    has no ``prefix:``, a key has no value, a prefix or a key repeats, or a value is not an
    integer that fits 64 bits.
    """
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ParseError(source, "not ASCII") from None
    table: dict[str, dict[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        prefix, colon, rest = line.partition(":")
        prefix = prefix.strip()
        if not colon or len(prefix.split()) != 1:
            raise ParseError(source, f"line {number}: expected 'PREFIX: key value ...'")
        if prefix in table:
            raise ParseError(source, f"line {number}: {prefix} repeated")
        tokens = rest.split()
        if not tokens or len(tokens) % 2:
            raise ParseError(source, f"line {number}: {prefix}: keys and values do not pair up")
        values: dict[str, int] = {}
        for key, value in zip(tokens[::2], tokens[1::2], strict=True):
            if key in values:
                raise ParseError(source, f"line {number}: {prefix} {key} repeated")
            values[key] = integer(value, source, f"{prefix} {key}")
        table[prefix] = values
    if not table:
        raise ParseError(source, "no lines")
    return table
