"""The AppleSMC user client: read and write SMC keys through ``IOConnectCallStructMethod``.

Protocol (smcFanControl's ``smc.h``; result 132 from macmon): open the ``AppleSMC`` service with
``IOServiceOpen``; every request is an 80-byte ``SMCKeyData_t`` in and out through selector
``KERNEL_INDEX_SMC`` (2). A read is two requests: READ_KEYINFO (9) gives the payload size and type
(cached per key), then READ_BYTES (5) with that size gives the payload. READ_INDEX (8) with
``data32 = i`` names the i-th key, for i below ``#KEY``. ``result`` 132 is "no such key". Reads need
no privilege; WRITE_BYTES (6) needs root.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

from darwin_metrics.darwin.decode import smc as decode
from darwin_metrics.darwin.ffi import iokit, libc, loader
from darwin_metrics.darwin.ffi.constants import (
    KERNEL_INDEX_SMC,
    SMC_CMD_READ_BYTES,
    SMC_CMD_READ_INDEX,
    SMC_CMD_READ_KEYINFO,
    SMC_CMD_WRITE_BYTES,
    SMC_RESULT_KEY_NOT_FOUND,
    kIOReturnSuccess,
)
from darwin_metrics.darwin.ffi.structs import SMCKeyData
from darwin_metrics.errors import NotSupported

#: Payloads are at most 32 bytes (``SMCKeyData_t.bytes``).
MAX_PAYLOAD = 32


class SMCError(OSError):
    """The SMC answered a request with a result code other than success."""

    def __init__(self, call: str, key: str, result: int) -> None:
        super().__init__(f"SMC {call} of {key!r}: result {result}")
        self.key = key
        self.result = result


def _fn(name: str) -> Any:
    return loader.function(loader.IOKIT, name)


class SMC:
    """An open AppleSMC connection; :meth:`close` (or ``with``) closes it.

    Raises :class:`NotSupported` when the machine has no AppleSMC service (virtual machines).
    """

    def __init__(self, key_info: dict[str, tuple[int, str] | None] | None = None) -> None:
        """``key_info`` is a cache of key sizes and types shared between connections (key info
        never changes while the machine runs)."""
        service = iokit.first_service("AppleSMC")
        if not service:
            raise NotSupported("no AppleSMC service on this machine")
        connection = ctypes.c_uint32(0)
        with iokit.held(service):
            kr = _fn("IOServiceOpen")(service, libc.task_self(), 0, ctypes.byref(connection))
        if kr != kIOReturnSuccess:
            raise iokit.IOKitError("IOServiceOpen(AppleSMC)", int(kr))
        self._connection: int | None = int(connection.value)
        self._info: dict[str, tuple[int, str] | None] = key_info if key_info is not None else {}
        self._lock = threading.Lock()

    def __enter__(self) -> SMC:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._connection is not None:
            _fn("IOServiceClose")(self._connection)
            self._connection = None

    def _call(self, request: SMCKeyData) -> SMCKeyData:
        if self._connection is None:
            raise ValueError("SMC connection is closed")
        reply = SMCKeyData()
        size = ctypes.c_size_t(ctypes.sizeof(reply))
        with self._lock:
            kr = _fn("IOConnectCallStructMethod")(
                self._connection,
                KERNEL_INDEX_SMC,
                ctypes.byref(request),
                ctypes.sizeof(request),
                ctypes.byref(reply),
                ctypes.byref(size),
            )
        if kr != kIOReturnSuccess:
            raise iokit.IOKitError("IOConnectCallStructMethod(AppleSMC)", int(kr))
        return reply

    def key_info(self, key: str) -> tuple[int, str] | None:
        """``(payload size, type)`` of ``key``, or ``None`` when the SMC has no such key (cached)."""
        if key in self._info:
            return self._info[key]
        request = SMCKeyData(key=decode.pack_key(key), data8=SMC_CMD_READ_KEYINFO)
        reply = self._call(request)
        info: tuple[int, str] | None = None
        if reply.result == SMC_RESULT_KEY_NOT_FOUND:
            info = None
        elif reply.result != 0:
            raise SMCError("key info", key, int(reply.result))
        else:
            size = int(reply.keyInfo.dataSize)
            if not 0 < size <= MAX_PAYLOAD:
                raise SMCError("key info (size)", key, size)
            info = (size, decode.unpack_key(int(reply.keyInfo.dataType)))
        self._info[key] = info
        return info

    def read(self, key: str) -> tuple[str, bytes] | None:
        """``(type, payload)`` of ``key``; ``None`` when there is no such key."""
        info = self.key_info(key)
        if info is None:
            return None
        size, data_type = info
        request = SMCKeyData(key=decode.pack_key(key), data8=SMC_CMD_READ_BYTES)
        request.keyInfo.dataSize = size
        reply = self._call(request)
        if reply.result == SMC_RESULT_KEY_NOT_FOUND:
            return None
        if reply.result != 0:
            raise SMCError("read", key, int(reply.result))
        return data_type, bytes(reply.bytes)[:size]

    def key_count(self) -> int:
        """``#KEY``: how many keys the SMC has (big-endian on every Mac)."""
        found = self.read("#KEY")
        count = decode.value(*found) if found is not None else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise SMCError("read", "#KEY", -1)
        return count

    def key_at(self, index: int) -> str:
        """The name of the ``index``-th key."""
        request = SMCKeyData(data8=SMC_CMD_READ_INDEX, data32=index)
        reply = self._call(request)
        if reply.result != 0:
            raise SMCError("key by index", str(index), int(reply.result))
        return decode.unpack_key(int(reply.key))

    def key_names(self) -> list[str]:
        """Every key name, in the SMC's order. An index the SMC does not answer is skipped: the
        count in ``#KEY`` can exceed the keys it lists (as in the captured M1 dump)."""
        names = []
        for index in range(self.key_count()):
            try:
                names.append(self.key_at(index))
            except SMCError:
                continue
        return names

    def write(self, key: str, payload: bytes) -> None:
        """Write ``payload`` (exactly the key's size) to ``key`` (root only)."""
        info = self.key_info(key)
        if info is None:
            raise SMCError("write", key, SMC_RESULT_KEY_NOT_FOUND)
        size, _type = info
        if len(payload) != size:
            raise ValueError(f"SMC key {key!r} takes {size} bytes, not {len(payload)}")
        request = SMCKeyData(key=decode.pack_key(key), data8=SMC_CMD_WRITE_BYTES)
        request.keyInfo.dataSize = size
        request.bytes[:size] = list(payload)
        reply = self._call(request)
        if reply.result != 0:
            raise SMCError("write", key, int(reply.result))
