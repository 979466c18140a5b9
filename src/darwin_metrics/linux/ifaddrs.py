"""``getifaddrs(3)`` through ctypes: the live addresses of this machine's interfaces.

``struct ifaddrs`` (glibc and musl, ``<ifaddrs.h>``)::

    struct ifaddrs {
        struct ifaddrs  *ifa_next;
        char            *ifa_name;
        unsigned int     ifa_flags;     /* IFF_* */
        struct sockaddr *ifa_addr;
        struct sockaddr *ifa_netmask;
        struct sockaddr *ifa_ifu;       /* broadcast, or peer when IFF_POINTOPOINT */
        void            *ifa_data;
    };

Each ``struct sockaddr`` is copied out as bytes (its length follows from its family) and decoded by
the pure :mod:`darwin_metrics.linux.parsers.ifaddrs`. The answer describes the caller's network
namespace now; it has no counterpart in a captured ``/proc``/``/sys`` tree.
"""

from __future__ import annotations

import ctypes
import os

from darwin_metrics.linux.parsers.ifaddrs import (
    AF_INET,
    AF_INET6,
    AF_PACKET,
    InterfaceAddrs,
    RawIfAddr,
    group_by_interface,
)


class _Sockaddr(ctypes.Structure):
    _fields_ = [("sa_family", ctypes.c_ushort), ("sa_data", ctypes.c_char * 14)]


class _Ifaddrs(ctypes.Structure):
    pass


_Ifaddrs._fields_ = [
    ("ifa_next", ctypes.POINTER(_Ifaddrs)),
    ("ifa_name", ctypes.c_char_p),
    ("ifa_flags", ctypes.c_uint),
    ("ifa_addr", ctypes.POINTER(_Sockaddr)),
    ("ifa_netmask", ctypes.POINTER(_Sockaddr)),
    ("ifa_ifu", ctypes.POINTER(_Sockaddr)),
    ("ifa_data", ctypes.c_void_p),
]

_SOCKADDR_IN = 16
_SOCKADDR_IN6 = 28
_SOCKADDR_LL_HEADER = 12  # family, protocol, ifindex, hatype, pkttype, halen
_HALEN_OFFSET = 11

#: The C library's handle, process-wide: loaded once per process anyway, it holds no data.
_libc: ctypes.CDLL | None = None


def _load() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        lib = ctypes.CDLL(None, use_errno=True)  # libc's symbols are in the process namespace
        lib.getifaddrs.argtypes = [ctypes.POINTER(ctypes.POINTER(_Ifaddrs))]
        lib.getifaddrs.restype = ctypes.c_int
        lib.freeifaddrs.argtypes = [ctypes.POINTER(_Ifaddrs)]
        lib.freeifaddrs.restype = None
        _libc = lib
    return _libc


def _copy(ptr: ctypes._Pointer[_Sockaddr]) -> bytes | None:
    """The bytes of the sockaddr at ``ptr`` (``None`` for a NULL pointer)."""
    if not ptr:
        return None
    address = ctypes.addressof(ptr.contents)
    family = ptr.contents.sa_family
    if family == AF_INET:
        return ctypes.string_at(address, _SOCKADDR_IN)
    if family == AF_INET6:
        return ctypes.string_at(address, _SOCKADDR_IN6)
    if family == AF_PACKET:
        halen = ctypes.string_at(address + _HALEN_OFFSET, 1)[0]
        return ctypes.string_at(address, _SOCKADDR_LL_HEADER + halen)
    return ctypes.string_at(address, 2)


def raw_ifaddrs() -> list[RawIfAddr]:
    """Every entry of ``getifaddrs``, copied out before the list is freed. Raises OSError."""
    lib = _load()
    head = ctypes.POINTER(_Ifaddrs)()
    if lib.getifaddrs(ctypes.byref(head)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    entries = []
    try:
        node = head
        while node:
            item = node.contents
            entries.append(
                RawIfAddr(
                    name=os.fsdecode(item.ifa_name or b""),
                    flags=int(item.ifa_flags),
                    addr=_copy(item.ifa_addr),
                    netmask=_copy(item.ifa_netmask),
                    broad_or_dst=_copy(item.ifa_ifu),
                )
            )
            node = item.ifa_next
    finally:
        lib.freeifaddrs(head)
    return entries


def interface_addresses() -> dict[str, InterfaceAddrs]:
    """Flags, index and addresses of every interface of this network namespace, now."""
    return group_by_interface(raw_ifaddrs())
