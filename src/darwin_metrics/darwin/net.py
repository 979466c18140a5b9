"""Network on macOS: interfaces and system-wide TCP/UDP connections.

Interfaces: ``sysctl NET_RT_IFLIST2`` (identity, flags, MTU, IFT type, link address), exact
64-bit counters from each interface's ``ifmibdata`` (the route dump rounds byte counters to 1 KiB
and 32 bits for non-Apple binaries; send-queue drops too, which psutil reports as 0), psutil's ``net_if_addrs`` for
IPv4/IPv6 addresses, and two ioctls per interface: SIOCGIFFUNCTIONALTYPE (kind) and
SIOCGIFXMEDIA/SIOCGIFMEDIA (carrier, speed, duplex).

Connections: ``net.inet.tcp.pcblist_n`` and ``net.inet.udp.pcblist_n``, the tables ``netstat``
reads, which need no root. The owner shown is the socket's last user (``so_last_pid``).
"""

from __future__ import annotations

import socket
from typing import Any

from msgspec.structs import replace

from darwin_metrics.darwin.decode import net as decode
from darwin_metrics.darwin.decode.process import kinfo
from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.darwin.ffi import libc, libproc, netio
from darwin_metrics.errors import DarwinMetricsError, NotSupported
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.connections import (
    Connection,
    ConnectionCount,
    ConnectionCounts,
    ListeningPort,
)
from darwin_metrics.records.net import Address, AddressFamily, Interface, InterfaceCounters

log = get_logger(__name__)

#: kind → (protocols, families) for :func:`read_connections`. ``all`` is TCP and UDP: unix-domain
#: sockets are not read on macOS.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "inet": (("tcp", "udp"), ("ipv4", "ipv6")),
    "inet4": (("tcp", "udp"), ("ipv4",)),
    "inet6": (("tcp", "udp"), ("ipv6",)),
    "tcp": (("tcp",), ("ipv4", "ipv6")),
    "tcp4": (("tcp",), ("ipv4",)),
    "tcp6": (("tcp",), ("ipv6",)),
    "udp": (("udp",), ("ipv4", "ipv6")),
    "udp4": (("udp",), ("ipv4",)),
    "udp6": (("udp",), ("ipv6",)),
    "all": (("tcp", "udp"), ("ipv4", "ipv6")),
}


def _addresses(entries: list[Any], mac: str | None) -> tuple[Address, ...]:
    result = []
    for entry in entries:
        family = entry.family
        fam: AddressFamily
        if family == socket.AF_INET:
            fam = "ipv4"
        elif family == socket.AF_INET6:
            fam = "ipv6"
        else:
            continue
        result.append(decode.address(fam, entry.address, entry.netmask, entry.broadcast, entry.ptp))
    if mac:
        result.append(decode.address("link", mac))
    return tuple(result)


def _all_counters() -> dict[str, InterfaceCounters]:
    """Every attached interface's exact counters in one call (``IFMIB_IFALLDATA``); empty when
    the kernel refuses it (each interface is then asked for by index)."""
    mib = (k.CTL_NET, k.PF_LINK, k.NETLINK_GENERIC, k.IFMIB_IFALLDATA, 0, k.IFDATA_GENERAL)
    try:
        return decode.ifalldata(libc.sysctl(mib))
    except (OSError, DarwinMetricsError) as exc:
        log.debug("ifalldata: %s", exc)
        return {}


def _exact_counters(link: decode.LinkRecord) -> InterfaceCounters | None:
    """The unrounded counters of ``link`` from its ``ifmibdata``; ``None`` when the kernel has no
    record for the index any more or the index now names another interface."""
    mib = (k.CTL_NET, k.PF_LINK, k.NETLINK_GENERIC, k.IFMIB_IFDATA, link.index, k.IFDATA_GENERAL)
    try:
        name, counters = decode.ifmibdata(libc.sysctl(mib))
    except (OSError, DarwinMetricsError) as exc:
        log.debug("ifmibdata of %s (index %d): %s", link.name, link.index, exc)
        return None
    if name != link.name:
        log.debug("ifmibdata index %d names %r, not %r", link.index, name, link.name)
        return None
    return counters


