"""The Objective-C runtime from ctypes, for the few Foundation answers with no C API.

``objc_msgSend`` has no fixed prototype: each message is sent through a function pointer cast to
that message's exact C type (on arm64 an untyped call would pass arguments the wrong way).
Foundation is loaded first so that its classes (``NSProcessInfo``) are registered. Objects
obtained here are singletons or autoreleased and are not released.
"""

from __future__ import annotations

import ctypes
from typing import Any

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
