"""CoreFoundation: one generic CF → Python converter, and the ownership rule made explicit.

Ownership (Apple's Create rule): a reference returned by a function whose name contains ``Create``
or ``Copy`` belongs to the caller and must be ``CFRelease``d exactly once; a reference returned by a
``Get`` function belongs to its container and must never be released. :func:`owned` wraps the first
kind; the converter only ever *reads* (every call it makes is a Get), so it releases nothing.

Conversion: CFDictionary → ``dict`` (keys converted too; string keys stay ``str``), CFArray →
``list``, CFString → ``str``, CFNumber → ``int`` read as SInt64 so that the sign survives (IOKit
stores signed quantities such as battery ``Amperage`` in 64-bit numbers) or ``float`` for float
numbers, CFBoolean → ``bool``, CFData → ``bytes``. Other types (CFDate, …) become ``None``.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec

from darwin_metrics.darwin.ffi import loader
from darwin_metrics.darwin.ffi.constants import (
    kCFNumberFloat64Type,
    kCFNumberSInt64Type,
    kCFStringEncodingUTF8,
)
from darwin_metrics.errors import ParseError

#: Nesting deeper than this is not plist-shaped data; the converter stops there.
MAX_DEPTH = 64


def _fn(name: str) -> Any:
    return loader.function(loader.COREFOUNDATION, name)


def release(ref: int | None) -> None:
    """``CFRelease`` a reference obtained from a Create or Copy function (NULL is ignored)."""
    if ref:
        _fn("CFRelease")(ref)


@contextmanager
def owned(ref: int | None) -> Iterator[int | None]:
    """Hold a Create/Copy result for the duration of a block and release it afterwards."""
    try:
        yield ref
    finally:
        release(ref)


def create_string(text: str) -> int:
    """A new CFString (owned by the caller: release it, or use ``with owned(...)``)."""
    ref = _fn("CFStringCreateWithCString")(None, text.encode(), kCFStringEncodingUTF8)
    if not ref:
        raise MemoryError("CFStringCreateWithCString returned NULL")
    return int(ref)


def create_number(value: int) -> int:
    """A new CFNumber holding ``value`` as SInt64 (owned by the caller)."""
    box = ctypes.c_int64(value)
    ref = _fn("CFNumberCreate")(None, kCFNumberSInt64Type, ctypes.byref(box))
    if not ref:
        raise MemoryError("CFNumberCreate returned NULL")
    return int(ref)


def create_int_dictionary(values: dict[str, int]) -> int:
    """A new CFDictionary of string keys and integer values (owned by the caller); the keys and
    values it retains are released here."""
    keys = [create_string(k) for k in values]
    numbers = [create_number(v) for v in values.values()]
    try:
        key_array = (ctypes.c_void_p * len(keys))(*keys)
        value_array = (ctypes.c_void_p * len(numbers))(*numbers)
        ref = _fn("CFDictionaryCreate")(
            None,
            key_array,
            value_array,
            len(keys),
            loader.global_address(loader.COREFOUNDATION, "kCFTypeDictionaryKeyCallBacks"),
            loader.global_address(loader.COREFOUNDATION, "kCFTypeDictionaryValueCallBacks"),
        )
    finally:
        for item in keys + numbers:
            release(item)
    if not ref:
        raise MemoryError("CFDictionaryCreate returned NULL")
    return int(ref)


class _TypeIDs(msgspec.Struct, frozen=True, gc=False):
    string: int
    number: int
    boolean: int
    data: int
    dictionary: int
    array: int


def _type_ids() -> _TypeIDs:
    return _TypeIDs(
        string=int(_fn("CFStringGetTypeID")()),
        number=int(_fn("CFNumberGetTypeID")()),
        boolean=int(_fn("CFBooleanGetTypeID")()),
        data=int(_fn("CFDataGetTypeID")()),
        dictionary=int(_fn("CFDictionaryGetTypeID")()),
        array=int(_fn("CFArrayGetTypeID")()),
    )


def to_python(ref: int | None) -> Any:
    """Convert a CF object graph to Python values; ``ref`` is borrowed, not released."""
    if not ref:
        return None
    return _convert(ref, _type_ids(), 0)


def _convert(ref: int, ids: _TypeIDs, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ParseError("CoreFoundation object", f"nested deeper than {MAX_DEPTH}")
    type_id = int(_fn("CFGetTypeID")(ref))
    if type_id == ids.string:
        return string_value(ref)
    if type_id == ids.number:
        return _number(ref)
    if type_id == ids.boolean:
        return bool(_fn("CFBooleanGetValue")(ref))
    if type_id == ids.data:
        return _data(ref)
    if type_id == ids.dictionary:
        return _dictionary(ref, ids, depth)
    if type_id == ids.array:
        return _array(ref, ids, depth)
    return None


def string_value(ref: int) -> str:
    """The text of a CFString (borrowed reference)."""
    length = int(_fn("CFStringGetLength")(ref))
    size = int(_fn("CFStringGetMaximumSizeForEncoding")(length, kCFStringEncodingUTF8)) + 1
    buf = ctypes.create_string_buffer(max(size, 1))
    if not _fn("CFStringGetCString")(ref, buf, len(buf), kCFStringEncodingUTF8):
        raise ParseError("CFString", "CFStringGetCString failed")
    return buf.value.decode("utf-8", "replace")


def _number(ref: int) -> int | float:
    if _fn("CFNumberIsFloatType")(ref):
        real = ctypes.c_double()
        _fn("CFNumberGetValue")(ref, kCFNumberFloat64Type, ctypes.byref(real))
        return float(real.value)
    value = ctypes.c_int64()
    _fn("CFNumberGetValue")(ref, kCFNumberSInt64Type, ctypes.byref(value))
    return int(value.value)


def _data(ref: int) -> bytes:
    length = int(_fn("CFDataGetLength")(ref))
    if length <= 0:
        return b""
    ptr = _fn("CFDataGetBytePtr")(ref)
    if not ptr:
        raise ParseError("CFData", "CFDataGetBytePtr returned NULL")
    return ctypes.string_at(ptr, length)


def _dictionary(ref: int, ids: _TypeIDs, depth: int) -> dict[Any, Any]:
    count = int(_fn("CFDictionaryGetCount")(ref))
    if count <= 0:
        return {}
    keys = (ctypes.c_void_p * count)()
    values = (ctypes.c_void_p * count)()
    _fn("CFDictionaryGetKeysAndValues")(ref, keys, values)
    result: dict[Any, Any] = {}
    for key_ref, value_ref in zip(keys, values, strict=True):
        key = _convert(int(key_ref), ids, depth + 1) if key_ref else None
        if isinstance(key, (list, dict)):
            key = repr(key)
        result[key] = _convert(int(value_ref), ids, depth + 1) if value_ref else None
    return result


def _array(ref: int, ids: _TypeIDs, depth: int) -> list[Any]:
    count = int(_fn("CFArrayGetCount")(ref))
    items: list[Any] = []
    get = _fn("CFArrayGetValueAtIndex")
    for i in range(max(count, 0)):
        item = get(ref, i)
        items.append(_convert(int(item), ids, depth + 1) if item else None)
    return items


def array_items(ref: int) -> list[int]:
    """The element references of a CFArray (borrowed: Get rule, never release them)."""
    count = int(_fn("CFArrayGetCount")(ref))
    get = _fn("CFArrayGetValueAtIndex")
    return [int(get(ref, i) or 0) for i in range(max(count, 0))]
