"""The Objective-C runtime from ctypes, for the few Foundation answers with no C API.

``objc_msgSend`` has no fixed prototype: each message is sent through a function pointer cast to
that message's exact C type (on arm64 an untyped call would pass arguments the wrong way).
Foundation is loaded first so that its classes (``NSProcessInfo``) are registered. Objects
obtained here are singletons or autoreleased and are not released.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec

from darwin_metrics.darwin.ffi import loader


def _fn(name: str) -> Any:
    return loader.function(loader.OBJC, name)


def message(restype: Any, *argtypes: Any) -> Any:
    """A callable ``(receiver, selector, *args)`` sending one message of this C type."""
    lib = loader.library(loader.OBJC)
    if isinstance(lib, ctypes.CDLL):
        address = ctypes.cast(lib.objc_msgSend, ctypes.c_void_p).value
        if not address:
            raise OSError("objc_msgSend has no address")
        prototype = ctypes.CFUNCTYPE(restype, ctypes.c_void_p, ctypes.c_void_p, *argtypes)
        return prototype(address)
    return lib.message(restype, *argtypes)  # a stand-in


def cls(name: str) -> int:
    """The class ``name`` (0 when the runtime has none by that name)."""
    loader.library(loader.FOUNDATION)
    return int(_fn("objc_getClass")(name.encode()) or 0)


def selector(name: str) -> int:
    """The selector ``name`` (``processInfo``, ``respondsToSelector:``)."""
    return int(_fn("sel_registerName")(name.encode()) or 0)


@contextmanager
def autorelease_pool() -> Iterator[None]:
    """An autorelease pool around a block: objects the block gets autoreleased are freed at its
    end (a thread without a run loop has no pool of its own)."""
    token = _fn("objc_autoreleasePoolPush")()
    try:
        yield
    finally:
        _fn("objc_autoreleasePoolPop")(token)


def send_object(receiver: int, name: str) -> int:
    """``[receiver name]`` for a message that returns an object (0 for nil)."""
    return int(message(ctypes.c_void_p)(receiver, selector(name)) or 0)


def send_integer(receiver: int, name: str) -> int:
    """``[receiver name]`` for a message that returns an ``NSInteger``."""
    return int(message(ctypes.c_long)(receiver, selector(name)))


def send_double(receiver: int, name: str) -> float:
    """``[receiver name]`` for a message that returns a ``double``."""
    return float(message(ctypes.c_double)(receiver, selector(name)))


def send_bool(receiver: int, name: str) -> bool:
    """``[receiver name]`` for a message that returns a ``BOOL``."""
    return bool(message(ctypes.c_bool)(receiver, selector(name)))


def string(obj: int) -> str | None:
    """The text of an ``NSString`` (``None`` for nil)."""
    if not obj:
        return None
    raw = message(ctypes.c_char_p)(obj, selector("UTF8String"))
    return raw.decode("utf-8", "replace") if raw else None


def array(obj: int) -> list[int]:
    """The elements of an ``NSArray`` (empty for nil)."""
    if not obj:
        return []
    count = int(message(ctypes.c_ulong)(obj, selector("count")))
    at = message(ctypes.c_void_p, ctypes.c_ulong)
    return [int(at(obj, selector("objectAtIndex:"), i) or 0) for i in range(count)]


def responds(receiver: int, name: str) -> bool:
    """Whether ``receiver`` implements the selector ``name``."""
    send = message(ctypes.c_bool, ctypes.c_void_p)
    return bool(send(receiver, selector("respondsToSelector:"), selector(name)))


def low_power_mode() -> bool | None:
    """``NSProcessInfo.processInfo.isLowPowerModeEnabled`` (macOS 12+); None where absent."""
    process_info_class = cls("NSProcessInfo")
    if not process_info_class:
        return None
    info = message(ctypes.c_void_p)(process_info_class, selector("processInfo"))
    if not info or not responds(int(info), "isLowPowerModeEnabled"):
        return None
    return bool(message(ctypes.c_bool)(int(info), selector("isLowPowerModeEnabled")))


def send_uint64(receiver: int, name: str) -> int:
    """``[receiver name]`` for a message that returns a ``uint64_t``/``NSUInteger``."""
    return int(message(ctypes.c_uint64)(receiver, selector(name)))


def release(obj: int) -> None:
    """``objc_release`` a +1 reference (0 is ignored)."""
    if obj:
        _fn("objc_release")(obj)


class MetalDevice(msgspec.Struct, frozen=True, gc=False):
    """What Metal says of one GPU: ``registry_id`` matches the IOKit accelerator entry."""

    registry_id: int
    name: str | None
    unified_memory: bool
    recommended_working_set: int


def metal_devices() -> list[MetalDevice]:
    """``MTLCopyAllDevices()``: name, registry ID, unified memory and the recommended maximum
    working set (bytes) of every GPU Metal knows; the array is released."""
    devices = int(loader.function(loader.METAL, "MTLCopyAllDevices")() or 0)
    if not devices:
        return []
    found = []
    try:
        with autorelease_pool():
            for device in array(devices):
                found.append(
                    MetalDevice(
                        registry_id=send_uint64(device, "registryID"),
                        name=string(send_object(device, "name")),
                        unified_memory=send_bool(device, "hasUnifiedMemory"),
                        recommended_working_set=send_uint64(device, "recommendedMaxWorkingSetSize"),
                    )
                )
    finally:
        release(devices)
    return found
