"""``/proc/PID/io``: ``key: value`` lines of I/O counters (``Documentation/filesystems/proc.rst``).

``rchar``/``wchar`` count bytes through read/write-like system calls, ``syscr``/``syscw`` those
calls, ``read_bytes``/``write_bytes`` bytes fetched from or sent to storage, and
``cancelled_write_bytes`` bytes whose write-back was cancelled (truncated dirty page cache).
"""

from __future__ import annotations

import msgspec

from darwin_metrics.errors import ParseError
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


def parse_pid_io(data: bytes, source: str = "/proc/PID/io") -> PidIO:
    """Parse one ``io`` file; every key must be present. Raises :class:`ParseError` when not.

    ``cancelled_write_bytes`` is kept signed as found (some captured files hold negatives); the
    others must not be negative.
    """
    words = data.split()
    try:
        if len(words) == 14 and words[0::2] == _LAYOUT:
            io = PidIO(*int_fields(words[1::2]))
        else:
            io = _parse_any_order(data, source)
    except ValueError:
        raise ParseError(source, f"not integers: {data[:80]!r}") from None
    if min(io.rchar, io.wchar, io.syscr, io.syscw, io.read_bytes, io.write_bytes) < 0:
        raise ParseError(source, "negative counter")
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
            values[key.decode("ascii")] = int(value)
        except (ValueError, UnicodeDecodeError):
            raise ParseError(source, f"bad line {line[:40]!r}") from None
    try:
        return PidIO(**{k: values[k] for k in _KEYS})
    except KeyError as exc:
        raise ParseError(source, f"missing {exc.args[0]}") from None