def _interface(
    sock: socket.socket,
    link: decode.LinkRecord,
    addresses: list[Any],
    counters: dict[str, InterfaceCounters],
) -> Interface:
    functional = netio.functional_type(sock, link.name)
    raw_media = netio.media(sock, link.name)
    media = decode.media(raw_media) if raw_media is not None else None
    return Interface(
        name=link.name,
        index=link.index,
        kind=decode.interface_kind(link.name, functional, link.ift_type),
        is_up=bool(link.flags & k.IFF_UP),
        is_running=bool(link.flags & k.IFF_RUNNING),
        has_carrier=media.has_carrier if media else None,
        mtu=link.mtu,
        speed_bits_per_second=media.speed if media else None,
        duplex=media.duplex if media else None,
        mac=link.mac,
        addresses=_addresses(addresses, link.mac),
        counters=counters[link.name] if link.name in counters else _exact_counters(link),
        flags=link.flags,
    )


def read_interfaces() -> tuple[Interface, ...]:
    """Every interface with its kind, link state, addresses and exact counters.

    One interface that fails (it went away mid-scan) is skipped and logged, not fatal.
    """
    import psutil

    raw = libc.sysctl((k.CTL_NET, k.PF_ROUTE, 0, 0, k.NET_RT_IFLIST2, 0))
    links = decode.iflist2(raw)
    addresses = psutil.net_if_addrs()
    counters = _all_counters()
    result = []
    with netio.datagram_socket() as sock:
        for link in links:
            try:
                found = list(addresses.get(link.name, ()))
                result.append(_interface(sock, link, found, counters))
            except (OSError, DarwinMetricsError) as exc:
                log.debug("skipping interface %s: %s", link.name, exc)
    return tuple(result)


def _ifname(index: int) -> str | None:
    try:
        return socket.if_indextoname(index)
    except OSError:
        return None


def _tables(protocols: tuple[str, ...]) -> list[Connection]:
    found: list[Connection] = []
    for protocol in protocols:
        raw = libc.sysctlbyname(f"net.inet.{protocol}.pcblist_n")
        found.extend(decode.pcblist(raw, "tcp" if protocol == "tcp" else "udp", _ifname))
    return found


def read_connections(kind: str = "inet", pids: bool = True) -> tuple[Connection, ...]:
    """TCP and UDP sockets of ``kind``; ``pids=False`` leaves owners unlooked (``pids=None``)."""
    if kind == "unix":
        raise NotSupported("unix-domain sockets are not listed on macOS")
    if kind not in KINDS:
        raise ValueError(f"unknown connection kind {kind!r}; one of {sorted(KINDS)} or 'unix'")
    protocols, families = KINDS[kind]
    found = [c for c in _tables(protocols) if c.family in families]
    if not pids:
        found = [replace(c, pids=None) for c in found]
    return decode.connections_sorted(found)


def read_process_connections(pid: int, kind: str = "inet") -> tuple[Connection, ...]:
    """The sockets whose last user is ``pid``."""
    return tuple(c for c in read_connections(kind) if c.pids and pid in c.pids)


def _name(pid: int) -> str:
    try:
        return kinfo(libproc.kinfo_proc(pid)).name
    except (OSError, DarwinMetricsError):
        return ""


def read_connection_counts(pids: bool = True) -> ConnectionCounts:
    """Counts per protocol, family and state, and the listening ports with their processes."""
    conns = read_connections("inet", pids=pids)
    counts: dict[tuple[str, str, str], int] = {}
    for c in conns:
        key = (c.protocol, c.family, c.state)
        counts[key] = counts.get(key, 0) + 1
    listening = []
    names: dict[int, str] = {}
    for c in conns:
        if not c.listening or c.local_port is None or c.protocol not in ("tcp", "udp"):
            continue
        procs = None
        if c.pids is not None:
            for p in c.pids:
                names.setdefault(p, _name(p))
            procs = tuple(names[p] for p in c.pids)
        listening.append(
            ListeningPort(
                protocol="tcp" if c.protocol == "tcp" else "udp",
                family="ipv4" if c.family == "ipv4" else "ipv6",
                address=c.local_address or "",
                port=c.local_port,
                uid=c.uid,
                pids=c.pids,
                names=procs,
            )
        )
    listening.sort(key=lambda p: (p.protocol, p.port, p.family, p.address))
    return ConnectionCounts(
        counts=tuple(
            ConnectionCount(protocol=p, family=f, state=s, count=n)  # type: ignore[arg-type]
            for (p, f, s), n in sorted(counts.items())
        ),
        listening=tuple(listening),
        total=len(conns),
    )
