"""Decoding ``getifaddrs(3)`` results: socket addresses as bytes in, :class:`Address` records out.

The ctypes walk over ``struct ifaddrs`` lives in :mod:`darwin_metrics.linux.ifaddrs`; it copies each
``struct sockaddr`` out as bytes, and this module turns them into text. Layouts (Linux, host byte
order for the family field):

* ``sockaddr_in`` (AF_INET 2): family u16, port u16, address 4 bytes, 8 bytes padding (16 bytes)
* ``sockaddr_in6`` (AF_INET6 10): family u16, port u16, flowinfo u32, address 16 bytes, scope u32
* ``sockaddr_ll`` (AF_PACKET 17): family u16, protocol u16, ifindex i32, hatype u16, pkttype u8,
  halen u8, then ``halen`` bytes of hardware address (glibc reserves more than the 8 of the header)

For an interface with ``IFF_POINTOPOINT`` the third address is the peer; with ``IFF_BROADCAST`` it is
the broadcast address.
"""

from __future__ import annotations

import _socket as socket  # the C module: socket.py's enum classes cost import time
import struct

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.netclass import IFF_BROADCAST, IFF_POINTOPOINT
from darwin_metrics.records.net import Address, AddressFamily

AF_INET = 2
AF_INET6 = 10
AF_PACKET = 17
SOURCE = "getifaddrs"


class RawIfAddr(msgspec.Struct, frozen=True):
    """One ``struct ifaddrs`` entry with its socket addresses copied out as bytes."""

    name: str
    flags: int
    addr: bytes | None
    netmask: bytes | None
    broad_or_dst: bytes | None


class InterfaceAddrs(msgspec.Struct, frozen=True):
    """What getifaddrs says about one interface: its flags, index and addresses."""

    name: str
    flags: int
    index: int | None
    addresses: tuple[Address, ...]


class Sockaddr(msgspec.Struct, frozen=True):
    """A decoded socket address."""

    family: AddressFamily
    address: str
    raw: bytes
    ifindex: int | None = None


def sockaddr_family(raw: bytes) -> int:
    """The ``sa_family`` field of a socket address."""
    if len(raw) < 2:
        raise ParseError(SOURCE, f"sockaddr of {len(raw)} bytes")
    family: int = struct.unpack_from("=H", raw)[0]
    return family


def decode_sockaddr(raw: bytes) -> Sockaddr | None:
    """An IPv4, IPv6 or link-layer address; ``None`` for other families."""
    family = sockaddr_family(raw)
    if family == AF_INET:
        if len(raw) < 8:
            raise ParseError(SOURCE, f"sockaddr_in of {len(raw)} bytes")
        return Sockaddr("ipv4", socket.inet_ntop(socket.AF_INET, raw[4:8]), raw[4:8])
    if family == AF_INET6:
        if len(raw) < 24:
            raise ParseError(SOURCE, f"sockaddr_in6 of {len(raw)} bytes")
        return Sockaddr("ipv6", socket.inet_ntop(socket.AF_INET6, raw[8:24]), raw[8:24])
    if family == AF_PACKET:
        if len(raw) < 12:
            raise ParseError(SOURCE, f"sockaddr_ll of {len(raw)} bytes")
        ifindex, halen = struct.unpack_from("=i3xB", raw, 4)
        if len(raw) < 12 + halen:
            raise ParseError(SOURCE, f"sockaddr_ll with halen {halen} in {len(raw)} bytes")
        hw = raw[12 : 12 + halen]
        return Sockaddr("link", ":".join(f"{b:02x}" for b in hw), hw, ifindex=ifindex)
    return None


def prefix_length(mask: bytes) -> int | None:
    """Bits set in a contiguous netmask (``255.255.255.0`` → 24); ``None`` if not contiguous."""
    bits = len(mask) * 8
    value = int.from_bytes(mask, "big")
    host = ~value & ((1 << bits) - 1)
    if host & (host + 1):
        return None
    return bits - host.bit_length()


def to_address(entry: RawIfAddr) -> tuple[Address | None, int | None]:
    """The :class:`Address` of one entry (``None`` for families not reported) and its ifindex."""
    if entry.addr is None:
        return None, None
    addr = decode_sockaddr(entry.addr)
    if addr is None or (addr.family == "link" and not addr.raw):
        return None, addr.ifindex if addr is not None else None
    netmask = prefix = None
    if entry.netmask is not None and addr.family != "link":
        mask = decode_sockaddr(entry.netmask)
        if mask is not None and mask.family == addr.family:
            netmask, prefix = mask.address, prefix_length(mask.raw)
    broadcast = peer = None
    if entry.broad_or_dst is not None:
        other = decode_sockaddr(entry.broad_or_dst)
        if other is not None and other.family == addr.family:
            if entry.flags & IFF_POINTOPOINT:
                peer = other.address
            elif entry.flags & IFF_BROADCAST:
                broadcast = other.address
    address = Address(
        family=addr.family,
        address=addr.address,
        netmask=netmask,
        prefix_length=prefix,
        broadcast=broadcast,
        peer=peer,
    )
    return address, addr.ifindex


def group_by_interface(entries: list[RawIfAddr]) -> dict[str, InterfaceAddrs]:
    """getifaddrs entries gathered per interface name, in the order first seen."""
    flags: dict[str, int] = {}
    index: dict[str, int | None] = {}
    addresses: dict[str, list[Address]] = {}
    for entry in entries:
        flags.setdefault(entry.name, entry.flags)
        index.setdefault(entry.name, None)
        found = addresses.setdefault(entry.name, [])
        address, ifindex = to_address(entry)
        if ifindex is not None:
            index[entry.name] = ifindex
        if address is not None:
            found.append(address)
    return {
        name: InterfaceAddrs(
            name=name, flags=flags[name], index=index[name], addresses=tuple(addresses[name])
        )
        for name in flags
    }
