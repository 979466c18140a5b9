"""Socket records: TCP, UDP and unix-domain connections, and their counts.

Addresses are text (``"127.0.0.1"``, ``"::1"``, a unix path); ports are integers. Queue sizes are in
bytes. ``uid`` is the numeric owner of the socket; ``pids`` are the processes holding it open.
"""

from __future__ import annotations

from typing import Literal

import msgspec

#: What :func:`darwin_metrics.connections` can select. ``inet`` is TCP and UDP over IPv4 and IPv6;
#: the ``4``/``6`` suffixes restrict the IP version; ``all`` adds unix-domain sockets.
ConnectionKind = Literal[
    "inet",
    "inet4",
    "inet6",
    "tcp",
    "tcp4",
    "tcp6",
    "udp",
    "udp4",
    "udp6",
    "unix",
    "all",
]

#: The kernel's TCP states (``include/net/tcp_states.h``), plus ``NONE`` for UDP and unix sockets.
ConnectionState = Literal[
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
    "NEW_SYN_RECV",
    "NONE",
]

SocketFamily = Literal["ipv4", "ipv6", "unix"]
SocketType = Literal["stream", "dgram", "seqpacket", "raw", "other"]
Protocol = Literal["tcp", "udp", "unix"]


class Connection(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One socket from the kernel's tables.

    ``local_address``/``remote_address`` are IP addresses as text for TCP and UDP (IPv4-mapped IPv6
    addresses stay in IPv6 form, ``::ffff:127.0.0.1``), and the bound path for unix sockets (an
    abstract name starts with ``@``; ``None`` for an unnamed socket). ``remote_address`` and
    ``remote_port`` are ``None`` while a socket has no peer (listening, unconnected UDP). Ports are
    ``None`` for unix sockets.

    ``state`` is the TCP state; UDP and unix sockets have ``NONE``. ``listening`` is true for TCP
    and unix stream sockets in ``listen()``, and for UDP sockets that are bound but not connected.

    ``inode`` identifies the socket (``socket:[inode]`` in ``/proc/PID/fd``); it is 0 for TCP
    ``TIME_WAIT`` entries, which belong to no process. ``uid`` is ``None`` where the source does not
    say (unix sockets read from ``/proc/net/unix``). ``pids`` are the processes holding the socket
    open, sorted; ``()`` when none visible was found, ``None`` when owners were not looked up
    (``pids=False``). ``peer_inode`` is the inode of a connected unix socket's other end, where
    the kernel reports it (sock_diag). ``recv_queue``/``send_queue`` are bytes waiting; for a
    listening TCP socket ``recv_queue`` is the connections waiting for ``accept()`` and
    ``send_queue`` is ``None``.
    """

    family: SocketFamily
    type: SocketType
    protocol: Protocol
    local_address: str | None
    local_port: int | None = None
    remote_address: str | None = None
    remote_port: int | None = None
    state: ConnectionState
    listening: bool = False
    inode: int | None
    uid: int | None = None
    pids: tuple[int, ...] | None = None
    peer_inode: int | None = None
    recv_queue: int | None = None
    send_queue: int | None = None

    @property
    def pid(self) -> int | None:
        """The lowest owning pid, or ``None`` when none is known."""
        return self.pids[0] if self.pids else None


class ConnectionCount(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """How many sockets of one protocol and IP family are in one state."""

    protocol: Protocol
    family: SocketFamily
    state: ConnectionState
    count: int


class ListeningPort(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A TCP socket in ``LISTEN``, or a bound, unconnected UDP socket, with its owners.

    ``address`` is the bound address (``0.0.0.0``/``::`` for all); ``pids`` and ``names`` (the
    processes' command names, in the same order) are ``()`` when no visible process holds it and
    ``None`` when owners were not looked up.
    """

    protocol: Literal["tcp", "udp"]
    family: Literal["ipv4", "ipv6"]
    address: str
    port: int
    uid: int | None = None
    pids: tuple[int, ...] | None = None
    names: tuple[str, ...] | None = None


class ConnectionCounts(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Socket counts per protocol, family and state, and the listening ports with their processes.

    ``counts`` lists only the non-zero combinations, sorted. ``total`` is the number of sockets
    counted (TCP, UDP and unix).
    """

    counts: tuple[ConnectionCount, ...]
    listening: tuple[ListeningPort, ...]
    total: int

    def count(
        self,
        protocol: Protocol | None = None,
        state: ConnectionState | None = None,
        family: SocketFamily | None = None,
    ) -> int:
        """Sockets matching every criterion given (``None`` matches all)."""
        return sum(
            c.count
            for c in self.counts
            if (protocol is None or c.protocol == protocol)
            and (state is None or c.state == state)
            and (family is None or c.family == family)
        )
