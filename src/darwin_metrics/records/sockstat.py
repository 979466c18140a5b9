"""The kernel's socket summary: sockets in use per protocol and the memory they hold.

Linux's ``/proc/net/sockstat`` and ``/proc/net/sockstat6`` (what ``ss -s`` prints). Counts are
gauges (how many now), memory is in bytes. ``None`` where this kernel does not report a value.
"""

from __future__ import annotations

import msgspec


class ProtocolSockets(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One protocol's line of the summary (``TCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1``).

    ``in_use`` counts the protocol's sockets in this network namespace (for ``frag`` and
    ``frag6``: IP fragment reassembly queues). TCP alone has ``orphaned`` (closed by their
    process, still sending), ``time_wait`` and ``allocated`` (every TCP socket the kernel holds,
    IPv4 and IPv6, listening and time-wait ones included). ``memory`` is bytes: for TCP and UDP
    the kernel counts it in pages for the whole machine and ``memory_pages`` keeps that count
    (the unit of the kernel's ``tcp_mem`` and ``udp_mem`` limits, in ``/proc/sys/net/ipv4``,
    which it is compared with); for fragments the kernel gives bytes and ``memory_pages`` is
    ``None``.
    """

    in_use: int | None = None
    orphaned: int | None = None
    time_wait: int | None = None
    allocated: int | None = None
    memory: int | None = None
    memory_pages: int | None = None


class SocketStats(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Sockets in use, per protocol and IP version, in one network namespace.

    ``sockets_used`` counts the sockets that processes opened in the namespace (``ss -s``'s
    ``Total``): every address family, unix-domain ones included (node_exporter's help text calls
    them IPv4 sockets). The protocols
    without the ``6`` suffix are IPv4, the others IPv6; ``udplite`` is UDP-Lite, ``raw`` raw IP
    sockets, ``frag`` IP fragment reassembly. A protocol the kernel does not list is ``None``
    (all the ``*6`` ones on a kernel without IPv6).
    """

    sockets_used: int | None = None
    tcp: ProtocolSockets | None = None
    udp: ProtocolSockets | None = None
    udplite: ProtocolSockets | None = None
    raw: ProtocolSockets | None = None
    frag: ProtocolSockets | None = None
    tcp6: ProtocolSockets | None = None
    udp6: ProtocolSockets | None = None
    udplite6: ProtocolSockets | None = None
    raw6: ProtocolSockets | None = None
    frag6: ProtocolSockets | None = None
