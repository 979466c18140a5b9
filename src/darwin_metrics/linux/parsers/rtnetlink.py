"""Route-netlink link and address messages (``RTM_NEWLINK``, ``RTM_NEWADDR``), pure.

What ``interfaces()`` reads on the live system in two netlink dumps instead of ``getifaddrs(3)``,
``/proc/net/dev`` and several sysfs attributes per interface. Layouts
(``include/uapi/linux/rtnetlink.h``, ``if_link.h``, ``if_addr.h``), host byte order:

- ``ifinfomsg``: u8 family, u8 pad, u16 type (``ARPHRD_*``), i32 index, u32 flags (``IFF_*`` as
  ``dev_get_flags`` gives them, so with ``IFF_RUNNING`` and ``IFF_LOWER_UP``), u32 change mask;
  then attributes: ``IFLA_ADDRESS`` 1, ``IFLA_BROADCAST`` 2, ``IFLA_IFNAME`` 3 (NUL-terminated),
  ``IFLA_MTU`` 4 (u32), ``IFLA_OPERSTATE`` 16 (u8, ``IF_OPER_*``), ``IFLA_STATS64`` 23
  (``struct rtnl_link_stats64``), ``IFLA_CARRIER`` 33 (u8).
- ``ifaddrmsg``: u8 family, u8 prefix length, u8 flags, u8 scope, u32 interface index; then
  ``IFA_ADDRESS`` 1, ``IFA_LOCAL`` 2, ``IFA_LABEL`` 3, ``IFA_BROADCAST`` 4.

The kernel reports ``IFLA_OPERSTATE`` as ``down`` while the interface is not running, as sysfs does,
and fills ``IFLA_STATS64`` from the same ``dev_get_stats`` as ``/proc/net/dev``.

Addresses are turned into the very entries ``getifaddrs`` makes of the same two dumps (glibc's
``sysdeps/unix/sysv/linux/ifaddrs.c``: one ``AF_PACKET`` entry per link, then one per address, with
its rules for ``IFA_ADDRESS``/``IFA_LOCAL``/``IFA_BROADCAST`` and the ``IFA_LABEL`` name of IPv4
aliases), so :func:`~darwin_metrics.linux.parsers.ifaddrs.group_by_interface` gives what it gives
for ``getifaddrs``.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.ifaddrs import AF_INET, AF_INET6, AF_PACKET, RawIfAddr
from darwin_metrics.linux.parsers.netcounters import STATS64_FIELDS, fold_counters
from darwin_metrics.records.net import InterfaceCounters

RTM_NEWLINK = 16
RTM_GETLINK = 18
RTM_NEWADDR = 20
RTM_GETADDR = 22

IFLA_ADDRESS = 1
IFLA_BROADCAST = 2
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_OPERSTATE = 16
IFLA_STATS64 = 23
IFLA_CARRIER = 33

IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_LABEL = 3
IFA_BROADCAST = 4

#: ``IF_OPER_*`` as the kernel names them in sysfs ``operstate``.
OPERSTATES = ("unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up")

_IFINFO = struct.Struct("=BxHiII")
_IFADDR = struct.Struct("=BBBBI")
_ATTR = struct.Struct("=HH")
_U32 = struct.Struct("=I")
_TYPE_MASK = 0x3FFF  # without NLA_F_NESTED and NLA_F_NET_BYTEORDER
#: ``struct rtnl_link_stats64`` up to ``tx_compressed``: 23 u64 (newer kernels append more).
_STATS64 = struct.Struct("=23Q")
#: The attributes a link yields; the scan stops once it has all (what follows is large).
_LINK_ATTRS = frozenset(
    {
        IFLA_ADDRESS,
        IFLA_BROADCAST,
        IFLA_IFNAME,
        IFLA_MTU,
        IFLA_OPERSTATE,
        IFLA_STATS64,
        IFLA_CARRIER,
    }
)
#: glibc's room for an address in an entry (``struct sockaddr_ll_max``): 24 bytes.
_MAX_HWADDR = 24
_SOCKADDR_SIZE = 28  # the union glibc keeps per address: as large as sockaddr_in6


class Link(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One ``RTM_NEWLINK`` message: what ``interfaces()`` takes from it."""

    ifindex: int
    name: str
    flags: int
    arphrd: int
    mtu: int | None
    operstate: str | None
    carrier: bool | None
    address: bytes | None
    broadcast: bytes | None
    stats: tuple[int, ...] | None


