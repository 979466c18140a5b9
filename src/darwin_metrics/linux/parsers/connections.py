"""Parsers of the kernel's socket tables: ``/proc/net/{tcp,tcp6,udp,udp6}`` and ``/proc/net/unix``.

Format (``net/ipv4/tcp_ipv4.c``, ``net/ipv6/tcp_ipv6.c``, ``net/ipv4/udp.c``, ``net/unix/af_unix.c``):

- inet tables: a header line, then ``sl: local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid
  timeout inode ...``. Addresses are hex of the in-kernel bytes printed as host-endian 32-bit words
  (four words for IPv6); ports are hex in host order. ``st`` is the TCP state in hex.
- unix table: ``Num RefCount Protocol Flags Type St Inode Path``; ``Flags`` 0x10000 is
  ``__SO_ACCEPTCON`` (listening); ``Type`` 1 stream, 2 dgram, 5 seqpacket; the path may be absent or
  contain spaces; an abstract name starts with ``@``.
"""

from __future__ import annotations

import _socket as socket  # the C module: socket.py's enum classes cost import time
import sys

import msgspec

from darwin_metrics.errors import ParseError

#: TCP state numbers (``include/net/tcp_states.h``) to names.
TCP_STATES: dict[int, str] = {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECV",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSE",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
    11: "CLOSING",
    12: "NEW_SYN_RECV",
}
TCP_LISTEN = 10

#: Socket type numbers (``SOCK_*``) to names.
SOCKET_TYPES: dict[int, str] = {1: "stream", 2: "dgram", 3: "raw", 5: "seqpacket"}

_SO_ACCEPTCON = 0x10000
_NATIVE = "<" if sys.byteorder == "little" else ">"


class InetRow(msgspec.Struct, frozen=True):
    """One line of an inet socket table, decoded."""

    local_address: str
    local_port: int
    remote_address: str
    remote_port: int
    state: int
    send_queue: int
    recv_queue: int
    uid: int
    inode: int


class UnixRow(msgspec.Struct, frozen=True):
    """One line of ``/proc/net/unix``, decoded. ``inode`` is ``None`` for tables without it."""

    type: int
    state: int
    listening: bool
    inode: int | None
    path: str | None


def decode_inet_address(text: str, ipv6: bool, byteorder: str = _NATIVE) -> str:
    """The hex address of a ``/proc/net`` inet table as text (``"0100007F"`` -> ``"127.0.0.1"``).

    The kernel prints each 32-bit word of the address as a host-endian number; ``byteorder``
    (``"<"`` or ``">"``) is the endianness of the machine that wrote the table. Raises
    ``ValueError`` for a malformed address.
    """
    raw = bytes.fromhex(text)
    if len(raw) != (16 if ipv6 else 4):
        raise ValueError(f"address {text[:40]!r} has {len(raw)} bytes")
    if byteorder == "<":
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return socket.inet_ntop(socket.AF_INET6 if ipv6 else socket.AF_INET, raw)


def _split_endpoint(text: str, ipv6: bool, byteorder: str) -> tuple[str, int]:
    addr, sep, port = text.partition(":")
    if not sep:
        raise ValueError(f"no port in {text!r}")
    return decode_inet_address(addr, ipv6, byteorder), int(port, 16)


def parse_inet_table(
    data: bytes, source: str, *, ipv6: bool, byteorder: str = _NATIVE
) -> list[InetRow]:
    """Every socket in a ``/proc/net/{tcp,tcp6,udp,udp6}`` table.

    Raises :class:`ParseError` naming ``source`` for a truncated or malformed line.
    """
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ParseError(source, "not ASCII") from None
    lines = text.splitlines()
    if not lines:
        return []
    if "local_address" not in lines[0]:
        raise ParseError(source, "missing header line")
    rows: list[InetRow] = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 10:
            raise ParseError(source, f"line {number}: {len(fields)} fields, expected at least 10")
        try:
            local, lport = _split_endpoint(fields[1], ipv6, byteorder)
            remote, rport = _split_endpoint(fields[2], ipv6, byteorder)
            state = int(fields[3], 16)
            tx_text, sep, rx_text = fields[4].partition(":")
            if not sep:
                raise ValueError("queue field without ':'")
            rows.append(
                InetRow(
                    local_address=local,
                    local_port=lport,
                    remote_address=remote,
                    remote_port=rport,
                    state=state,
                    send_queue=int(tx_text, 16),
                    recv_queue=int(rx_text, 16),
                    uid=int(fields[7]),
                    inode=int(fields[9]),
                )
            )
        except ValueError as exc:
            raise ParseError(source, f"line {number}: {exc}") from None
    return rows


def parse_unix_table(data: bytes, source: str) -> list[UnixRow]:
    """Every socket in ``/proc/net/unix``.

    Tables whose header lacks the ``Inode`` column (very old kernels, trimmed captures) give rows
    with ``inode=None``. Raises :class:`ParseError` naming ``source`` for a malformed line.
    """
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    if not lines or not lines[0].strip():
        return []
    header = lines[0].split()
    if header[:1] != ["Num"]:
        raise ParseError(source, "missing header line")
    has_inode = "Inode" in header
    fixed = 7 if has_inode else 6
    rows: list[UnixRow] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split(None, fixed)
        if len(fields) < fixed:
            raise ParseError(source, f"line {number}: {len(fields)} fields, expected {fixed}")
        try:
            flags = int(fields[3], 16)
            sock_type = int(fields[4], 16)
            state = int(fields[5], 16)
            inode = int(fields[6]) if has_inode else None
        except ValueError as exc:
            raise ParseError(source, f"line {number}: {exc}") from None
        path = fields[fixed].rstrip("\n") if len(fields) > fixed else None
        rows.append(
            UnixRow(
                type=sock_type,
                state=state,
                listening=bool(flags & _SO_ACCEPTCON),
                inode=inode,
                path=path or None,
            )
        )
    return rows
