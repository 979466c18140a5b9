"""IOKit: registry walks and power sources, with every reference released exactly once.

Rules kept here so that no collector has to remember them:

- ``IOServiceMatching`` returns a dictionary that ``IOServiceGetMatchingServices`` and
  ``IOServiceGetMatchingService`` *consume*: it is never released by us.
- Every ``io_object_t`` we receive (iterators, entries, parents, children) is ``IOObjectRelease``d.
- ``IORegistryEntryCreateCFProperties`` and the ``IOPSCopy*`` functions return owned CF objects,
  released after conversion; ``IOPSGetPowerSourceDescription`` returns a borrowed one.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from darwin_metrics.darwin.ffi import cf, loader
from darwin_metrics.darwin.ffi.constants import kIOMainPortDefault, kIOReturnSuccess

T = TypeVar("T")

#: io_name_t is char[128].
IO_NAME_SIZE = 128


class IOKitError(OSError):
    """An IOKit call returned a kern_return_t other than KERN_SUCCESS."""

    def __init__(self, call: str, code: int) -> None:
        super().__init__(f"{call} failed with kern_return {code:#x}")
        self.call = call
        self.code = code


def _fn(name: str) -> Any:
    return loader.function(loader.IOKIT, name)


def release(obj: int) -> None:
    """``IOObjectRelease`` an io_object_t (0 is ignored)."""
    if obj:
        _fn("IOObjectRelease")(obj)


@contextmanager
def held(obj: int) -> Iterator[int]:
    """Hold an io_object_t for a block and release it afterwards."""
    try:
        yield obj
    finally:
        release(obj)


def _iterate(iterator: int) -> Iterator[int]:
    """Entries of an io_iterator_t; each is released when the consumer moves on."""
    with held(iterator):
        nxt = _fn("IOIteratorNext")
        while True:
            entry = int(nxt(iterator) or 0)
            if not entry:
                return
            with held(entry):
                yield entry


def each_service(class_name: str, visit: Callable[[int], T | None]) -> list[T]:
    """Call ``visit(entry)`` for every registered service of ``class_name``; keep non-None results.

    The entry is only valid during the call.
    """
    matching = _fn("IOServiceMatching")(class_name.encode())
    if not matching:
        return []
    iterator = ctypes.c_uint32(0)
    # IOServiceGetMatchingServices consumes `matching`, whatever it returns.
    kr = _fn("IOServiceGetMatchingServices")(kIOMainPortDefault, matching, ctypes.byref(iterator))
    if kr != kIOReturnSuccess:
        raise IOKitError("IOServiceGetMatchingServices", int(kr))
    results: list[T] = []
    for entry in _iterate(int(iterator.value)):
        value = visit(entry)
        if value is not None:
            results.append(value)
    return results


def first_service(class_name: str) -> int:
    """The first registered service of ``class_name`` (an io_object_t the caller releases, e.g.
    with :func:`held`), or 0 when there is none."""
    matching = _fn("IOServiceMatching")(class_name.encode())
    if not matching:
        return 0
    # Consumes `matching`.
    return int(_fn("IOServiceGetMatchingService")(kIOMainPortDefault, matching) or 0)


def first_service_properties(class_name: str) -> dict[str, Any] | None:
    """Properties of the first registered service of ``class_name``, or ``None`` if there is none."""
    matching = _fn("IOServiceMatching")(class_name.encode())
    if not matching:
        return None
    # Consumes `matching`.
    entry = int(_fn("IOServiceGetMatchingService")(kIOMainPortDefault, matching) or 0)
    if not entry:
        return None
    with held(entry):
        return properties(entry)


def properties(entry: int) -> dict[str, Any]:
    """All properties of a registry entry, converted (the CF dictionary is released)."""
    ref = ctypes.c_void_p(None)
    kr = _fn("IORegistryEntryCreateCFProperties")(entry, ctypes.byref(ref), None, 0)
    if kr != kIOReturnSuccess:
        raise IOKitError("IORegistryEntryCreateCFProperties", int(kr))
    with cf.owned(ref.value) as props:
        value = cf.to_python(props)
    return value if isinstance(value, dict) else {}


def registry_id(entry: int) -> int | None:
    """The entry's registry ID (``IORegistryEntryGetRegistryEntryID``; what Metal calls
    ``registryID``), or None."""
    found = ctypes.c_uint64(0)
    kr = _fn("IORegistryEntryGetRegistryEntryID")(entry, ctypes.byref(found))
    return int(found.value) if kr == kIOReturnSuccess else None


def name(entry: int) -> str:
    """The registry name of an entry (``IORegistryEntryGetName``)."""
    buf = ctypes.create_string_buffer(IO_NAME_SIZE)
    kr = _fn("IORegistryEntryGetName")(entry, buf)
    if kr != kIOReturnSuccess:
        raise IOKitError("IORegistryEntryGetName", int(kr))
    return buf.value.decode("utf-8", "replace")


def conforms_to(entry: int, class_name: str) -> bool:
    """Whether the entry is an instance of ``class_name`` or a subclass of it."""
    return bool(_fn("IOObjectConformsTo")(entry, class_name.encode()))


@contextmanager
def parent(entry: int, plane: str = "IOService") -> Iterator[int]:
    """The entry's parent in ``plane``, released after the block (0 when it has none)."""
    out = ctypes.c_uint32(0)
    kr = _fn("IORegistryEntryGetParentEntry")(entry, plane.encode(), ctypes.byref(out))
    obj = int(out.value) if kr == kIOReturnSuccess else 0
    with held(obj):
        yield obj


