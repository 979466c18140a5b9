"""``/proc/PID/io``: ``key: value`` lines of I/O counters (``Documentation/filesystems/proc.rst``).

``rchar``/``wchar`` count bytes through read/write-like system calls, ``syscr``/``syscw`` those
calls, ``read_bytes``/``write_bytes`` bytes fetched from or sent to storage, and
``cancelled_write_bytes`` bytes whose write-back was cancelled (truncated dirty page cache).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import integer, u64
from darwin_metrics.linux.parsers.pidstat import int_fields


class PidIO(msgspec.Struct, frozen=True, gc=False):
    """The counters of ``/proc/PID/io``: bytes and call counts as printed."""

    rchar: int
    wchar: int
    syscr: int
    syscw: int
    read_bytes: int
    write_bytes: int
    cancelled_write_bytes: int


_KEYS = PidIO.__struct_fields__
#: The file as every kernel since 2.6.20 prints it: seven ``key: value`` lines in this order.
_LAYOUT = [f"{key}:".encode() for key in _KEYS]


def io_tokens(data: bytes) -> list[bytes] | None:
    """The seven number texts in :class:`PidIO`'s order when ``data`` has the layout every kernel
    prints (:data:`_LAYOUT`); ``None`` for another one, which :func:`parse_pid_io` then reads."""
    words = data.split()
    if len(words) == 14 and words[0::2] == _LAYOUT:
        return words[1::2]
    return None


def io_numbers_valid(values: Sequence[int]) -> bool:
    """Whether seven converted counters in :class:`PidIO`'s order are possible: each in
    0 .. 2**64 - 1, except ``cancelled_write_bytes`` (last), a signed accounting figure that
    kernels print negative, in -2**63 .. 2**64 - 1."""
    *counters, cancelled = values
    return min(counters) >= 0 and max(counters) < 1 << 64 and -(1 << 63) <= cancelled < 1 << 64


def parse_pid_io(data: bytes, source: str = "/proc/PID/io") -> PidIO:
    """Parse one ``io`` file; every key must be present. Raises :class:`ParseError` when not.

    ``cancelled_write_bytes`` is kept signed as found (some captured files hold negatives); the
    others must not be negative.
    """
    tokens = io_tokens(data)
    try:
        io = PidIO(*int_fields(tokens)) if tokens is not None else _parse_any_order(data, source)
    except ValueError:
        raise ParseError(source, f"not integers: {data[:80]!r}") from None
    if not io_numbers_valid(msgspec.structs.astuple(io)):
        raise ParseError(source, "a counter outside 0 .. 2**64 - 1")
    return io


def _parse_any_order(data: bytes, source: str) -> PidIO:
    values: dict[str, int] = {}
    for line in data.split(b"\n"):
        key, sep, value = line.partition(b":")
        if not sep:
            if line.strip():
                raise ParseError(source, f"line without ':': {line[:40]!r}")
            continue
        try:
            name = key.decode("ascii")
        except UnicodeDecodeError:
            raise ParseError(source, f"bad line {line[:40]!r}") from None
        parse = integer if name == "cancelled_write_bytes" else u64  # signed: see parse_pid_io
        values[name] = parse(value.strip(), source, name)
    try:
        return PidIO(**{k: values[k] for k in _KEYS})
    except KeyError as exc:
        raise ParseError(source, f"missing {exc.args[0]}") from None
