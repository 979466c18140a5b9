"""Messages the Linux kernel pushes to the Monitor, decoded: pure functions over bytes.

- Route netlink (``RTMGRP_LINK``, ``RTMGRP_IPV4_IFADDR``, ``RTMGRP_IPV6_IFADDR``): ``RTM_NEWLINK``
  16 / ``RTM_DELLINK`` 17 carry an ``ifinfomsg`` (decoded by
  :func:`~darwin_metrics.linux.parsers.rtnetlink.parse_link`); ``RTM_NEWADDR`` 20 /
  ``RTM_DELADDR`` 21 an ``ifaddrmsg`` (u8 family, u8 prefix length, u8 flags, u8 scope, u32
  index) with ``IFA_ADDRESS`` 1 and ``IFA_LOCAL`` 2 (the local address of a point-to-point link,
  preferred when present).
- Kobject uevents (``NETLINK_KOBJECT_UEVENT``, group 1, from the kernel): ``ACTION@DEVPATH`` then
  NUL-separated ``KEY=VALUE`` pairs (``lib/kobject_uevent.c``). Messages relayed by udev start
  with ``libudev`` and are not taken.
- The process-events connector (``NETLINK_CONNECTOR`` 11, ``CN_IDX_PROC`` 1): after the netlink
  header a ``cn_msg`` (u32 idx, u32 val, u32 seq, u32 ack, u16 len, u16 flags), then a
  ``proc_event`` (u32 what, u32 cpu, u64 timestamp_ns on ``CLOCK_MONOTONIC``, event data):
  ``PROC_EVENT_FORK`` 1 (u32 parent pid, parent tgid, child pid, child tgid), ``PROC_EVENT_EXEC``
  2 (u32 pid, tgid), ``PROC_EVENT_EXIT`` 0x80000000 (u32 pid, tgid, exit code as ``wait()``
  gives it, exit signal). A "pid" equal to its "tgid" is a process; otherwise a thread.
"""

from __future__ import annotations

import socket
import struct
from typing import Literal, NamedTuple

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.netlink import Message
from darwin_metrics.linux.parsers.rtnetlink import parse_link

RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_NEWADDR = 20
RTM_DELADDR = 21
RTMGRP_LINK = 0x1
RTMGRP_IPV4_IFADDR = 0x10
RTMGRP_IPV6_IFADDR = 0x100

IFF_UP = 0x1
IFF_RUNNING = 0x40

IFA_ADDRESS = 1
IFA_LOCAL = 2

PROC_EVENT_FORK = 0x1
PROC_EVENT_EXEC = 0x2
PROC_EVENT_EXIT = 0x80000000
CN_IDX_PROC = 1
CN_VAL_PROC = 1
PROC_CN_MCAST_LISTEN = 1
PROC_CN_MCAST_IGNORE = 2

_IFADDR = struct.Struct("=BBBBI")
_ATTR = struct.Struct("=HH")
_CN_MSG = struct.Struct("=IIIIHH")
_PROC_EVENT = struct.Struct("=IIQ")
_FORK = struct.Struct("=IIII")
_EXIT = struct.Struct("=IIII")
_NLMSG = struct.Struct("=IHHII")
_FAMILIES = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}


class LinkChange(NamedTuple):
    """A link message: ``removed`` for ``RTM_DELLINK``; ``up`` is ``IFF_UP``."""

    removed: bool
    ifindex: int
    name: str
    up: bool
    running: bool


class AddressChange(NamedTuple):
    """An address message: ``removed`` for ``RTM_DELADDR``."""

    removed: bool
    ifindex: int
    family: Literal["ipv4", "ipv6"]
    address: str
    prefix_length: int


class ProcessChange(NamedTuple):
    """A process fork (``started``) or exit, with the connector's monotonic timestamp (s)."""

    kind: Literal["started", "exited"]
    pid: int
    ppid: int | None
    monotonic: float
    exit_code: int | None = None
    exit_signal: int | None = None


def parse_route_message(message: Message) -> LinkChange | AddressChange | None:
    """A route-netlink notification; ``None`` for another type or an address of another family.
    Raises :class:`ParseError` for a truncated message."""
    if message.type in (RTM_NEWLINK, RTM_DELLINK):
        link = parse_link(message.payload, "rtnetlink monitor")
        return LinkChange(
            removed=message.type == RTM_DELLINK,
            ifindex=link.ifindex,
            name=link.name,
            up=bool(link.flags & IFF_UP),
            running=bool(link.flags & IFF_RUNNING),
        )
    if message.type in (RTM_NEWADDR, RTM_DELADDR):
        return _address(message.type == RTM_DELADDR, message.payload)
    return None


