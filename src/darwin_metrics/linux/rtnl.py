"""The links and addresses of this network namespace from two route-netlink dumps.

Only the I/O lives here (one ``NETLINK_ROUTE`` socket, ``RTM_GETLINK`` and ``RTM_GETADDR`` dumps);
decoding is in :mod:`darwin_metrics.linux.parsers.rtnetlink`. A dump the kernel marks interrupted
(the table changed while it was read) is asked for again, a few times at most.
"""

from __future__ import annotations

import errno
import struct

from darwin_metrics.linux.netlink import NetlinkSocket, next_seq, request
from darwin_metrics.linux.parsers.netlink import NLM_F_DUMP, NLM_F_REQUEST, pack_message
from darwin_metrics.linux.parsers.rtnetlink import (
    RTM_GETADDR,
    RTM_GETLINK,
    RTM_NEWADDR,
    RTM_NEWLINK,
)

NETLINK_ROUTE = 0
_AF_UNSPEC = 0
_AF_PACKET = 17
_TRIES = 3
SOURCE = "rtnetlink"


def _dump(sock: NetlinkSocket, msg_type: int, body: bytes, reply_type: int) -> list[bytes]:
    for attempt in range(_TRIES):
        seq = next_seq()
        data = pack_message(msg_type, NLM_F_REQUEST | NLM_F_DUMP, seq, body)
        try:
            return [m.payload for m in request(sock, data, seq, SOURCE) if m.type == reply_type]
        except OSError as exc:
            if exc.errno != errno.EINTR or attempt == _TRIES - 1:
                raise
    raise AssertionError("unreachable")


def dump_links_and_addresses() -> tuple[list[bytes], list[bytes]]:
    """The payloads of every ``RTM_NEWLINK`` and ``RTM_NEWADDR`` message, in the kernel's order.

    Raises ``OSError`` where route netlink is unavailable (a sandbox that forbids the socket) and
    :class:`~darwin_metrics.errors.ParseError` for a malformed reply.
    """
    with NetlinkSocket(NETLINK_ROUTE) as sock:
        links = _dump(
            sock, RTM_GETLINK, struct.pack("=BxHiII", _AF_PACKET, 0, 0, 0, 0), RTM_NEWLINK
        )
        addresses = _dump(
            sock, RTM_GETADDR, struct.pack("=BBBBI", _AF_UNSPEC, 0, 0, 0, 0), RTM_NEWADDR
        )
    return links, addresses
