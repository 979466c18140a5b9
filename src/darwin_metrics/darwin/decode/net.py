"""Network decoders: ``NET_RT_IFLIST2`` records, media words, interface kinds, addresses, and the
``net.inet.{tcp,udp}.pcblist_n`` socket tables.

Counters: the route dump (``if_msghdr2``/``if_data64``) rounds the byte counters down to 1 KiB and
truncates them to 32 bits for every process that is not an Apple platform binary (``ALIGN_BYTES``
in xnu's ``rtsock.c``), so exact counters come from ``struct ifmibdata``
(``net.link.generic.ifdata.<index>.general``, :func:`ifmibdata`), which the kernel copies unrounded.
``tx_drops`` is the send-queue drop count (``ifmd_snd_drops``). A malformed route record is
skipped, not fatal to the whole list.

Kind, in this order: loopback (functional type or IFT_LOOP); the functional type for Wi-Fi and
cellular; IFT types for bridges, VLANs, link aggregates, tunnels (gif, stf, PPP) and cellular;
``utun*``/``ipsec*``/``ppp*`` names as tunnels; AWDL/low-latency WLAN, companion-link and
co-processor links as ``virtual``; the wired functional type or IFT_ETHER as ethernet; else other.

Speed and duplex: the active media word of SIOCGIFXMEDIA/SIOCGIFMEDIA, Ethernet subtypes only
(extended subtypes decoded as ``if_media.h`` ``IFM_X_SUBTYPE`` encodes them); ``None`` without a link.
"""

from __future__ import annotations

import ctypes
import ipaddress
import struct
from collections.abc import Callable, Sequence
from typing import Literal

import msgspec

from darwin_metrics.darwin.decode.common import struct_from
from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.darwin.ffi.structs import (
    IfData64,
    IfMediaReq,
    IfMibData,
    IfMsghdr2,
    SockaddrDl,
    XinpcbN,
    Xinpgen,
    XsocketN,
    XtcpcbN,
)
from darwin_metrics.errors import ParseError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.connections import Connection, ConnectionState
from darwin_metrics.records.net import Address, AddressFamily, InterfaceCounters, InterfaceKind

_G = 1_000_000_000
_M = 1_000_000

#: Ethernet media subtype number → bits per second (bsd/net/if_media.h; 31 is IFM_OTHER).
ETHERNET_SPEEDS: dict[int, int] = {
    3: 10 * _M, 4: 10 * _M, 5: 10 * _M, 6: 100 * _M, 7: 100 * _M, 8: 100 * _M, 9: 100 * _M,
    10: 100 * _M, 11: _G, 12: 10 * _M, 13: 10 * _M, 14: _G, 15: _G, 16: _G, 17: 1 * _M,
    18: 10 * _G, 19: 10 * _G, 20: 10 * _G, 21: 10 * _G, 22: 2_500 * _M, 23: 5 * _G, 24: _G,
    25: _G, 26: 10 * _G, 27: 10 * _G, 28: 10 * _G, 29: 10 * _G, 30: 20 * _G,
    32: 2_500 * _M, 33: 10 * _G, 34: 10 * _G, 35: 10 * _G, 36: 2_500 * _M, 37: 40 * _G,
    38: 40 * _G, 39: 50 * _G, 40: 25 * _G, 41: _G, 42: 10 * _G, 43: 40 * _G, 44: 40 * _G,
    45: 40 * _G, 47: 100 * _G, 48: 100 * _G, 49: 100 * _G, 50: 100 * _G, 51: 56 * _G,
    52: 100 * _M, 53: 25 * _G, 54: 25 * _G, 55: 25 * _G, 56: 50 * _G, 57: 50 * _G, 58: 25 * _G,
    59: 10 * _G, 60: 25 * _G, 61: 25 * _G, 62: 100 * _M, 63: 2_500 * _M, 64: 5 * _G,
    65: 25 * _G, 66: 25 * _G, 67: 25 * _G, 68: 25 * _G, 69: 5 * _G, 70: 5 * _G, 71: 25 * _G,
    72: 40 * _G, 73: 40 * _G, 74: 40 * _G,
    **dict.fromkeys(range(75, 86), 50 * _G),
    86: 25 * _G, 87: 50 * _G, 88: 50 * _G,
    **dict.fromkeys(range(89, 103), 100 * _G),
    **dict.fromkeys(range(103, 113), 200 * _G),
    **dict.fromkeys(range(113, 118), 400 * _G),
}  # fmt: skip

