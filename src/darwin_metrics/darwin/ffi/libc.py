"""libSystem calls: sysctl, Mach host statistics, mounted file systems, interfaces and notify.

Each wrapper returns raw bytes or plain values and leaves the meaning to :mod:`darwin_metrics.darwin.decode`.
Errors: ``errno`` is read through ctypes (the libraries are opened with ``use_errno``); see
:func:`raise_errno` for the mapping. Variable-size sysctl results are sized by a first call with no
buffer, then read into a buffer with some slack; ENOMEM (the data grew in between) doubles the
buffer and retries, a bounded number of times.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import msgspec

from darwin_metrics.darwin.ffi import loader
from darwin_metrics.darwin.ffi.constants import (
    ATTR_BIT_MAP_COUNT,
    ATTR_VOL_INFO,
    ATTR_VOL_SPACEUSED,
    HOST_VM_INFO64,
    HOST_VM_INFO64_COUNT,
    KERN_SUCCESS,
    MNT_NOWAIT,
    PROCESSOR_CPU_LOAD_INFO,
)
from darwin_metrics.darwin.ffi.structs import (
    Attrlist,
    Ifaddrs,
    Statfs,
    VMStatistics64,
    VolSpaceUsed,
)
from darwin_metrics.errors import AccessDenied, NoSuchProcess, ParseError

#: How many times a growing sysctl result is re-read before giving up.
MAX_RETRIES = 8


def _fn(name: str) -> Any:
    return loader.function(loader.LIBSYSTEM, name)


def raise_errno(call: str, err: int, *, pid: int | None = None) -> NoReturn:
    """Raise the library's error for ``errno`` ``err`` from ``call``.

    ESRCH → :class:`NoSuchProcess` (when a pid is involved); EPERM/EACCES → :class:`AccessDenied`;
    anything else → :class:`OSError` with that errno (so ENOENT is a ``FileNotFoundError``).
    """
    if err == errno.ESRCH and pid is not None:
        raise NoSuchProcess(pid)
    if err in (errno.EPERM, errno.EACCES):
        raise AccessDenied(f"{call}: {os.strerror(err)}")
    raise OSError(err, f"{call}: {os.strerror(err) if err else 'failed'}")


class MachError(OSError):
    """A Mach call returned a kern_return_t other than KERN_SUCCESS."""

    def __init__(self, call: str, code: int) -> None:
        super().__init__(f"{call} failed with kern_return {code}")
        self.call = call
        self.code = code


# --- sysctl -----------------------------------------------------------------------------------


def _read_sized(call: str, invoke: Callable[[Any, Any], int]) -> bytes:
    """Probe the size, then read with slack; retry with a doubled buffer on ENOMEM."""
    size = ctypes.c_size_t(0)
    ctypes.set_errno(0)  # ctypes keeps errno across successful calls: never read a stale one
    if invoke(None, ctypes.byref(size)) != 0:
        raise_errno(call, ctypes.get_errno())
    capacity = size.value + size.value // 8 + 16
    for _ in range(MAX_RETRIES):
        buf = ctypes.create_string_buffer(capacity)
        size = ctypes.c_size_t(capacity)
        ctypes.set_errno(0)
        if invoke(buf, ctypes.byref(size)) == 0:
            return buf.raw[: size.value]
        err = ctypes.get_errno()
        if err != errno.ENOMEM:
            raise_errno(call, err)
        capacity *= 2
    raise OSError(errno.ENOMEM, f"{call}: result kept growing after {MAX_RETRIES} tries")


def sysctl(mib: Sequence[int]) -> bytes:
    """The raw value of the sysctl MIB ``mib`` (for example ``(CTL_KERN, KERN_PROC, ...)``)."""
    name = (ctypes.c_int * len(mib))(*mib)
    fn = _fn("sysctl")
    label = "sysctl(" + ".".join(str(m) for m in mib) + ")"
    return _read_sized(label, lambda buf, size: int(fn(name, len(mib), buf, size, None, 0)))


def sysctlbyname(name: str) -> bytes:
    """The raw value of the sysctl ``name``; ``FileNotFoundError`` if this kernel lacks it."""
    fn = _fn("sysctlbyname")
    encoded = name.encode()
    return _read_sized(
        f"sysctlbyname({name})", lambda buf, size: int(fn(encoded, buf, size, None, 0))
    )


def sysctl_optional(name: str) -> bytes | None:
    """Like :func:`sysctlbyname`, but ``None`` when the name does not exist on this kernel."""
    try:
        return sysctlbyname(name)
    except FileNotFoundError:
        return None


# --- Mach ------------------------------------------------------------------------------------


def task_self() -> int:
    """``mach_task_self()``: the port of this task (a macro over the ``mach_task_self_`` global)."""
    return loader.global_value(loader.LIBSYSTEM, "mach_task_self_", ctypes.c_uint32)


def kernel_page_size() -> int:
    """``vm_kernel_page_size``: the page size behind VM statistics (bytes).

    Not ``getpagesize()``, which says 4096 to an x86_64 process under Rosetta on a 16 KiB kernel.
    """
    return loader.global_value(loader.LIBSYSTEM, "vm_kernel_page_size", ctypes.c_size_t)


def _with_host(call: Callable[[int], bytes]) -> bytes:
    host = int(_fn("mach_host_self")())
    try:
        return call(host)
    finally:
        _fn("mach_port_deallocate")(task_self(), host)


def vm_statistics64() -> bytes:
    """``host_statistics64(HOST_VM_INFO64)``: the bytes of a ``vm_statistics64`` the kernel filled."""

    def read(host: int) -> bytes:
        info = VMStatistics64()
        count = ctypes.c_uint32(HOST_VM_INFO64_COUNT)
        kr = _fn("host_statistics64")(host, HOST_VM_INFO64, ctypes.byref(info), ctypes.byref(count))
        if kr != KERN_SUCCESS:
            raise MachError("host_statistics64", int(kr))
        return bytes(info)[: min(count.value * 4, ctypes.sizeof(info))]

    return _with_host(read)


def cpu_load_ticks() -> bytes:
    """``host_processor_info(PROCESSOR_CPU_LOAD_INFO)``: ncpu x 4 uint32 ticks, as bytes.

    The kernel allocates the array in our address space; it is ``vm_deallocate``d here, also when
    copying fails.
    """

    def read(host: int) -> bytes:
        ncpu = ctypes.c_uint32(0)
        array = ctypes.c_void_p(None)
        count = ctypes.c_uint32(0)
        kr = _fn("host_processor_info")(
            host,
            PROCESSOR_CPU_LOAD_INFO,
            ctypes.byref(ncpu),
            ctypes.byref(array),
            ctypes.byref(count),
        )
        if kr != KERN_SUCCESS:
            raise MachError("host_processor_info", int(kr))
        size = count.value * 4  # integer_t
        try:
            return ctypes.string_at(array.value, size) if array.value and size else b""
        finally:
            if array.value:
                _fn("vm_deallocate")(task_self(), array.value, size)

    return _with_host(read)


# --- File systems ----------------------------------------------------------------------------


def getfsstat() -> bytes:
    """Every mounted file system as consecutive ``struct statfs`` (64-bit inode layout), as bytes."""
    fn = _fn("getfsstat")
    count = int(fn(None, 0, MNT_NOWAIT))
    if count < 0:
        raise_errno("getfsstat", ctypes.get_errno())
    record = ctypes.sizeof(Statfs)
    for _ in range(MAX_RETRIES):
        capacity = count + 4  # mounts may appear between the two calls
        buf = (Statfs * capacity)()
        got = int(fn(buf, ctypes.sizeof(buf), MNT_NOWAIT))
        if got < 0:
            raise_errno("getfsstat", ctypes.get_errno())
        if got < capacity:
            return bytes(buf)[: got * record]
        count = capacity * 2
    raise OSError(errno.ENOMEM, "getfsstat: mount table kept growing")


def volume_space_used(mount_point: str) -> int | None:
    """Bytes used by this volume alone (ATTR_VOL_SPACEUSED), or ``None`` where not supported.

    On APFS several volumes share a container's free space, so ``f_blocks - f_bfree`` is the
    container's use, not the volume's.
    """
    attrs = Attrlist(bitmapcount=ATTR_BIT_MAP_COUNT, volattr=ATTR_VOL_INFO | ATTR_VOL_SPACEUSED)
    reply = VolSpaceUsed()
    rc = _fn("getattrlist")(
        mount_point.encode(), ctypes.byref(attrs), ctypes.byref(reply), ctypes.sizeof(reply), 0
    )
    if rc != 0:
        err = ctypes.get_errno()
        if err in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOENT, errno.EACCES):
            return None
        raise_errno(f"getattrlist({mount_point})", err)
    if reply.length < ctypes.sizeof(reply):
        raise ParseError(f"getattrlist({mount_point})", f"short reply of {reply.length} bytes")
    return int(reply.spaceused)


# --- Interfaces -------------------------------------------------------------------------------


class IfAddr(msgspec.Struct, frozen=True, gc=False):
    """One ``getifaddrs`` entry: the interface, its flags, and its sockaddrs as raw bytes."""

    name: str
    flags: int
    family: int | None
    address: bytes | None
    netmask: bytes | None
    destination: bytes | None


def _sockaddr_bytes(ptr: Any) -> bytes | None:
    if not ptr:
        return None
    head = ptr.contents
    # sa_len is the real length: netmasks are often shorter than a whole sockaddr.
    return ctypes.string_at(ctypes.addressof(head), max(int(head.sa_len), 2))


def getifaddrs() -> list[IfAddr]:
    """Every interface address (AF_INET, AF_INET6, AF_LINK, …); the list is freed before returning."""
    head = ctypes.POINTER(Ifaddrs)()
    if _fn("getifaddrs")(ctypes.byref(head)) != 0:
        raise_errno("getifaddrs", ctypes.get_errno())
    entries: list[IfAddr] = []
    try:
        node = head
        while node:
            item = node.contents
            address = _sockaddr_bytes(item.ifa_addr)
            entries.append(
                IfAddr(
                    name=(item.ifa_name or b"").decode("utf-8", "replace"),
                    flags=int(item.ifa_flags),
                    family=address[1] if address else None,
                    address=address,
                    netmask=_sockaddr_bytes(item.ifa_netmask),
                    destination=_sockaddr_bytes(item.ifa_dstaddr),
                )
            )
            node = item.ifa_next
    finally:
        _fn("freeifaddrs")(head)
    return entries


# --- notify(3) -------------------------------------------------------------------------------


def notify_state(name: str) -> int:
    """The 64-bit state of a notify(3) name, e.g. ``com.apple.system.thermalpressurelevel``."""
    token = ctypes.c_int(0)
    status = int(_fn("notify_register_check")(name.encode(), ctypes.byref(token)))
    if status != 0:
        raise OSError(f"notify_register_check({name}) returned status {status}")
    try:
        state = ctypes.c_uint64(0)
        status = int(_fn("notify_get_state")(token.value, ctypes.byref(state)))
        if status != 0:
            raise OSError(f"notify_get_state({name}) returned status {status}")
        return int(state.value)
    finally:
        _fn("notify_cancel")(token.value)


class NotifyWatch:
    """A notify(3) registration that tells whether ``name`` was posted since the last look.

    ``notify_register_check`` once; :meth:`changed` is ``notify_check`` (cheap, no IPC when nothing
    was posted) and :meth:`state` ``notify_get_state``. :meth:`close` cancels the token (also on
    ``with`` exit).
    """

    def __init__(self, name: str) -> None:
        token = ctypes.c_int(0)
        status = int(_fn("notify_register_check")(name.encode(), ctypes.byref(token)))
        if status != 0:
            raise OSError(f"notify_register_check({name}) returned status {status}")
        self.name = name
        self._token: int | None = token.value

    def _live(self) -> int:
        if self._token is None:
            raise ValueError(f"notify watch of {self.name} is closed")
        return self._token

    def changed(self) -> bool:
        """True when the name was posted since registration or the previous call."""
        check = ctypes.c_int(0)
        status = int(_fn("notify_check")(self._live(), ctypes.byref(check)))
        if status != 0:
            raise OSError(f"notify_check({self.name}) returned status {status}")
        return bool(check.value)

    def state(self) -> int:
        """The name's 64-bit state."""
        value = ctypes.c_uint64(0)
        status = int(_fn("notify_get_state")(self._live(), ctypes.byref(value)))
        if status != 0:
            raise OSError(f"notify_get_state({self.name}) returned status {status}")
        return int(value.value)

    def close(self) -> None:
        """Cancel the registration (idempotent)."""
        if self._token is not None:
            _fn("notify_cancel")(self._token)
            self._token = None

    def __enter__(self) -> NotifyWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
