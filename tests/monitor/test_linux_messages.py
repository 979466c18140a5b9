"""The kernel's push messages, decoded from hand-built bytes in the kernel's layouts, and fuzzed:
any bytes give a value or ParseError, never another exception."""

from __future__ import annotations

import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.netlink import Message, pack_attr
from darwin_metrics.monitor.linux_messages import (
    RTM_DELADDR,
    RTM_DELLINK,
    RTM_NEWADDR,
    RTM_NEWLINK,
    AddressChange,
    LinkChange,
    parse_proc_events,
    parse_route_message,
    parse_uevent,
    proc_listen_request,
)


def _link(index: int, name: str, flags: int) -> bytes:
    return struct.pack("=BxHiII", 0, 1, index, flags, 0) + pack_attr(3, name.encode() + b"\0")


def _addr(family: int, prefix: int, index: int, *attrs: tuple[int, bytes]) -> bytes:
    body = struct.pack("=BBBBI", family, prefix, 0, 0, index)
    return body + b"".join(pack_attr(t, v) for t, v in attrs)


def test_links_up_down_and_removed() -> None:
    up = parse_route_message(Message(RTM_NEWLINK, 0, 0, 0, _link(4, "veth0", 0x1 | 0x40)))
    assert up == LinkChange(removed=False, ifindex=4, name="veth0", up=True, running=True)
    down = parse_route_message(Message(RTM_NEWLINK, 0, 0, 0, _link(4, "veth0", 0x1000)))
    assert down is not None and not down.up  # type: ignore[union-attr]
    gone = parse_route_message(Message(RTM_DELLINK, 0, 0, 0, _link(4, "veth0", 0)))
    assert isinstance(gone, LinkChange) and gone.removed


def test_addresses_prefer_the_local_address() -> None:
    v4 = _addr(
        socket.AF_INET,
        24,
        4,
        (1, socket.inet_aton("10.0.0.2")),
        (2, socket.inet_aton("10.0.0.1")),
    )
    change = parse_route_message(Message(RTM_NEWADDR, 0, 0, 0, v4))
    assert change == AddressChange(False, 4, "ipv4", "10.0.0.1", 24)
    v6 = _addr(socket.AF_INET6, 64, 4, (1, socket.inet_pton(socket.AF_INET6, "fd00::5")))
    removed = parse_route_message(Message(RTM_DELADDR, 0, 0, 0, v6))
    assert removed == AddressChange(True, 4, "ipv6", "fd00::5", 64)
    other = _addr(17, 0, 4, (1, b"\0" * 6))
    assert parse_route_message(Message(RTM_NEWADDR, 0, 0, 0, other)) is None
    with pytest.raises(ParseError):
        parse_route_message(Message(RTM_NEWADDR, 0, 0, 0, b"\x02\x18"))


def test_uevents() -> None:
    data = b"change@/class/power_supply/BAT0\0ACTION=change\0SUBSYSTEM=power_supply\0SEQNUM=9\0"
    fields = parse_uevent(data)
    assert fields is not None
    assert (fields["ACTION"], fields["SUBSYSTEM"]) == ("change", "power_supply")
    assert parse_uevent(b"libudev\0\xfe\xed") is None
    assert parse_uevent(b"no header") is None
    bare = parse_uevent(b"add@/devices/x\0SUBSYSTEM=block")
    assert bare is not None and (bare["ACTION"], bare["DEVPATH"]) == ("add", "/devices/x")


def _proc_message(what: int, stamp_ns: int, *fields: int) -> bytes:
    event = struct.pack("=IIQ", what, 0, stamp_ns) + struct.pack(f"={len(fields)}I", *fields)
    cn = struct.pack("=IIIIHH", 1, 1, 0, 0, len(event), 0) + event
    return struct.pack("=IHHII", 16 + len(cn), 3, 0, 0, 0) + cn


def test_proc_connector_forks_and_exits() -> None:
    data = (
        _proc_message(1, 2_000_000_000, 10, 10, 55, 55)  # fork: a process
        + _proc_message(1, 2_100_000_000, 10, 10, 56, 55)  # fork: a thread of 55
        + _proc_message(0x80000000, 3_000_000_000, 55, 55, 3 << 8, 17)  # exit(3)
        + _proc_message(0x80000000, 3_000_000_000, 57, 57, 9, 17)  # killed by SIGKILL
        + _proc_message(2, 3_000_000_000, 55, 55)  # exec: not a start
    )
    changes = parse_proc_events(data)
    assert [(c.kind, c.pid, c.ppid, c.exit_code, c.exit_signal) for c in changes] == [
        ("started", 55, 10, None, None),
        ("exited", 55, None, 3, None),
        ("exited", 57, None, None, 9),
    ]
    assert changes[0].monotonic == 2.0
    with pytest.raises(ParseError):
        parse_proc_events(struct.pack("=IHHII", 400, 3, 0, 0, 0))


def test_listen_request_layout() -> None:
    data = proc_listen_request(1234)
    length, kind, _, _, port = struct.unpack_from("=IHHII", data)
    assert (length, kind, port) == (len(data), 3, 1234)
    assert struct.unpack_from("=IIIIHHI", data, 16) == (1, 1, 0, 0, 4, 0, 1)


@given(st.integers(min_value=0, max_value=40), st.binary(max_size=200))
def test_route_messages_fuzz(kind: int, payload: bytes) -> None:
    try:
        parse_route_message(Message(kind, 0, 0, 0, payload))
    except ParseError:
        pass


@given(st.binary(max_size=300))
def test_proc_events_and_uevents_fuzz(data: bytes) -> None:
    try:
        parse_proc_events(data)
    except ParseError:
        pass
    parse_uevent(data)