TCP_STATES: dict[int, ConnectionState] = {
    k.TCPS_CLOSED: "CLOSE",
    k.TCPS_LISTEN: "LISTEN",
    k.TCPS_SYN_SENT: "SYN_SENT",
    k.TCPS_SYN_RECEIVED: "SYN_RECV",
    k.TCPS_ESTABLISHED: "ESTABLISHED",
    k.TCPS_CLOSE_WAIT: "CLOSE_WAIT",
    k.TCPS_FIN_WAIT_1: "FIN_WAIT1",
    k.TCPS_CLOSING: "CLOSING",
    k.TCPS_LAST_ACK: "LAST_ACK",
    k.TCPS_FIN_WAIT_2: "FIN_WAIT2",
    k.TCPS_TIME_WAIT: "TIME_WAIT",
}

_TUNNEL_PREFIXES = ("utun", "ipsec", "ppp", "gif", "stf")

log = get_logger(__name__)


class LinkRecord(msgspec.Struct, frozen=True, gc=False):
    """One RTM_IFINFO2 record: identity, flags, MTU, IFT type, link address and counters."""

    name: str
    index: int
    flags: int
    mtu: int
    ift_type: int
    baudrate: int
    mac: str | None
    counters: InterfaceCounters


class Media(msgspec.Struct, frozen=True, gc=False):
    """What the active media word says: carrier (None when the driver does not say), speed, duplex."""

    has_carrier: bool | None
    speed: int | None
    duplex: Literal["full", "half"] | None


def sockaddr_dl(raw: bytes) -> tuple[str, int, int, str | None]:
    """``(name, index, IFT type, link address)`` from a ``sockaddr_dl`` (link address as
    ``aa:bb:…`` when it has one, else None). Only ``sdl_len`` bytes are read."""
    data_start = SockaddrDl.sdl_data.offset
    if len(raw) < data_start:
        raise ParseError("sockaddr_dl", f"{len(raw)} bytes, need {data_start}")
    sdl_len, _family, index, ift_type, nlen, alen, _slen = struct.unpack_from("<BBHBBBB", raw)
    end = data_start + nlen + alen
    if end > min(sdl_len, len(raw)):
        raise ParseError("sockaddr_dl", f"name and address end at {end}, past sdl_len {sdl_len}")
    name = raw[data_start : data_start + nlen].decode("utf-8", "replace")
    addr = raw[data_start + nlen : end]
    mac = ":".join(f"{b:02x}" for b in addr) if alen and any(addr) else None
    return name, int(index), int(ift_type), mac


def _counters(d: IfData64, snd_drops: int) -> InterfaceCounters:
    return InterfaceCounters(
        rx_bytes=int(d.ifi_ibytes),
        rx_packets=int(d.ifi_ipackets),
        rx_errors=int(d.ifi_ierrors),
        rx_drops=int(d.ifi_iqdrops),
        rx_multicast=int(d.ifi_imcasts),
        tx_bytes=int(d.ifi_obytes),
        tx_packets=int(d.ifi_opackets),
        tx_errors=int(d.ifi_oerrors),
        tx_drops=snd_drops & 0xFFFFFFFF,
        tx_collisions=int(d.ifi_collisions),
    )


def _link_record(message: bytes) -> LinkRecord:
    hdr = struct_from(message, IfMsghdr2, "if_msghdr2")
    name, _index, _type, mac = sockaddr_dl(message[ctypes.sizeof(IfMsghdr2) :])
    data = hdr.ifm_data
    return LinkRecord(
        name=name,
        index=int(hdr.ifm_index),
        flags=int(hdr.ifm_flags) & 0xFFFFFFFF,
        mtu=int(data.ifi_mtu),
        ift_type=int(data.ifi_type),
        baudrate=int(data.ifi_baudrate),
        mac=mac,
        counters=_counters(data, int(hdr.ifm_snd_drops)),
    )


