"""Interface ioctls on a datagram socket: functional type and media.

``ioctl`` is variadic, and ctypes cannot call variadic functions correctly on arm64 macOS, so the
requests go through :func:`fcntl.ioctl` with a mutable buffer holding the C structure. The module
keeps its ``ioctl`` and socket factory as attributes so tests can stand in for them.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from darwin_metrics.darwin.ffi.constants import (
    SIOCGIFFUNCTIONALTYPE,
    SIOCGIFMEDIA,
    SIOCGIFXMEDIA,
)
from darwin_metrics.darwin.ffi.structs import IfMediaReq, IfReq

#: ``fcntl.ioctl(fd, request, mutable_buffer, True)``; replaced by tests.
ioctl: Callable[..., Any] = fcntl.ioctl

#: Errors meaning "this interface does not support the request" rather than a failure.
UNSUPPORTED = frozenset({errno.ENODEV, errno.ENXIO, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTTY})


@contextmanager
def datagram_socket() -> Iterator[socket.socket]:
    """An AF_INET datagram socket to issue interface ioctls on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        yield sock
    finally:
        sock.close()


def _request(sock: socket.socket, request: int, struct: ctypes.Structure) -> bytes | None:
    buf = bytearray(bytes(struct))
    try:
        ioctl(sock.fileno(), request, buf, True)
    except OSError as exc:
        if exc.errno in UNSUPPORTED:
            return None
        raise
    return bytes(buf)


def functional_type(sock: socket.socket, name: str) -> int | None:
    """SIOCGIFFUNCTIONALTYPE: IFRTYPE_FUNCTIONAL_* for ``name``, or None where unsupported."""
    req = IfReq(ifr_name=name.encode()[:15])
    raw = _request(sock, SIOCGIFFUNCTIONALTYPE, req)
    if raw is None:
        return None
    return int(IfReq.from_buffer_copy(raw).ifr_ifru.ifru_functional_type)


def media(sock: socket.socket, name: str) -> bytes | None:
    """The ``struct ifmediareq`` bytes for ``name``, or None for interfaces without media.

    SIOCGIFXMEDIA first: it reports the extended Ethernet subtypes (2.5/5/10GBASE-T and up) that
    SIOCGIFMEDIA folds into IFM_OTHER for old binaries; SIOCGIFMEDIA on kernels without it.
    """
    for request in (SIOCGIFXMEDIA, SIOCGIFMEDIA):
        raw = _request(sock, request, IfMediaReq(ifm_name=name.encode()[:15]))
        if raw is not None:
            return raw
    return None