def path_properties(path: str) -> dict[str, Any] | None:
    """Properties of the entry at a registry path such as ``IODeviceTree:/cpus``; None if absent."""
    entry = int(_fn("IORegistryEntryFromPath")(kIOMainPortDefault, path.encode()) or 0)
    if not entry:
        return None
    with held(entry):
        return properties(entry)


def children_properties(path: str, plane: str = "IODeviceTree") -> list[dict[str, Any]]:
    """Properties of every child (in ``plane``) of the entry at ``path``; [] if it is absent."""
    entry = int(_fn("IORegistryEntryFromPath")(kIOMainPortDefault, path.encode()) or 0)
    if not entry:
        return []
    with held(entry):
        iterator = ctypes.c_uint32(0)
        kr = _fn("IORegistryEntryGetChildIterator")(entry, plane.encode(), ctypes.byref(iterator))
        if kr != kIOReturnSuccess:
            raise IOKitError("IORegistryEntryGetChildIterator", int(kr))
        return [properties(child) for child in _iterate(int(iterator.value))]


def power_sources() -> list[dict[str, Any]]:
    """The description of every IOPS power source (internal batteries, UPSs, accessories)."""
    blob = _fn("IOPSCopyPowerSourcesInfo")()
    if not blob:
        return []
    with cf.owned(blob):
        sources = _fn("IOPSCopyPowerSourcesList")(blob)
        if not sources:
            return []
        with cf.owned(sources):
            result: list[dict[str, Any]] = []
            for item in cf.array_items(int(sources)):
                # Get rule: the description belongs to `blob`.
                description = _fn("IOPSGetPowerSourceDescription")(blob, item)
                value = cf.to_python(description)
                if isinstance(value, dict):
                    result.append(value)
            return result


def external_power_adapter() -> dict[str, Any] | None:
    """``IOPSCopyExternalPowerAdapterDetails``: Watts, Current (mA), Voltage (mV)…; None if none."""
    ref = _fn("IOPSCopyExternalPowerAdapterDetails")()
    if not ref:
        return None
    with cf.owned(ref):
        value = cf.to_python(ref)
    return value if isinstance(value, dict) else None


def cpu_power_status() -> dict[str, Any] | None:
    """``IOPMCopyCPUPowerStatus``: ``CPU_Speed_Limit`` (percent), ``CPU_Scheduler_Limit``,
    ``CPU_Available_CPUs``; ``None`` where the machine publishes none (Apple Silicon answers
    kIOReturnNotFound)."""
    ref = ctypes.c_void_p(None)
    kr = _fn("IOPMCopyCPUPowerStatus")(ctypes.byref(ref))
    if kr != kIOReturnSuccess:
        return None
    with cf.owned(ref.value) as status:
        value = cf.to_python(status) if status else None
    return value if isinstance(value, dict) else None


def assertions_by_process() -> dict[Any, Any] | None:
    """``IOPMCopyAssertionsByProcess``: pid → list of assertion dictionaries; None on failure."""
    ref = ctypes.c_void_p(None)
    kr = _fn("IOPMCopyAssertionsByProcess")(ctypes.byref(ref))
    if kr != kIOReturnSuccess:
        return None
    with cf.owned(ref.value) as found:
        value = cf.to_python(found) if found else None
    return value if isinstance(value, dict) else None