def iflist2(raw: bytes) -> list[LinkRecord]:
    """Every RTM_IFINFO2 record of ``sysctl {CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLIST2, 0}``.

    A record whose own contents are malformed (a bad link address) is skipped and logged; only a
    broken message framing, after which nothing can be trusted, raises :class:`ParseError`. The
    byte counters here are rounded (see the module docstring): prefer :func:`ifmibdata`.
    """
    records = []
    pos = 0
    while pos < len(raw):
        if len(raw) - pos < 4:
            raise ParseError("NET_RT_IFLIST2", f"{len(raw) - pos} trailing bytes")
        msglen, _version, msgtype = struct.unpack_from("<HBB", raw, pos)
        if msglen < 4 or pos + msglen > len(raw):
            raise ParseError("NET_RT_IFLIST2", f"message length {msglen} at offset {pos}")
        if msgtype == k.RTM_IFINFO2:
            try:
                records.append(_link_record(raw[pos : pos + msglen]))
            except ParseError as exc:
                log.debug("skipping interface record at offset %d: %s", pos, exc)
        pos += msglen
    return records


def ifmibdata(raw: bytes) -> tuple[str, InterfaceCounters]:
    """``(name, exact counters)`` from one ``struct ifmibdata`` (180 bytes).

    An interface that is not attached gives an all-zero record with an empty name; the caller
    treats the empty name as "no data" rather than as zero traffic.
    """
    mib = struct_from(raw, IfMibData, "ifmibdata")
    name = bytes(mib.ifmd_name).split(b"\0", 1)[0].decode("utf-8", "replace")
    return name, _counters(mib.ifmd_data, int(mib.ifmd_snd_drops))


def ifalldata(raw: bytes) -> dict[str, InterfaceCounters]:
    """Name → exact counters from ``net.link.generic.ifalldata`` (``IFMIB_IFALLDATA``): one
    ``ifmibdata`` per attached interface, concatenated; unattached (nameless) records skipped."""
    size = ctypes.sizeof(IfMibData)
    if len(raw) % size:
        raise ParseError("ifalldata", f"{len(raw)} bytes is not a multiple of {size}")
    found = {}
    for offset in range(0, len(raw), size):
        name, counters = ifmibdata(raw[offset : offset + size])
        if name:
            found[name] = counters
    return found


def media_subtype(word: int) -> int:
    """The Ethernet subtype number of a media word (extended bits 16-19 give numbers >= 32)."""
    return (word & k.IFM_TMASK_COMPAT) | ((word & k.IFM_TMASK_EXT) >> k.IFM_TMASK_EXT_SHIFT)


def media(raw: bytes) -> Media:
    """Carrier, speed (bits/s) and duplex from ``struct ifmediareq`` bytes."""
    req = struct_from(raw, IfMediaReq, "ifmediareq")
    status = int(req.ifm_status)
    active = int(req.ifm_active) & 0xFFFFFFFF
    carrier = bool(status & k.IFM_ACTIVE) if status & k.IFM_AVALID else None
    speed = None
    if carrier is not False and active & k.IFM_NMASK == k.IFM_ETHER:
        speed = ETHERNET_SPEEDS.get(media_subtype(active))
    duplex: Literal["full", "half"] | None = None
    if carrier is not False:
        if active & k.IFM_FDX:
            duplex = "full"
        elif active & k.IFM_HDX:
            duplex = "half"
    return Media(has_carrier=carrier, speed=speed, duplex=duplex)