def _attrs(
    payload: bytes, offset: int, source: str, wanted: frozenset[int] | None
) -> dict[int, bytes]:
    """Attributes by type from ``offset`` (the first of each type); with ``wanted``, the scan
    stops as soon as all of those were seen."""
    found: dict[int, bytes] = {}
    end = len(payload)
    unpack = _ATTR.unpack_from
    left = len(wanted) if wanted is not None else -1
    while offset + 4 <= end:
        length, kind = unpack(payload, offset)
        if length < 4 or offset + length > end:
            raise ParseError(source, f"bad attribute length {length} at byte {offset}")
        kind &= _TYPE_MASK
        if kind not in found and (wanted is None or kind in wanted):
            found[kind] = payload[offset + 4 : offset + length]
            left -= 1
            if left == 0:
                break
        offset += (length + 3) & ~3
    return found


def parse_link(payload: bytes, source: str = "rtnetlink") -> Link:
    """One ``RTM_NEWLINK`` payload (after the netlink header). Raises :class:`ParseError` for a
    truncated message or attribute, or a link without a name."""
    if len(payload) < _IFINFO.size:
        raise ParseError(source, f"ifinfomsg of {len(payload)} bytes")
    _, arphrd, index, flags, _ = _IFINFO.unpack_from(payload)
    attrs = _attrs(payload, _IFINFO.size, source, _LINK_ATTRS)
    raw_name = attrs.get(IFLA_IFNAME)
    if not raw_name:
        raise ParseError(source, f"link {index} without a name")
    name = raw_name.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    mtu = attrs.get(IFLA_MTU)
    oper = attrs.get(IFLA_OPERSTATE)
    carrier = attrs.get(IFLA_CARRIER)
    stats = attrs.get(IFLA_STATS64)
    return Link(
        ifindex=index,
        name=name,
        flags=flags,
        arphrd=arphrd,
        mtu=_U32.unpack(mtu)[0] if mtu is not None and len(mtu) == 4 else None,
        operstate=OPERSTATES[oper[0]] if oper and oper[0] < len(OPERSTATES) else None,
        carrier=bool(carrier[0]) if carrier else None,
        address=attrs.get(IFLA_ADDRESS),
        broadcast=attrs.get(IFLA_BROADCAST),
        stats=_STATS64.unpack_from(stats) if stats is not None and len(stats) >= 184 else None,
    )


def link_counters(stats: tuple[int, ...]) -> InterfaceCounters:
    """``IFLA_STATS64`` folded the way the kernel folds it for ``/proc/net/dev``
    (:func:`~darwin_metrics.linux.parsers.netcounters.fold_counters`, shared with sysfs)."""
    folded = fold_counters(dict(zip(STATS64_FIELDS, stats, strict=False)))
    if folded is None:
        raise ParseError("IFLA_STATS64", f"{len(stats)} counters, expected at least 23")
    return folded


def link_entry(link: Link) -> RawIfAddr:
    """The ``AF_PACKET`` entry ``getifaddrs`` makes of a link (``sockaddr_ll`` of its hardware
    address and of its broadcast address, where the kernel gives them)."""

    def sockaddr_ll(hwaddr: bytes | None) -> bytes | None:
        if hwaddr is None or len(hwaddr) > _MAX_HWADDR:
            return None
        return (
            struct.pack("=HHiHBB", AF_PACKET, 0, link.ifindex, link.arphrd, 0, len(hwaddr)) + hwaddr
        )

    return RawIfAddr(
        name=link.name,
        flags=link.flags,
        addr=sockaddr_ll(link.address),
        netmask=None,
        broad_or_dst=sockaddr_ll(link.broadcast),
    )


