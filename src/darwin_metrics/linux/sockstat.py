"""The socket summary from ``/proc/net/sockstat`` and ``/proc/net/sockstat6``.

The files describe the network namespace of the reader (``/proc/net`` is ``/proc/self/net``), or
of process ``pid`` when read as ``/proc/PID/net``. TCP and UDP memory is counted in pages; the
record gives bytes (pages times ``SC_PAGE_SIZE``) and keeps the page count.
"""

from __future__ import annotations

import os

from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.memory import page_size
from darwin_metrics.linux.parsers.numbers import in_range
from darwin_metrics.linux.parsers.sockstat import parse_sockstat
from darwin_metrics.records.sockstat import ProtocolSockets, SocketStats

#: The kernel's line prefix → the record field; lines with another prefix are left out.
PROTOCOLS = {
    "TCP": "tcp",
    "UDP": "udp",
    "UDPLITE": "udplite",
    "RAW": "raw",
    "FRAG": "frag",
    "TCP6": "tcp6",
    "UDP6": "udp6",
    "UDPLITE6": "udplite6",
    "RAW6": "raw6",
    "FRAG6": "frag6",
}
#: The kernel's key → the ProtocolSockets field, for the counts.
_COUNTS = {"inuse": "in_use", "orphan": "orphaned", "tw": "time_wait", "alloc": "allocated"}


def _count(values: dict[str, int], key: str) -> int | None:
    return in_range(values.get(key), 0)


def protocol_sockets(values: dict[str, int], page_size: int) -> ProtocolSockets:
    """One protocol's record from its parsed line: ``mem`` is pages, ``memory`` bytes. A
    negative value (a momentary sum of per-CPU counters) is ``None``."""
    counts = {field: _count(values, key) for key, field in _COUNTS.items()}
    pages = _count(values, "mem")
    memory = pages * page_size if pages is not None else _count(values, "memory")
    return ProtocolSockets(**counts, memory=memory, memory_pages=pages)


def stats_from_tables(
    sockstat: dict[str, dict[str, int]],
    sockstat6: dict[str, dict[str, int]] | None,
    page_size: int,
) -> SocketStats:
    """Build the record from parsed ``sockstat`` and (optionally) ``sockstat6`` tables."""
    lines = {**(sockstat6 or {}), **sockstat}
    protocols = {
        field: protocol_sockets(lines[prefix], page_size)
        for prefix, field in PROTOCOLS.items()
        if prefix in lines
    }
    used = _count(sockstat.get("sockets", {}), "used")
    return SocketStats(sockets_used=used, **protocols)


def read_socket_stats(roots: Roots, pid: int | None = None) -> SocketStats:
    """The socket summary of this network namespace, or of process ``pid``'s.

    Raises :class:`NoSuchProcess` for a missing ``pid``, :class:`NotSupported` when the kernel
    gives no ``sockstat`` file and :class:`ParseError` when it is malformed. A missing or
    malformed ``sockstat6`` (a kernel without IPv6) leaves the IPv6 protocols ``None``.
    """
    base, path, data = fs.read_net_file(roots, pid, "sockstat")
    sockstat = parse_sockstat(data, path)
    sockstat6 = fs.parse_optional(os.path.join(base, "sockstat6"), parse_sockstat)
    return stats_from_tables(sockstat, sockstat6, page_size())