def _address(removed: bool, payload: bytes) -> AddressChange | None:
    if len(payload) < _IFADDR.size:
        raise ParseError("rtnetlink monitor", f"ifaddrmsg of {len(payload)} bytes")
    family, prefix, _, _, index = _IFADDR.unpack_from(payload)
    name = _FAMILIES.get(family)
    if name is None:
        return None
    size = 4 if family == socket.AF_INET else 16
    found: dict[int, bytes] = {}
    offset, end = _IFADDR.size, len(payload)
    while offset + 4 <= end:
        length, kind = _ATTR.unpack_from(payload, offset)
        if length < 4 or offset + length > end:
            raise ParseError("rtnetlink monitor", f"bad attribute length {length} at {offset}")
        value = payload[offset + 4 : offset + length]
        if kind & 0x3FFF in (IFA_ADDRESS, IFA_LOCAL) and len(value) == size:
            found.setdefault(kind & 0x3FFF, value)
        offset += (length + 3) & ~3
    raw = found.get(IFA_LOCAL, found.get(IFA_ADDRESS))
    if raw is None:
        return None
    return AddressChange(
        removed=removed,
        ifindex=index,
        family="ipv4" if name == "ipv4" else "ipv6",
        address=socket.inet_ntop(family, raw),
        prefix_length=prefix,
    )


def parse_uevent(data: bytes) -> dict[str, str] | None:
    """A kernel uevent as its ``KEY=VALUE`` pairs (``ACTION``, ``DEVPATH``, ``SUBSYSTEM``…);
    ``None`` for a udev relay or a message without ``ACTION@DEVPATH``."""
    if data.startswith(b"libudev"):
        return None
    parts = data.split(b"\0")
    head = parts[0].decode("utf-8", "replace")
    if "@" not in head:
        return None
    fields: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition(b"=")
        if sep:
            fields[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    if "ACTION" not in fields:
        fields["ACTION"], _, fields["DEVPATH"] = head.partition("@")
    return fields


def proc_listen_request(port: int, listen: bool = True) -> bytes:
    """The netlink message that subscribes this socket to process events (or stops it)."""
    op = struct.pack("=I", PROC_CN_MCAST_LISTEN if listen else PROC_CN_MCAST_IGNORE)
    body = _CN_MSG.pack(CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(op), 0) + op
    return _NLMSG.pack(_NLMSG.size + len(body), 3, 0, 0, port) + body  # type 3: NLMSG_DONE


def parse_proc_events(data: bytes) -> list[ProcessChange]:
    """The process starts and exits in one connector datagram (threads and execs left out).
    Raises :class:`ParseError` for a truncated message."""
    changes: list[ProcessChange] = []
    offset = 0
    while offset + _NLMSG.size <= len(data):
        length = _NLMSG.unpack_from(data, offset)[0]
        if length < _NLMSG.size or offset + length > len(data):
            raise ParseError("proc connector", f"bad message length {length} at {offset}")
        body = data[offset + _NLMSG.size : offset + length]
        offset += (length + 3) & ~3
        if len(body) < _CN_MSG.size + _PROC_EVENT.size:
            continue
        idx, val = _CN_MSG.unpack_from(body)[:2]
        if (idx, val) != (CN_IDX_PROC, CN_VAL_PROC):
            continue
        start = _CN_MSG.size
        what, _cpu, stamp = _PROC_EVENT.unpack_from(body, start)
        event = start + _PROC_EVENT.size
        if what == PROC_EVENT_FORK and len(body) >= event + _FORK.size:
            _ppid, ptgid, pid, tgid = _FORK.unpack_from(body, event)
            if pid == tgid:
                changes.append(ProcessChange("started", tgid, ptgid, stamp / 1e9))
        elif what == PROC_EVENT_EXIT and len(body) >= event + _EXIT.size:
            pid, tgid, code, _signal = _EXIT.unpack_from(body, event)
            if pid == tgid:
                signal = code & 0x7F
                changes.append(
                    ProcessChange(
                        "exited",
                        tgid,
                        None,
                        stamp / 1e9,
                        exit_code=None if signal else (code >> 8) & 0xFF,
                        exit_signal=signal or None,
                    )
                )
    return changes
