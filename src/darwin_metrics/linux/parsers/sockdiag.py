"""Pure decoding of ``NETLINK_SOCK_DIAG`` requests and replies (what ``ss`` uses).

Layouts (``include/uapi/linux/inet_diag.h``, ``unix_diag.h``, ``sock_diag.h``), host byte order
except where noted:

- ``inet_diag_req_v2`` (56 bytes): u8 family, u8 protocol, u8 ext, u8 pad, u32 states bitmask,
  ``inet_diag_sockid`` (48 bytes, zero for a dump).
- ``inet_diag_req`` (60 bytes, the older request, message type ``TCPDIAG_GETSOCK``): u8 family,
  u8 src_len, u8 dst_len, u8 ext, ``inet_diag_sockid``, u32 states bitmask, u32 dbs. The kernel
  answers it for both address families at once (it sets the family to ``AF_UNSPEC``), so one
  walk of the TCP hash tables gives the IPv4 and IPv6 sockets; replies carry the request's type.
- ``inet_diag_msg`` (72 bytes): u8 family, u8 state, u8 timer, u8 retrans, ``inet_diag_sockid``
  (be16 sport, be16 dport, be32 src[4], be32 dst[4], u32 ifindex, u32 cookie[2]), u32 expires,
  u32 rqueue, u32 wqueue, u32 uid, u32 inode, then attributes.
- ``unix_diag_req`` (24 bytes): u8 family, u8 protocol, u16 pad, u32 states, u32 ino, u32 show,
  u32 cookie[2]. ``unix_diag_msg`` (16 bytes): u8 family, u8 type, u8 state, u8 pad, u32 ino,
  u32 cookie[2], then attributes: NAME (0, raw bytes, abstract names start with NUL), PEER (2,
  u32 inode), RQLEN (4, u32 rqueue + u32 wqueue), UID (7, u32; kernel 5.3+).

A unix socket's state uses TCP numbers: 10 listening, 1 connected, 7 unconnected, 2 connecting.
"""

from __future__ import annotations

import socket
import struct

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.netlink import (
    HEADER_SIZE,
    NLM_F_DUMP,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    align,
    pack_message,
    parse_attrs,
)

SOCK_DIAG_BY_FAMILY = 20
#: The older inet_diag request type for TCP sockets of every address family.
TCPDIAG_GETSOCK = 18
NETLINK_SOCK_DIAG = 4

UNIX_DIAG_NAME = 0
UNIX_DIAG_PEER = 2
UNIX_DIAG_RQLEN = 4
UNIX_DIAG_UID = 7
UDIAG_SHOW_NAME = 0x01
UDIAG_SHOW_PEER = 0x04
UDIAG_SHOW_RQLEN = 0x10
UDIAG_SHOW_UID = 0x40

ALL_STATES = 0xFFFFFFFF
#: The TCP states of the kernel's socket tables, ESTABLISHED (1) to NEW_SYN_RECV (12): what
#: ``/proc/net/tcp`` and ``ss -a`` list. Newer kernels also answer bit 13 (``TCP_BOUND_INACTIVE``:
#: bound, neither listening nor connected, reported as CLOSE), which makes the dump walk the
#: bind hash table as well (65 536 buckets, about 0.6 ms, on the test VM); it is left out.
TCP_TABLE_STATES = (1 << 13) - 1

_HDR = struct.Struct("=IHHII")
_INET_MSG = struct.Struct("=BBBB2s2s16s16sIQIIIII")
_UNIX_MSG = struct.Struct("=BBBBIQ")
_U32 = struct.Struct("=I")
_I32 = struct.Struct("=i")
_RQLEN = struct.Struct("=II")


class InetDiagRow(msgspec.Struct, frozen=True):
    """One inet socket from a sock_diag dump."""

    family: int
    state: int
    local_address: str
    local_port: int
    remote_address: str
    remote_port: int
    recv_queue: int
    send_queue: int
    uid: int
    inode: int


class UnixDiagRow(msgspec.Struct, frozen=True):
    """One unix socket from a sock_diag dump. ``uid`` is ``None`` before kernel 5.3."""

    type: int
    state: int
    inode: int
    path: str | None
    peer_inode: int | None
    recv_queue: int | None
    send_queue: int | None
    uid: int | None


class DumpResult(msgspec.Struct):
    """What one ``recv`` buffer of a dump held: rows, whether the dump ended, and a kernel errno."""

    done: bool = False
    errno: int = 0


def inet_request(family: int, protocol: int, seq: int, states: int = ALL_STATES) -> bytes:
    """A ``SOCK_DIAG_BY_FAMILY`` dump request for every inet socket of ``family``/``protocol``."""
    body = struct.pack("=BBBBI", family, protocol, 0, 0, states) + b"\0" * 48
    return pack_message(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, body)


def tcp_any_family_request(seq: int, states: int = TCP_TABLE_STATES) -> bytes:
    """A ``TCPDIAG_GETSOCK`` dump request for every TCP socket, IPv4 and IPv6 in one dump."""
    body = struct.pack("=BBBB", socket.AF_UNSPEC, 0, 0, 0) + b"\0" * 48
    body += struct.pack("=II", states, 0)
    return pack_message(TCPDIAG_GETSOCK, NLM_F_REQUEST | NLM_F_DUMP, seq, body)