def _is_link_local(address: bytes) -> bool:
    """``IN6_IS_ADDR_LINKLOCAL`` or ``IN6_IS_ADDR_MC_LINKLOCAL``."""
    return (address[0] == 0xFE and address[1] & 0xC0 == 0x80) or (
        address[0] == 0xFF and address[1] & 0x0F == 0x2
    )


class _Slot:
    """One ``struct sockaddr`` of a glibc entry, written the way glibc writes it."""

    __slots__ = ("data", "used")

    def __init__(self) -> None:
        self.data = bytearray(_SOCKADDR_SIZE)
        self.used = False

    def clear(self) -> None:
        self.data[:] = bytes(_SOCKADDR_SIZE)

    def store(self, family: int, value: bytes, index: int) -> None:
        """Family, then the address when its size fits the family (else left as it was)."""
        self.used = True
        struct.pack_into("=H", self.data, 0, family)
        if family == AF_INET:
            if len(value) == 4:
                self.data[4:8] = value
        elif family == AF_INET6:
            if len(value) == 16:
                self.data[8:24] = value
                if _is_link_local(value):
                    struct.pack_into("=I", self.data, 24, index)
        elif len(value) <= _SOCKADDR_SIZE - 2:
            self.data[2 : 2 + len(value)] = value

    def sockaddr(self) -> bytes | None:
        """The bytes the ctypes reader copies out for this family."""
        if not self.used:
            return None
        family = struct.unpack_from("=H", self.data)[0]
        if family == AF_INET:
            return bytes(self.data[:16])
        if family == AF_INET6:
            return bytes(self.data[:28])
        return bytes(self.data[:2])


def _netmask(family: int, prefix: int) -> bytes | None:
    if family == AF_INET:
        bits = min(prefix, 32)
        mask = ((1 << bits) - 1) << (32 - bits)
        return struct.pack("=HH", AF_INET, 0) + mask.to_bytes(4, "big") + bytes(8)
    if family == AF_INET6:
        bits = min(prefix, 128)
        mask = ((1 << bits) - 1) << (128 - bits)
        return struct.pack("=HHI", AF_INET6, 0, 0) + mask.to_bytes(16, "big") + bytes(4)
    return struct.pack("=H", family)


def address_entry(
    payload: bytes, links: Mapping[int, tuple[str, int]], source: str = "rtnetlink"
) -> RawIfAddr | None:
    """The entry ``getifaddrs`` makes of one ``RTM_NEWADDR`` payload; ``links`` maps each index to
    the link's (name, flags). ``None`` for an address of an index not among the links."""
    if len(payload) < _IFADDR.size:
        raise ParseError(source, f"ifaddrmsg of {len(payload)} bytes")
    family, prefix, _, _, index = _IFADDR.unpack_from(payload)
    link = links.get(index)
    if link is None:
        return None
    name, flags = link
    addr = _Slot()
    broad = _Slot()
    label: str | None = None
    offset = _IFADDR.size
    end = len(payload)
    while offset + 4 <= end:
        length, kind = _ATTR.unpack_from(payload, offset)
        if length < 4 or offset + length > end:
            raise ParseError(source, f"bad attribute length {length} at byte {offset}")
        value = payload[offset + 4 : offset + length]
        kind &= _TYPE_MASK
        if kind == IFA_ADDRESS:
            # A second address is the peer of a point-to-point link.
            (broad if addr.used else addr).store(family, value, index)
        elif kind == IFA_LOCAL:
            if addr.used:
                broad.data[:] = addr.data
                broad.used = True
                addr.clear()
            addr.store(family, value, index)
        elif kind == IFA_BROADCAST:
            if broad.used:
                broad.clear()
            broad.store(family, value, index)
        elif kind == IFA_LABEL:
            label = value.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        offset += (length + 3) & ~3
    netmask = None
    raw_addr = addr.sockaddr()
    if raw_addr is not None:
        addr_family = struct.unpack_from("=H", raw_addr)[0]
        if addr_family not in (0, AF_PACKET):
            netmask = _netmask(addr_family, prefix)
    return RawIfAddr(
        name=label if label is not None else name,
        flags=flags,
        addr=raw_addr,
        netmask=netmask,
        broad_or_dst=broad.sockaddr(),
    )
