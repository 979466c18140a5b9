"""A small netlink client: open a socket, send one request, collect the replies.

Used for ``NETLINK_SOCK_DIAG`` (socket tables) and ``NETLINK_GENERIC`` (nl80211). Only the I/O lives
here; building and decoding messages is in :mod:`darwin_metrics.linux.parsers.netlink`, so tests can
feed recorded or hand-built bytes through the same code (see :class:`Transport`).
"""

from __future__ import annotations

import _socket as socket  # the C module: socket.py's enum classes cost import time
import errno
import itertools
import os
from collections.abc import Callable, Iterator
from typing import Protocol

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.netlink import (
    NLM_F_ACK,
    NLM_F_DUMP,
    NLM_F_DUMP_INTR,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    Message,
    attr_str,
    attr_u16,
    error_code,
    genl_header,
    iter_messages,
    pack_attr,
    pack_genl,
    pack_message,
    parse_attrs,
)

NETLINK_SOCK_DIAG = 4
NETLINK_GENERIC = 16

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2

_RECV_SIZE = 65536
_seq = itertools.count(1)


def next_seq() -> int:
    """A fresh sequence number for a request (process-wide, never 0)."""
    return next(_seq) & 0x7FFFFFFF or next(_seq)


class Transport(Protocol):
    """What the readers need from a netlink socket; tests substitute canned replies."""

    def send(self, data: bytes) -> None: ...

    def recv(self) -> bytes: ...

    def close(self) -> None: ...


class NetlinkSocket:
    """A bound ``AF_NETLINK`` socket of one protocol. Raises ``OSError`` when netlink is unavailable."""

    def __init__(self, protocol: int) -> None:
        self._sock = socket.socket(
            socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, protocol
        )
        try:
            self._sock.bind((0, 0))
        except OSError:
            self._sock.close()
            raise

    def send(self, data: bytes) -> None:
        self._sock.send(data)

    def recv(self) -> bytes:
        while True:
            try:
                return self._sock.recv(_RECV_SIZE)
            except InterruptedError:
                continue

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> NetlinkSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def raw_dump(
    transport: Transport, request: bytes, source: str, parse: Callable[[bytes], bool]
) -> None:
    """Send ``request`` and hand every ``recv`` buffer to ``parse`` until it returns ``True``.

    ``parse`` decodes the buffer itself (fast paths for large dumps) and says whether the dump ended.
    """
    transport.send(request)
    for _ in range(1_000_000):
        data = transport.recv()
        if not data:
            raise ParseError(source, "netlink socket closed before the end of the dump")
        if parse(data):
            return
    raise ParseError(source, "netlink dump did not end")


def request(transport: Transport, data: bytes, seq: int, source: str) -> Iterator[Message]:
    """Send one request and yield the data messages of its reply, through ``NLMSG_DONE`` or the ack.

    A kernel error (``NLMSG_ERROR`` with a non-zero code) raises ``OSError`` with that errno; an
    interrupted dump (``NLM_F_DUMP_INTR``) raises ``OSError(EINTR)`` so the caller can retry.
    """
    transport.send(data)
    interrupted = False
    while True:
        buffer = transport.recv()
        if not buffer:
            raise ParseError(source, "netlink socket closed before the reply ended")
        for message in iter_messages(buffer, source):
            if message.seq != seq:
                continue
            if message.flags & NLM_F_DUMP_INTR:
                interrupted = True
            if message.type == NLMSG_DONE:
                if interrupted:
                    raise OSError(errno.EINTR, "netlink dump interrupted")
                return
            if message.type == NLMSG_ERROR:
                code = error_code(message, source)
                if code:
                    raise OSError(code, os.strerror(code))
                return
            yield message


def genl_request(
    transport: Transport,
    family_id: int,
    command: int,
    attrs: bytes,
    source: str,
    *,
    dump: bool,
    version: int = 1,
) -> list[tuple[int, dict[int, bytes]]]:
    """One generic-netlink request: a list of (command, top-level attributes) replies."""
    seq = next_seq()
    flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
    data = pack_message(family_id, flags, seq, pack_genl(command, version, attrs))
    replies: list[tuple[int, dict[int, bytes]]] = []
    for message in request(transport, data, seq, source):
        if message.type != family_id:
            continue
        cmd, _ = genl_header(message.payload, source)
        replies.append((cmd, parse_attrs(message.payload, source, 4)))
    return replies


def resolve_family(transport: Transport, name: str) -> int | None:
    """The numeric id of generic-netlink family ``name``; ``None`` when the kernel has none."""
    attrs = pack_attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0")
    try:
        replies = genl_request(
            transport, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, attrs, "genl:ctrl", dump=False
        )
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.EOPNOTSUPP):
            return None
        raise
    for _cmd, reply in replies:
        if attr_str(reply, CTRL_ATTR_FAMILY_NAME) == name:
            return attr_u16(reply, CTRL_ATTR_FAMILY_ID)
    return None
