"""``interfaces()`` on Linux: route netlink, or ``/sys/class/net``, ``/proc/net/dev`` and
``getifaddrs``.

**Live system** (the roots are this machine's ``/proc`` and ``/sys``): two route-netlink dumps
(``RTM_GETLINK``, ``RTM_GETADDR``; :mod:`darwin_metrics.linux.rtnl`) give every interface of this
network namespace with its index, flag word, ``operstate``, ``mtu``, carrier, hardware address,
64-bit counters (the kernel's ``IFLA_STATS64``, folded as for ``/proc/net/dev``) and addresses (the
entries ``getifaddrs`` makes of the same dumps, so the same addresses). sysfs is read only for the
kind, once per (name, index), and for a link's ``speed`` and ``duplex``; the values are those the
sources below give. Where route netlink is refused (some sandboxes), the live system is read like a
captured tree, plus ``getifaddrs``. An interface's decoded link message and the decoded address list
are reused while the kernel sends the very same bytes.

**Captured trees**: the interfaces are those of ``/sys/class/net`` plus any that only
``/proc/net/dev`` lists, ordered by index (then name). Per interface:

* the flag word (``is_up`` = ``IFF_UP`` 0x1, ``is_running`` = ``IFF_RUNNING`` 0x40) from
  getifaddrs on the live system, else from sysfs ``flags`` with ``IFF_RUNNING`` derived from
  ``operstate`` (:func:`running_from`);
* from sysfs: ``carrier`` (``None`` while the interface is down: the kernel answers EINVAL),
  ``operstate``, ``mtu``, ``speed`` (Mb/s in sysfs, bits/s here; -1 or EINVAL → ``None``),
  ``duplex``, ``address`` (the MAC; on the live system getifaddrs gives it and the index).
  ``speed`` and ``duplex`` are ``None`` for loopback, virtual, bridge and tunnel kinds, whose
  figures are not those of a link (veth claims 10000 Mb/s);
* counters from ``/proc/net/dev`` (one read for all interfaces, 64-bit on every current kernel),
  else from ``statistics/*`` in sysfs, combined the way the kernel combines them for
  ``/proc/net/dev`` (see :mod:`darwin_metrics.linux.parsers.netdev`) so that both sources agree;
* addresses from ``getifaddrs(3)``, only when the roots are the live ``/proc`` and ``/sys`` (a
  captured tree has no addresses, so they are ``()`` there). On the live system, an interface
  missing from sysfs takes its flags and index from getifaddrs too.

``kind`` (:func:`classify_kind`), first match wins:

=========  =================================================================================
loopback   ``type`` 772 (ARPHRD_LOOPBACK) or ``IFF_LOOPBACK``
wifi       a ``wireless/`` directory or ``phy80211`` link, ``DEVTYPE=wlan`` in ``uevent``, or
           ``type`` 801-803 (802.11 monitor modes)
bridge     a ``bridge/`` directory or ``DEVTYPE=bridge``
bond       a ``bonding/`` directory or ``DEVTYPE=bond``
vlan       ``DEVTYPE=vlan``
cellular   ``DEVTYPE=wwan`` or ``type`` 519 (ARPHRD_RAWIP, used by WWAN modems)
tunnel     ``tun_flags`` (tun/tap), ``DEVTYPE`` wireguard/vxlan/geneve/gre/ip6gre/ipip/sit/…,
           or ``type`` 768/769 (ipip, ip6tnl), 776 (sit), 778 (gre), 823 (ip6gre), 512 (ppp),
           65534 (ARPHRD_NONE: tun, wireguard)
virtual    no ``device`` link and the sysfs directory does not resolve under ``devices/`` outside
           ``devices/virtual/`` (veth, dummy, ifb, macvlan …)
ethernet   ``type`` 1 with a ``device`` link or a physical sysfs path
other      everything else (InfiniBand, CAN, …), and interfaces with no sysfs entry
=========  =================================================================================

An interface seen only in ``/proc/net/dev`` is ``loopback`` when named ``lo``, else ``other``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots, is_live
from darwin_metrics.linux.memo import MemoSpec
from darwin_metrics.linux.parsers.ifaddrs import InterfaceAddrs, group_by_interface
from darwin_metrics.linux.parsers.netclass import (
    IFF_LOOPBACK,
    IFF_LOWER_UP,
    IFF_RUNNING,
    IFF_UP,
    parse_carrier,
    parse_duplex,
    parse_flags,
    parse_speed,
    parse_uevent,
)
from darwin_metrics.linux.parsers.netcounters import STATS64_FIELDS, fold_counters
from darwin_metrics.linux.parsers.netdev import parse_net_dev
from darwin_metrics.linux.parsers.numbers import in_range, u64
from darwin_metrics.linux.parsers.rtnetlink import (
    Link,
    address_entry,
    link_counters,
    link_entry,
    parse_link,
)
from darwin_metrics.records.net import Interface, InterfaceCounters, InterfaceKind

ARPHRD_ETHER = 1
ARPHRD_RAWIP = 519
ARPHRD_LOOPBACK = 772
_WIFI_TYPES = frozenset({801, 802, 803})  # ARPHRD_IEEE80211, _PRISM, _RADIOTAP
_TUNNEL_TYPES = frozenset({512, 768, 769, 776, 778, 823, 65534})
_TUNNEL_DEVTYPES = frozenset(
    {
        "wireguard",
        "vxlan",
        "geneve",
        "gre",
        "gretap",
        "ip6gre",
        "ip6gretap",
        "ipip",
        "ip6tnl",
        "sit",
        "vti",
        "vti6",
        "erspan",
        "bareudp",
        "tun",
        "tap",
    }
)


def classify_kind(
    *,
    arphrd: int | None,
    flags: int | None,
    entries: frozenset[str],
    devtype: str | None,
    physical: bool,
) -> InterfaceKind:
    """The interface kind from sysfs facts (rules in the module docstring).

    ``entries`` are the names inside ``/sys/class/net/<if>/``; ``physical`` says that the interface
    has a ``device`` link or a sysfs path under ``devices/`` outside ``devices/virtual/``.
    """
    if arphrd == ARPHRD_LOOPBACK or (flags is not None and flags & IFF_LOOPBACK):
        return "loopback"
    if "wireless" in entries or "phy80211" in entries or devtype == "wlan" or arphrd in _WIFI_TYPES:
        return "wifi"
    if "bridge" in entries or devtype == "bridge":
        return "bridge"
    if "bonding" in entries or devtype == "bond":
        return "bond"
    if devtype == "vlan":
        return "vlan"
    if devtype == "wwan" or arphrd == ARPHRD_RAWIP:
        return "cellular"
    if "tun_flags" in entries or devtype in _TUNNEL_DEVTYPES or arphrd in _TUNNEL_TYPES:
        return "tunnel"
    if not physical:
        return "virtual"
    if arphrd == ARPHRD_ETHER:
        return "ethernet"
    return "other"


_OPER_UP = frozenset({"up", "unknown"})
#: Kinds whose sysfs ``speed``/``duplex`` are not a link's: software devices report a made-up
#: figure (veth says 10000 Mb/s) or nothing. Their ``speed`` and ``duplex`` are ``None``.
_NO_LINK_SPEED = frozenset({"loopback", "virtual", "bridge", "tunnel"})
#: The largest MTU the kernel can hold (``dev->mtu`` is an ``unsigned int`` limited to INT_MAX).
MAX_MTU = 2**31 - 1


def running_from(flags: int | None, operstate: str | None) -> bool | None:
    """``IFF_RUNNING``, from the flag word or, failing that, derived like the kernel does.

    The sysfs ``flags`` attribute is the device's administrative flag word, which never holds
    ``IFF_RUNNING``: the kernel adds that bit (in ``dev_get_flags``, which getifaddrs and ``ip link``
    see) when the device is up and its operational state is ``up`` or ``unknown``.
    """
    if flags is None:
        return None
    if flags & IFF_RUNNING:
        return True
    return bool(flags & IFF_UP) and operstate in _OPER_UP


def _is_physical(base: str, entries: frozenset[str], sysfs: str) -> bool:
    if "device" in entries:
        return True
    try:
        # /sys/class/net/<if> is a symlink such as ../../devices/virtual/net/<if>: one readlink
        target = os.readlink(base)
    except OSError:
        target = ""
    if target.startswith("../../devices/"):
        return not target.startswith("../../devices/virtual/")
    real = os.path.realpath(base)
    devices = os.path.join(os.path.realpath(sysfs), "devices") + os.sep
    return real.startswith(devices) and not real.startswith(devices + "virtual" + os.sep)


def sysfs_counters(base: str) -> InterfaceCounters | None:
    """Counters from ``<base>/statistics/*``, folded like ``/proc/net/dev`` (the same folding as
    the live netlink path); ``None`` if absent. A malformed file is an unknown counter."""
    stats = os.path.join(base, "statistics")
    return fold_counters(
        {name: fs.read_value(os.path.join(stats, name), _counter) for name in STATS64_FIELDS}
    )


def _counter(text: str, source: str) -> int:
    return u64(text.strip(), source)


def _entries(base: str) -> frozenset[str] | None:
    try:
        return frozenset(os.listdir(base))
    except NotADirectoryError:
        return None
    except OSError as exc:
        if exc.errno in fs.MISSING_ERRNOS or exc.errno in fs.DENIED_ERRNOS:
            return None
        raise


#: Kinds of live interfaces by (name, ifindex). A device never changes kind, and a re-created
#: device gets a new ifindex, so the pair identifies it; only live readings (index from getifaddrs)
#: use this cache.
_KIND_CACHE: MemoSpec[tuple[str, int], InterfaceKind] = MemoSpec("net.kinds", maxsize=4096)


def _sysfs_kind(
    roots: Roots, base: str, entries: frozenset[str], flags: int | None, arphrd: int | None
) -> InterfaceKind:
    """:func:`classify_kind` from what sysfs says about the interface at ``base``."""
    devtype = None
    if arphrd != ARPHRD_LOOPBACK:
        uevent = fs.read_attr(os.path.join(base, "uevent"))
        devtype = parse_uevent(uevent).get("DEVTYPE") if uevent else None
    return classify_kind(
        arphrd=arphrd,
        flags=flags,
        entries=entries,
        devtype=devtype,
        physical=_is_physical(base, entries, roots.sysfs),
    )


def _link_address(addrs: InterfaceAddrs | None) -> str | None:
    if addrs is not None:
        for address in addrs.addresses:
            if address.family == "link":
                return address.address
    return None


def _without_sysfs(
    name: str, counters: Mapping[str, InterfaceCounters], addrs: InterfaceAddrs | None
) -> Interface:
    """An interface that ``/proc/net/dev`` or getifaddrs lists but sysfs does not."""
    flags = addrs.flags if addrs is not None else None
    loopback = name == "lo" or (flags is not None and bool(flags & IFF_LOOPBACK))
    return Interface(
        name=name,
        index=addrs.index if addrs is not None else None,
        kind="loopback" if loopback else "other",
        is_up=bool(flags & IFF_UP) if flags is not None else None,
        is_running=running_from(flags, None),
        addresses=addrs.addresses if addrs is not None else (),
        counters=counters.get(name),
        flags=flags,
    )


def read_interface(
    roots: Roots,
    name: str,
    counters: Mapping[str, InterfaceCounters],
    live: Mapping[str, InterfaceAddrs] | None,
) -> Interface | None:
    """One interface; ``None`` if it has vanished from every source."""
    base = roots.sys("class", "net", name)
    addrs = live.get(name) if live is not None else None
    cached: InterfaceKind | None = None
    if addrs is not None and addrs.index is not None:
        cached = _KIND_CACHE.of(roots).get((name, addrs.index))
    entries: frozenset[str] = frozenset()
    if cached is None:
        listed = _entries(base)
        if listed is None:
            if name not in counters and addrs is None:
                return None
            return _without_sysfs(name, counters, addrs)
        entries = listed

    # The bad-attribute rule (fs.read_value): a missing or malformed attribute is None, logged;
    # the interface and the family go on.
    def attr(attr_name: str) -> str | None:
        return fs.read_text(os.path.join(base, attr_name))

    def attr_int(attr_name: str) -> int | None:
        return fs.read_value(os.path.join(base, attr_name), fs.parse_int)

    operstate = attr("operstate") or None
    if addrs is not None:
        flags: int | None = addrs.flags  # the kernel's dev_get_flags(), IFF_RUNNING included
    else:
        flags = fs.read_value(os.path.join(base, "flags"), parse_flags)
    # getifaddrs (live only) already holds the index and hardware address the kernel would
    # print in sysfs; read sysfs only for what it lacks.
    index = addrs.index if addrs is not None else None
    if index is None:
        index = attr_int("ifindex")
    kind = cached
    if kind is None:
        kind = _sysfs_kind(roots, base, entries, flags, attr_int("type"))
        if addrs is not None and index is not None:
            _KIND_CACHE.of(roots).put((name, index), kind)
    speed = duplex = None
    if kind not in _NO_LINK_SPEED:
        speed = fs.read_value(os.path.join(base, "speed"), parse_speed)
        duplex = attr("duplex")
    mac = _link_address(addrs)
    if mac is None:
        mac = attr("address")
    return Interface(
        name=name,
        index=index,
        kind=kind,
        is_up=bool(flags & IFF_UP) if flags is not None else None,
        is_running=running_from(flags, operstate),
        has_carrier=fs.read_value(os.path.join(base, "carrier"), parse_carrier),
        operstate=operstate,
        mtu=in_range(attr_int("mtu"), 1, MAX_MTU),
        speed_bits_per_second=speed,
        duplex=parse_duplex(duplex) if duplex else None,
        mac=mac or None,
        addresses=addrs.addresses if addrs is not None else (),
        counters=counters[name] if name in counters else sysfs_counters(base),
        flags=flags,
    )


def _from_link(roots: Roots, link: Link, addrs: InterfaceAddrs | None) -> Interface:
    """One interface of the live system from its netlink link message, with sysfs only for the
    kind (once per interface, see :data:`_KIND_CACHE`) and a link's speed and duplex."""
    name, index, flags = link.name, link.ifindex, link.flags
    base = roots.sys("class", "net", name)
    kinds = _KIND_CACHE.of(roots)
    kind = kinds.get((name, index))
    in_sysfs = True
    if kind is None:
        entries = _entries(base)
        if entries is None:
            in_sysfs = False
            loopback = name == "lo" or bool(flags & IFF_LOOPBACK)
            kind = "loopback" if loopback else "other"
        else:
            kind = _sysfs_kind(roots, base, entries, flags, link.arphrd)
            kinds.put((name, index), kind)
    speed = duplex = None
    if in_sysfs and kind not in _NO_LINK_SPEED:
        speed_text = fs.read_attr(os.path.join(base, "speed"))
        duplex_text = fs.read_attr(os.path.join(base, "duplex"))
        speed = parse_speed(speed_text, os.path.join(base, "speed")) if speed_text else None
        duplex = parse_duplex(duplex_text) if duplex_text else None
    up = bool(flags & IFF_UP)
    # sysfs ``carrier`` answers only while the interface runs (EINVAL otherwise): the same here.
    carrier = None
    if up:
        carrier = link.carrier if link.carrier is not None else bool(flags & IFF_LOWER_UP)
    mac = _link_address(addrs)
    if mac is None and link.address:
        mac = ":".join(f"{b:02x}" for b in link.address)
    return Interface(
        name=name,
        index=index,
        kind=kind,
        is_up=up,
        is_running=running_from(flags, link.operstate),
        has_carrier=carrier,
        operstate=link.operstate,
        mtu=link.mtu,
        speed_bits_per_second=speed,
        duplex=duplex,
        mac=mac,
        addresses=addrs.addresses if addrs is not None else (),
        counters=link_counters(link.stats) if link.stats is not None else sysfs_counters(base),
        flags=flags,
    )


#: Decoded link messages by their bytes, and the last address decoding with what it was made
#: of: the same bytes decode the same way, so an idle interface costs a dictionary lookup.
_LINKS: MemoSpec[bytes, Link] = MemoSpec("net.links", maxsize=1024)
_ADDRESSES: MemoSpec[str, tuple[object, dict[str, InterfaceAddrs]]] = MemoSpec(
    "net.addresses", maxsize=1
)


def _netlink_interfaces(roots: Roots) -> list[Interface] | None:
    """Every interface of this network namespace from route netlink; ``None`` when netlink is
    not available here (the caller then reads getifaddrs, ``/proc/net/dev`` and sysfs)."""
    from darwin_metrics.linux.rtnl import SOURCE, dump_links_and_addresses

    link_memo = _LINKS.of(roots)
    address_memo = _ADDRESSES.of(roots)
    try:
        link_payloads, address_payloads = dump_links_and_addresses()
        links = []
        for payload in link_payloads:
            link = link_memo.get(payload)
            if link is None:
                link = parse_link(payload, SOURCE)
                link_memo.put(payload, link)
            links.append(link)
        # The addresses depend on these messages and on each link's name, flags and hardware
        # addresses only: decoded again when one of them differs from last time.
        key = (
            tuple(address_payloads),
            tuple((k.ifindex, k.name, k.flags, k.arphrd, k.address, k.broadcast) for k in links),
        )
        memo = address_memo.get(SOURCE)
        if memo is not None and memo[0] == key:
            grouped = memo[1]
        else:
            by_index = {link.ifindex: (link.name, link.flags) for link in links}
            entries = [link_entry(link) for link in links]
            for payload in address_payloads:
                entry = address_entry(payload, by_index, SOURCE)
                if entry is not None:
                    entries.append(entry)
            grouped = group_by_interface(entries)
            address_memo.put(SOURCE, (key, grouped))
    except (OSError, ParseError):
        return None
    return [_from_link(roots, link, grouped.get(link.name)) for link in links]


def _live_addresses(roots: Roots) -> dict[str, InterfaceAddrs] | None:
    if not is_live(roots):
        return None
    from darwin_metrics.linux.ifaddrs import interface_addresses

    try:
        return interface_addresses()
    except OSError:
        return None


def read_interfaces(roots: Roots) -> tuple[Interface, ...]:
    """Every network interface, ordered by index then name."""
    if is_live(roots):
        found = _netlink_interfaces(roots)
        if found is not None:
            found.sort(key=lambda i: (i.index is None, i.index or 0, i.name))
            return tuple(found)
    # class/net also holds plain files (bonding_masters): read_interface drops what is not a
    # directory and appears in no other source.
    names = set(fs.listdir(roots.sys("class", "net")))
    path = roots.proc("net", "dev")
    data = fs.read_optional(path)
    counters = parse_net_dev(data, path) if data is not None else {}
    live = _live_addresses(roots)
    names.update(counters)
    result = []
    for name in names:
        iface = read_interface(roots, name, counters, live)
        if iface is not None:
            result.append(iface)
    result.sort(key=lambda i: (i.index is None, i.index or 0, i.name))
    return tuple(result)