def interface_kind(name: str, functional: int | None, ift_type: int | None) -> InterfaceKind:
    """Classify an interface (see the module docstring for the order of the rules)."""
    if functional == k.IFRTYPE_FUNCTIONAL_LOOPBACK or ift_type == k.IFT_LOOP:
        return "loopback"
    if functional == k.IFRTYPE_FUNCTIONAL_WIFI_INFRA:
        return "wifi"
    if functional == k.IFRTYPE_FUNCTIONAL_CELLULAR or ift_type == k.IFT_CELLULAR:
        return "cellular"
    if ift_type == k.IFT_BRIDGE:
        return "bridge"
    if ift_type == k.IFT_L2VLAN:
        return "vlan"
    if ift_type == k.IFT_IEEE8023ADLAG:
        return "bond"
    if ift_type in (k.IFT_GIF, k.IFT_STF, k.IFT_PPP) or name.startswith(_TUNNEL_PREFIXES):
        return "tunnel"
    if functional in (
        k.IFRTYPE_FUNCTIONAL_WIFI_AWDL,
        k.IFRTYPE_FUNCTIONAL_COMPANIONLINK,
        k.IFRTYPE_FUNCTIONAL_INTCOPROC,
    ):
        return "virtual"
    if functional == k.IFRTYPE_FUNCTIONAL_WIRED or ift_type == k.IFT_ETHER:
        return "ethernet"
    return "other"


def _prefix_length(netmask: str | None) -> int | None:
    if not netmask:
        return None
    try:
        mask = int(ipaddress.ip_address(netmask.split("%", 1)[0]))
    except ValueError:
        return None
    bits = 32 if ":" not in netmask else 128
    length = bin(mask).count("1")
    # Only a contiguous mask has a prefix length.
    return length if mask == ((1 << bits) - 1) ^ ((1 << (bits - length)) - 1) else None


def address(
    family: AddressFamily,
    value: str,
    netmask: str | None = None,
    broadcast: str | None = None,
    peer: str | None = None,
) -> Address:
    """An Address record; ``prefix_length`` is worked out from a contiguous ``netmask``."""
    return Address(
        family=family,
        address=value,
        netmask=netmask or None,
        prefix_length=_prefix_length(netmask) if family != "link" else None,
        broadcast=broadcast or None,
        peer=peer or None,
    )


# --- pcblist_n -------------------------------------------------------------------------------


def _round8(n: int) -> int:
    return (n + 7) & ~7


class _Socket(msgspec.Struct):
    inpcb: XinpcbN
    socket: XsocketN | None = None
    tcpcb: XtcpcbN | None = None


def _items(raw: bytes, source: str) -> list[_Socket]:
    gen = struct_from(raw, Xinpgen, source)
    if gen.xig_len != len(bytes(gen)):
        raise ParseError(source, f"header length {gen.xig_len}")
    if gen.xig_count == 0 and len(raw) < 2 * len(bytes(gen)):
        return []  # an empty table: the kernel writes no trailer
    end = len(raw) - len(bytes(gen))  # the trailing xinpgen
    if end < len(bytes(gen)):
        raise ParseError(source, "no trailer")
    trailer = struct_from(raw, Xinpgen, source, end)
    if trailer.xig_len != gen.xig_len:
        raise ParseError(source, f"trailer length {trailer.xig_len}")
    sockets: list[_Socket] = []
    pos = len(bytes(gen))
    while pos < end:
        if end - pos < 8:
            raise ParseError(source, f"{end - pos} stray bytes at offset {pos}")
        length, kind = struct.unpack_from("<II", raw, pos)
        step = _round8(length)
        if length < 8 or pos + step > end:
            raise ParseError(source, f"record length {length} at offset {pos}")
        record = raw[pos : pos + length]
        if kind == k.XSO_INPCB:
            sockets.append(_Socket(inpcb=struct_from(record, XinpcbN, source)))
        elif kind == k.XSO_SOCKET and sockets:
            sockets[-1].socket = struct_from(record, XsocketN, source)
        elif kind == k.XSO_TCPCB and sockets:
            sockets[-1].tcpcb = struct_from(record, XtcpcbN, source)
        pos += step
    return sockets


def _scope_index(packed: bytes) -> int | None:
    """The interface index KAME stacks embed in bytes 2-3 of a scoped IPv6 address (link-local
    unicast ``fe80::/10``, interface- and link-local multicast ``ff01::/16``, ``ff02::/16``); None
    for other addresses."""
    if packed[0] == 0xFE and packed[1] & 0xC0 == 0x80:
        return (packed[2] << 8) | packed[3]
    if packed[0] == 0xFF and packed[1] & 0x0F in (1, 2):
        return (packed[2] << 8) | packed[3]
    return None


