"""Netlink framing, pure: building requests and splitting replies into messages and attributes.

Layouts (``include/uapi/linux/netlink.h``, ``genetlink.h``), all in host byte order:

- ``nlmsghdr``: u32 length (header included), u16 type, u16 flags, u32 sequence, u32 port id;
  messages are padded to 4 bytes. Type 2 is ``NLMSG_ERROR`` (an ``int`` errno, negative, then the
  request's header), type 3 ``NLMSG_DONE`` (ends a dump).
- ``genlmsghdr``: u8 command, u8 version, u16 reserved, then attributes.
- ``nlattr``: u16 length (header included), u16 type (bit 15 nested, bit 14 network byte order),
  payload padded to 4 bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import msgspec

from darwin_metrics.errors import ParseError

NLMSG_NOOP = 1
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_OVERRUN = 4

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300

NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xFFFF

_HDR = struct.Struct("=IHHII")
_ATTR = struct.Struct("=HH")
_GENL = struct.Struct("=BBH")
_I32 = struct.Struct("=i")

HEADER_SIZE = _HDR.size
GENL_HEADER_SIZE = _GENL.size


class Message(msgspec.Struct, frozen=True):
    """One netlink message: its header fields and the payload after the header."""

    type: int
    flags: int
    seq: int
    port: int
    payload: bytes


def align(n: int) -> int:
    """``n`` rounded up to the netlink alignment of 4 bytes."""
    return (n + 3) & ~3


def pack_message(msg_type: int, flags: int, seq: int, payload: bytes, port: int = 0) -> bytes:
    """A complete netlink message (header + payload, padded)."""
    data = _HDR.pack(HEADER_SIZE + len(payload), msg_type, flags, seq, port) + payload
    return data + b"\0" * (align(len(data)) - len(data))


def pack_attr(attr_type: int, payload: bytes) -> bytes:
    """One attribute (header + payload, padded)."""
    data = _ATTR.pack(_ATTR.size + len(payload), attr_type) + payload
    return data + b"\0" * (align(len(data)) - len(data))


def pack_genl(command: int, version: int, attrs: bytes = b"") -> bytes:
    """A generic-netlink payload: ``genlmsghdr`` then the attributes."""
    return _GENL.pack(command, version, 0) + attrs


def iter_messages(data: bytes, source: str) -> Iterator[Message]:
    """The messages in one ``recv`` buffer. Raises :class:`ParseError` for a bad length."""
    offset = 0
    end = len(data)
    while offset < end:
        if end - offset < HEADER_SIZE:
            raise ParseError(source, f"truncated message header at byte {offset}")
        length, msg_type, flags, seq, port = _HDR.unpack_from(data, offset)
        if length < HEADER_SIZE or offset + length > end:
            raise ParseError(source, f"bad message length {length} at byte {offset}")
        yield Message(msg_type, flags, seq, port, data[offset + HEADER_SIZE : offset + length])
        offset += align(length)


def error_code(message: Message, source: str) -> int:
    """The errno carried by an ``NLMSG_ERROR`` (0 for an acknowledgement), as a positive number."""
    if len(message.payload) < _I32.size:
        raise ParseError(source, "truncated NLMSG_ERROR")
    return -int(_I32.unpack_from(message.payload)[0])


def parse_attrs(data: bytes, source: str, offset: int = 0) -> dict[int, bytes]:
    """Attributes from ``offset`` on, by type (flag bits removed); a repeated type keeps the last.

    Raises :class:`ParseError` for an attribute whose length runs past the buffer.
    """
    attrs: dict[int, bytes] = {}
    end = len(data)
    while offset + _ATTR.size <= end:
        length, attr_type = _ATTR.unpack_from(data, offset)
        if length < _ATTR.size or offset + length > end:
            raise ParseError(source, f"bad attribute length {length} at byte {offset}")
        attrs[attr_type & NLA_TYPE_MASK] = data[offset + _ATTR.size : offset + length]
        offset += align(length)
    return attrs


def genl_header(payload: bytes, source: str) -> tuple[int, int]:
    """The (command, version) of a generic-netlink payload."""
    if len(payload) < GENL_HEADER_SIZE:
        raise ParseError(source, "truncated genetlink header")
    command, version, _ = _GENL.unpack_from(payload)
    return command, version


def attr_u8(attrs: dict[int, bytes], key: int) -> int | None:
    """An unsigned 8-bit attribute, or ``None`` when absent or too short."""
    value = attrs.get(key)
    return value[0] if value else None


def attr_s8(attrs: dict[int, bytes], key: int) -> int | None:
    """A signed 8-bit attribute (dBm values), or ``None``."""
    value = attrs.get(key)
    if not value:
        return None
    return value[0] - 256 if value[0] > 127 else value[0]


def _unpack(attrs: dict[int, bytes], key: int, fmt: str, size: int) -> int | None:
    value = attrs.get(key)
    if value is None or len(value) < size:
        return None
    result: int = struct.unpack_from(fmt, value)[0]
    return result


def attr_u16(attrs: dict[int, bytes], key: int) -> int | None:
    """An unsigned 16-bit attribute in host order, or ``None``."""
    return _unpack(attrs, key, "=H", 2)


def attr_u32(attrs: dict[int, bytes], key: int) -> int | None:
    """An unsigned 32-bit attribute in host order, or ``None``."""
    return _unpack(attrs, key, "=I", 4)


def attr_s32(attrs: dict[int, bytes], key: int) -> int | None:
    """A signed 32-bit attribute in host order, or ``None``."""
    return _unpack(attrs, key, "=i", 4)


def attr_u64(attrs: dict[int, bytes], key: int) -> int | None:
    """An unsigned 64-bit attribute in host order, or ``None``."""
    return _unpack(attrs, key, "=Q", 8)


def attr_str(attrs: dict[int, bytes], key: int) -> str | None:
    """A NUL-terminated string attribute, or ``None``."""
    value = attrs.get(key)
    if value is None:
        return None
    return value.split(b"\0", 1)[0].decode("utf-8", "replace")