def unix_request(seq: int, states: int = ALL_STATES) -> bytes:
    """A ``SOCK_DIAG_BY_FAMILY`` dump request for every unix socket, with name, peer, queues, uid."""
    show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID
    body = struct.pack("=BBHIIIII", socket.AF_UNIX, 0, 0, states, 0, show, 0, 0)
    return pack_message(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, body)


def _walk(data: bytes, source: str, result: DumpResult) -> list[tuple[int, int]]:
    """(offset, end) of each data message's payload; records DONE/ERROR in ``result``."""
    spans: list[tuple[int, int]] = []
    offset = 0
    end = len(data)
    while offset < end:
        if end - offset < HEADER_SIZE:
            raise ParseError(source, f"truncated message header at byte {offset}")
        length, msg_type, _flags, _seq, _port = _HDR.unpack_from(data, offset)
        if length < HEADER_SIZE or offset + length > end:
            raise ParseError(source, f"bad message length {length} at byte {offset}")
        if msg_type == NLMSG_DONE:
            result.done = True
            break
        if msg_type == NLMSG_ERROR:
            if length < HEADER_SIZE + 4:
                raise ParseError(source, "truncated NLMSG_ERROR")
            code = -_I32.unpack_from(data, offset + HEADER_SIZE)[0]
            if code:
                result.errno = code
                result.done = True
                break
        elif msg_type in (SOCK_DIAG_BY_FAMILY, TCPDIAG_GETSOCK):
            spans.append((offset + HEADER_SIZE, offset + length))
        offset += align(length)
    return spans


def parse_inet_dump(data: bytes, source: str, result: DumpResult) -> list[InetDiagRow]:
    """The inet sockets in one ``recv`` buffer of a sock_diag dump.

    Sets ``result.done`` at ``NLMSG_DONE`` and ``result.errno`` for a kernel error. Raises
    :class:`ParseError` for a truncated or malformed message.
    """
    rows: list[InetDiagRow] = []
    ntop = socket.inet_ntop
    cache: dict[tuple[int, bytes], str] = {}
    for start, stop in _walk(data, source, result):
        if stop - start < _INET_MSG.size:
            raise ParseError(source, "truncated inet_diag_msg")
        (
            family,
            state,
            _timer,
            _retrans,
            sport,
            dport,
            src,
            dst,
            _ifindex,
            _cookie,
            _expires,
            rqueue,
            wqueue,
            uid,
            inode,
        ) = _INET_MSG.unpack_from(data, start)
        if family == socket.AF_INET:
            src, dst = src[:4], dst[:4]
        elif family != socket.AF_INET6:
            raise ParseError(source, f"unexpected address family {family}")
        local = cache.get((family, src))
        if local is None:
            local = cache[(family, src)] = ntop(family, src)
        remote = cache.get((family, dst))
        if remote is None:
            remote = cache[(family, dst)] = ntop(family, dst)
        rows.append(
            InetDiagRow(
                family,
                state,
                local,
                int.from_bytes(sport, "big"),
                remote,
                int.from_bytes(dport, "big"),
                rqueue,
                wqueue,
                uid,
                inode,
            )
        )
    return rows


def decode_unix_name(raw: bytes) -> str | None:
    """A unix socket's bound name: a path, ``@name`` for the abstract namespace, ``None`` if unnamed."""
    if not raw:
        return None
    if raw[0] == 0:
        return "@" + raw[1:].decode("utf-8", "surrogateescape")
    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def parse_unix_dump(data: bytes, source: str, result: DumpResult) -> list[UnixDiagRow]:
    """The unix sockets in one ``recv`` buffer of a sock_diag dump (see :func:`parse_inet_dump`)."""
    rows: list[UnixDiagRow] = []
    for start, stop in _walk(data, source, result):
        if stop - start < _UNIX_MSG.size:
            raise ParseError(source, "truncated unix_diag_msg")
        _family, sock_type, state, _pad, inode, _cookie = _UNIX_MSG.unpack_from(data, start)
        attrs = parse_attrs(data[:stop], source, start + _UNIX_MSG.size)
        name = attrs.get(UNIX_DIAG_NAME)
        peer = attrs.get(UNIX_DIAG_PEER)
        rqlen = attrs.get(UNIX_DIAG_RQLEN)
        uid = attrs.get(UNIX_DIAG_UID)
        rq: int | None = None
        wq: int | None = None
        if rqlen is not None and len(rqlen) >= _RQLEN.size:
            rq, wq = _RQLEN.unpack_from(rqlen)
        rows.append(
            UnixDiagRow(
                type=sock_type,
                state=state,
                inode=inode,
                path=decode_unix_name(name) if name is not None else None,
                peer_inode=_U32.unpack_from(peer)[0] if peer and len(peer) >= 4 else None,
                recv_queue=rq,
                send_queue=wq,
                uid=_U32.unpack_from(uid)[0] if uid and len(uid) >= 4 else None,
            )
        )
    return rows
