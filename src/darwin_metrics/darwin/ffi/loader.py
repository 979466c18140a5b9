"""Lazy, thread-safe loading of libSystem, IOKit and CoreFoundation.

Nothing here runs at import time: a library is opened (with ``use_errno=True``) the first time a
wrapper asks for one of its functions, and every function of :data:`SIGNATURES` then gets its
``restype`` and ``argtypes``. So ``import darwin_metrics`` never touches a dylib, on any platform.

:func:`substitute` replaces loaded libraries with stand-in objects; the tests use it to run the
ctypes call layer against Python fakes on Linux. A stand-in exposes the same attribute names as the
library (symbol names, such as ``getfsstat$INODE64`` on x86_64) and its exported variables in a
``globals`` mapping.
"""

from __future__ import annotations

import ctypes
import platform
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from darwin_metrics.darwin.ffi.signatures import SIGNATURES, Signature
from darwin_metrics.errors import NotSupported

LIBSYSTEM = "libSystem"
IOKIT = "IOKit"
COREFOUNDATION = "CoreFoundation"
IOREPORT = "IOReport"
OBJC = "objc"
FOUNDATION = "Foundation"
COREWLAN = "CoreWLAN"
METAL = "Metal"

#: Full paths; on macOS 11+ they resolve inside the dyld shared cache.
PATHS: Mapping[str, str] = {
    LIBSYSTEM: "/usr/lib/libSystem.B.dylib",
    IOKIT: "/System/Library/Frameworks/IOKit.framework/IOKit",
    COREFOUNDATION: "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation",
    IOREPORT: "/usr/lib/libIOReport.dylib",
    OBJC: "/usr/lib/libobjc.A.dylib",
    FOUNDATION: "/System/Library/Frameworks/Foundation.framework/Foundation",
    COREWLAN: "/System/Library/Frameworks/CoreWLAN.framework/CoreWLAN",
    METAL: "/System/Library/Frameworks/Metal.framework/Metal",
}

#: Functions whose x86_64 symbol carries the ``$INODE64`` suffix: the plain x86_64 symbols fill
#: the legacy 32-bit-inode ``struct statfs``; arm64 has only the 64-bit layout, unsuffixed.
INODE64_FUNCTIONS = frozenset({"getfsstat", "statfs", "fstatfs"})

_lock = threading.Lock()
_loaded: dict[str, Any] = {}
_substitutes: dict[str, Any] = {}


def machine() -> str:
    """The CPU architecture this process runs as (``x86_64`` under Rosetta)."""
    return platform.machine()


def symbol(function: str) -> str:
    """The exported symbol for ``function`` in this process's architecture."""
    if function in INODE64_FUNCTIONS and machine() == "x86_64":
        return function + "$INODE64"
    return function


def configure(lib: Any, signatures: Mapping[str, Signature]) -> None:
    """Set ``restype``/``argtypes`` on every function of ``signatures`` that ``lib`` exports."""
    for name, (restype, argtypes) in signatures.items():
        try:
            fn = getattr(lib, symbol(name))
        except AttributeError:
            continue  # an older macOS without this function: calling it raises NotSupported
        fn.restype = restype
        fn.argtypes = list(argtypes)


def library(name: str) -> Any:
    """The loaded library ``name`` (one of :data:`PATHS`), or its stand-in."""
    lib = _substitutes.get(name)
    if lib is not None:
        return lib
    lib = _loaded.get(name)
    if lib is None:
        with _lock:
            lib = _loaded.get(name)
            if lib is None:
                lib = _open(name)
                _loaded[name] = lib
    return lib


def _open(name: str) -> Any:
    path = PATHS[name]
    try:
        lib = ctypes.CDLL(path, use_errno=True)
    except OSError as exc:
        raise NotSupported(f"cannot load {path}: {exc}") from exc
    configure(lib, SIGNATURES[name])
    return lib


def function(lib_name: str, name: str) -> Any:
    """The configured function ``name`` of library ``lib_name``; NotSupported if absent."""
    lib = library(lib_name)
    try:
        return getattr(lib, symbol(name))
    except AttributeError as exc:
        raise NotSupported(f"{name} is not exported by {lib_name}") from exc


def global_value(lib_name: str, name: str, ctype: Any) -> int:
    """The value of the exported variable ``name`` (for example ``vm_kernel_page_size``)."""
    lib = library(lib_name)
    if isinstance(lib, ctypes.CDLL):
        try:
            return int(ctype.in_dll(lib, name).value)
        except ValueError as exc:
            raise NotSupported(f"{name} is not exported by {lib_name}") from exc
    return int(lib.globals[name])


def global_address(lib_name: str, name: str) -> int:
    """The address of the exported data symbol ``name`` (``kCFTypeDictionaryKeyCallBacks``)."""
    lib = library(lib_name)
    if isinstance(lib, ctypes.CDLL):
        try:
            return ctypes.addressof(ctypes.c_char.in_dll(lib, name))
        except ValueError as exc:
            raise NotSupported(f"{name} is not exported by {lib_name}") from exc
    return int(lib.globals[name])


def loaded() -> tuple[str, ...]:
    """Names of the libraries actually opened by this process (stand-ins excluded)."""
    return tuple(sorted(_loaded))


@contextmanager
def substitute(**libraries: Any) -> Iterator[None]:
    """Use the given stand-ins (``libSystem=…``, ``IOKit=…``, ``CoreFoundation=…``) in a block."""
    unknown = set(libraries) - set(PATHS)
    if unknown:
        raise ValueError(f"unknown libraries: {sorted(unknown)}")
    previous = dict(_substitutes)
    _substitutes.update(libraries)
    try:
        yield
    finally:
        _substitutes.clear()
        _substitutes.update(previous)