def ipv6_text(packed: bytes, ifname: Callable[[int], str | None]) -> str:
    """An IPv6 address as ``netstat`` prints it: the kernel's embedded scope is taken out of the
    address and shown as ``%ifname`` (``fe80::1%lo0``), or ``%index`` when the name is unknown."""
    scope = _scope_index(packed)
    if not scope:
        return str(ipaddress.IPv6Address(packed))
    bare = ipaddress.IPv6Address(packed[:2] + b"\0\0" + packed[4:])
    return f"{bare}%{ifname(scope) or scope}"


def _no_names(index: int) -> str | None:
    return None


def _endpoint(
    inp: XinpcbN,
    family: Literal["ipv4", "ipv6"],
    local: bool,
    ifname: Callable[[int], str | None],
) -> tuple[str | None, int | None]:
    port_be = inp.inp_lport if local else inp.inp_fport
    port = struct.unpack(">H", struct.pack("<H", port_be))[0]
    if family == "ipv4":
        union = inp.inp_dependladdr.inp46_local if local else inp.inp_dependfaddr.inp46_foreign
        packed = bytes(union.ia46_addr4)
        if not local and port == 0 and not any(packed):
            return None, None
        return str(ipaddress.IPv4Address(packed)), port
    raw6 = inp.inp_dependladdr.inp6_local if local else inp.inp_dependfaddr.inp6_foreign
    packed = bytes(raw6)
    if not local and port == 0 and not any(packed):
        return None, None
    return ipv6_text(packed, ifname), port


def pcblist(
    raw: bytes,
    protocol: Literal["tcp", "udp"],
    ifname: Callable[[int], str | None] = _no_names,
) -> list[Connection]:
    """Connections from ``net.inet.<protocol>.pcblist_n`` output.

    ``ifname`` names an interface index, for the scope of link-local IPv6 addresses. An empty table
    (no sockets: the kernel writes the header and no trailer) gives ``[]``.

    ``pids`` holds the socket's last user (``so_last_pid``), the one process macOS records; ``uid``
    is ``so_uid``. Sockets have no inode on macOS (``inode=None``); queue sizes are not decoded.
    """
    source = f"net.inet.{protocol}.pcblist_n"
    connections = []
    for item in _items(raw, source):
        inp = item.inpcb
        family: Literal["ipv4", "ipv6"]
        if inp.inp_vflag & k.INP_IPV4 and not inp.inp_vflag & k.INP_IPV6:
            family = "ipv4"
        elif inp.inp_vflag & k.INP_IPV6:
            family = "ipv6"
        else:
            continue
        local_address, local_port = _endpoint(inp, family, True, ifname)
        remote_address, remote_port = _endpoint(inp, family, False, ifname)
        if protocol == "tcp":
            code = int(item.tcpcb.t_state) if item.tcpcb is not None else None
            state: ConnectionState = TCP_STATES.get(code, "NONE") if code is not None else "NONE"
            listening = state == "LISTEN"
        else:
            state = "NONE"
            listening = bool(local_port) and remote_address is None
        sock = item.socket
        pid = int(sock.so_last_pid) if sock is not None else 0
        connections.append(
            Connection(
                family=family,
                type="stream" if protocol == "tcp" else "dgram",
                protocol=protocol,
                local_address=local_address,
                local_port=local_port,
                remote_address=remote_address,
                remote_port=remote_port,
                state=state,
                listening=listening,
                inode=None,
                uid=int(sock.so_uid) if sock is not None else None,
                pids=(pid,) if pid > 0 else (),
            )
        )
    return connections


def connections_sorted(items: Sequence[Connection]) -> tuple[Connection, ...]:
    """Connections in a stable order: protocol, family, local and remote endpoints."""
    return tuple(
        sorted(
            items,
            key=lambda c: (
                c.protocol,
                c.family,
                c.local_address or "",
                c.local_port or 0,
                c.remote_address or "",
                c.remote_port or 0,
            ),
        )
    )
