"""``/proc/PID/cmdline``: the arguments, each ended by a NUL byte (proc(5)).

Empty for kernel threads and zombies. A process that rewrote its argument area may leave trailing
NULs (dropped here) or a single string with spaces (kept as one argument: splitting it on spaces
would be a guess). The price of dropping the padding: genuinely empty *trailing* arguments
(``prog ''``) are dropped too; empty arguments before the last non-empty one are kept.
"""

from __future__ import annotations


def parse_cmdline(data: bytes, source: str = "/proc/PID/cmdline") -> tuple[str, ...]:
    """The arguments as strings (undecodable bytes kept as surrogate escapes, like ``os`` does).

    Never fails: any byte string is a valid argument list. ``source`` is accepted for symmetry
    with the other parsers.
    """
    data = data.rstrip(b"\0")
    if not data:
        return ()
    return tuple(data.decode("utf-8", "surrogateescape").split("\0"))
