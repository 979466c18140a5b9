"""Python stand-ins for libSystem, CoreFoundation and IOKit, used at the ctypes boundary.

Each fake function checks its arguments the way ctypes would in production (``from_param`` of
every declared ``argtypes`` entry of :mod:`darwin_metrics.darwin.ffi.signatures`), then behaves
like the real call: it fills caller buffers, sets ``errno`` through ``ctypes.set_errno`` and returns
what the C function returns. Ownership is tracked: every CoreFoundation object handed out by a
Create/Copy function and every io_object_t must be released exactly once, and nothing else may be.
"""

from __future__ import annotations

# ruff: noqa: N802 - the fake functions carry the C names they stand in for
import ctypes
import errno
import itertools
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from darwin_metrics.darwin.ffi import signatures
from darwin_metrics.darwin.ffi.structs import (
    Attrlist,
    Ifaddrs,
    SMCKeyData,
    Sockaddr,
    Statfs,
    VMStatistics64,
    VolSpaceUsed,
)


def out(arg: Any) -> Any:
    """The ctypes object behind a ``byref()`` argument."""
    assert type(arg).__name__ == "CArgObject", f"expected byref(), got {type(arg).__name__}"
    return arg._obj


def write(buffer: Any, data: bytes) -> None:
    """Copy ``data`` into a caller's ctypes buffer (array, structure or byref)."""
    target = out(buffer) if type(buffer).__name__ == "CArgObject" else buffer
    assert ctypes.sizeof(target) >= len(data), "write past the caller's buffer"
    ctypes.memmove(ctypes.addressof(target), data, len(data))


class FakeLibrary:
    """Attribute access returns checked, counted fake functions named as the C symbols."""

    table: ClassVar[Mapping[str, signatures.Signature]] = {}
    aliases: ClassVar[Mapping[str, str]] = {}

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.globals: dict[str, int] = {}

    def __getattr__(self, symbol: str) -> Callable[..., Any]:
        name = self.aliases.get(symbol, symbol)
        impl = getattr(type(self), "c_" + name, None)
        if impl is None or name not in self.table:
            raise AttributeError(symbol)
        _, argtypes = self.table[name]

        def call(*args: Any) -> Any:
            assert len(args) == len(argtypes), f"{symbol}: {len(args)} arguments"
            for argtype, arg in zip(argtypes, args, strict=True):
                argtype.from_param(arg)  # raises TypeError like ctypes would
            self.calls[symbol] += 1
            return impl(self, *args)

        return call


def fail(err: int, result: int = -1) -> int:
    ctypes.set_errno(err)
    return result


# --- libSystem -------------------------------------------------------------------------------


@dataclass
class FakeProcess:
    """What the fake kernel knows of one pid: flavor → bytes (or errno), rusage versions."""

    info: dict[int, bytes | int] = field(default_factory=dict)
    kinfo: bytes | None = None
    rusage: dict[int, bytes] = field(default_factory=dict)
    rusage_errno: int | None = None
    threads: dict[int, bytes | int] = field(default_factory=dict)


class FakeLibSystem(FakeLibrary):
    table = signatures.LIBSYSTEM
    aliases: ClassVar[Mapping[str, str]] = {"getfsstat$INODE64": "getfsstat"}

    HOST = 0x707
    TASK = 0x103

    def __init__(self) -> None:
        super().__init__()
        self.globals = {"vm_kernel_page_size": 16384, "mach_task_self_": self.TASK}
        #: sysctl values: bytes, a function giving them (a value that changes), or an errno.
        self.by_name: dict[str, bytes | int | Callable[[], bytes]] = {}
        self.by_mib: dict[tuple[int, ...], bytes | int | Callable[[], bytes]] = {}
        self.vm: bytes = bytes(VMStatistics64())
        self.vm_count = 38
        self.ticks: list[tuple[int, int, int, int]] = []
        self.allocations: dict[int, Any] = {}
        self.deallocated: list[tuple[int, int, int]] = []
        self.host_ports = 0
        self.processes: dict[int, FakeProcess] = {}
        self.mounts: list[bytes] = []
        self.space_used: dict[str, int | None] = {}
        self.ifaddrs: list[tuple[str, int, bytes | None]] = []
        self._ifaddrs_alive: list[Any] = []
        self.freed: list[int] = []
        self.notify: dict[str, int] = {}
        self.tokens: dict[int, str] = {}
        self.notify_seen: dict[int, int] = {}

    # sysctl: probe with oldp = NULL, ENOMEM when the buffer is too small.
    def _sysctl(
        self, value: bytes | int | Callable[[], bytes] | None, oldp: Any, oldlenp: Any
    ) -> int:
        if value is None:
            return fail(errno.ENOENT)
        if isinstance(value, int):
            return fail(value)
        data = value() if callable(value) else value
        size = out(oldlenp)
        if oldp is None:
            size.value = len(data)
            return 0
        if size.value < len(data):
            return fail(errno.ENOMEM)
        write(oldp, data)
        size.value = len(data)
        return 0

    def c_sysctl(
        self, name: Any, namelen: int, oldp: Any, oldlenp: Any, newp: Any, newlen: int
    ) -> int:
        mib = tuple(name[:namelen])
        value = self.by_mib.get(mib)
        if value is None and len(mib) == 4 and mib[:3] == (1, 14, 1):
            proc = self.processes.get(mib[3])
            value = (proc.kinfo or b"") if proc is not None else b""
        return self._sysctl(value, oldp, oldlenp)

    def c_sysctlbyname(self, name: bytes, oldp: Any, oldlenp: Any, newp: Any, newlen: int) -> int:
        return self._sysctl(self.by_name.get(name.decode()), oldp, oldlenp)

    def c_mach_host_self(self) -> int:
        self.host_ports += 1
        return self.HOST

    def c_mach_port_deallocate(self, task: int, port: int) -> int:
        assert (task, port) == (self.TASK, self.HOST)
        self.host_ports -= 1
        return 0

    def c_host_statistics64(self, host: int, flavor: int, info: Any, count: Any) -> int:
        assert (host, flavor, out(count).value) == (self.HOST, 4, 38)
        write(info, self.vm[: self.vm_count * 4])
        out(count).value = self.vm_count
        return 0

    def c_host_processor_info(
        self, host: int, flavor: int, ncpu: Any, info: Any, count: Any
    ) -> int:
        assert (host, flavor) == (self.HOST, 2)
        flat = [t for cpu in self.ticks for t in cpu]
        array = (ctypes.c_int32 * len(flat))(*[t - (1 << 32) if t >= 1 << 31 else t for t in flat])
        address = ctypes.addressof(array)
        self.allocations[address] = array
        out(ncpu).value = len(self.ticks)
        out(info).value = address
        out(count).value = len(flat)
        return 0

    def c_vm_deallocate(self, task: int, address: int, size: int) -> int:
        array = self.allocations.pop(address)
        assert task == self.TASK and size == ctypes.sizeof(array)
        self.deallocated.append((task, address, size))
        return 0

    def _proc(self, pid: int) -> FakeProcess | None:
        return self.processes.get(pid)

    def c_proc_pidinfo(self, pid: int, flavor: int, arg: int, buffer: Any, size: int) -> int:
        proc = self._proc(pid)
        if proc is None:
            return fail(errno.ESRCH, 0)
        if flavor in (15, 5):  # one thread
            data = proc.threads.get(arg, errno.ESRCH)
        elif flavor in (28, 6):  # thread lists
            listed = proc.info.get(flavor)
            if isinstance(listed, int):
                return fail(listed, 0)
            ids = list(proc.threads)
            data = b"".join(t.to_bytes(8, "little") for t in ids)[:size]
        else:
            data = proc.info.get(flavor, errno.EINVAL)
        if isinstance(data, int):
            return fail(data, 0)
        data = data[:size]
        write(buffer, data)
        return len(data)

    def c_proc_pid_rusage(self, pid: int, flavor: int, buffer: Any) -> int:
        proc = self._proc(pid)
        if proc is None:
            return fail(errno.ESRCH)
        if proc.rusage_errno is not None:
            return fail(proc.rusage_errno)
        if flavor not in proc.rusage:
            return fail(errno.EINVAL)
        write(buffer, proc.rusage[flavor])
        return 0

    def c_getfsstat(self, buf: Any, bufsize: int, mode: int) -> int:
        assert mode == 2  # MNT_NOWAIT
        if buf is None:
            return len(self.mounts)
        fits = min(len(self.mounts), bufsize // ctypes.sizeof(Statfs))
        write(buf, b"".join(self.mounts[:fits]))
        return fits

    def c_getattrlist(self, path: bytes, attrs: Any, buf: Any, size: int, options: int) -> int:
        request = out(attrs)
        assert isinstance(request, Attrlist)
        assert (request.bitmapcount, request.volattr) == (5, 0x80000000 | 0x00800000)
        used = self.space_used.get(path.decode())
        if used is None:
            return fail(errno.EINVAL)
        write(buf, bytes(VolSpaceUsed(length=ctypes.sizeof(VolSpaceUsed), spaceused=used)))
        return 0

    def c_getifaddrs(self, head: Any) -> int:
        nodes = []
        for name, flags, addr in self.ifaddrs:
            node = Ifaddrs(ifa_name=name.encode(), ifa_flags=flags)
            if addr is not None:
                sa = ctypes.create_string_buffer(addr, max(len(addr), ctypes.sizeof(Sockaddr)))
                self._ifaddrs_alive.append(sa)
                node.ifa_addr = ctypes.cast(sa, ctypes.POINTER(Sockaddr))
            nodes.append(node)
        for a, b in itertools.pairwise(nodes):
            a.ifa_next = ctypes.pointer(b)
        self._ifaddrs_alive.extend(nodes)
        if nodes:
            out(head).contents = nodes[0]
        return 0

    def c_freeifaddrs(self, head: Any) -> None:
        self.freed.append(ctypes.addressof(head.contents) if head else 0)

    def c_notify_register_check(self, name: bytes, token: Any) -> int:
        value = len(self.tokens) + 1
        self.tokens[value] = name.decode()
        out(token).value = value
        return 0

    def c_notify_get_state(self, token: int, state: Any) -> int:
        out(state).value = self.notify.get(self.tokens[token], 0)  # never posted: state 0
        return 0

    def c_notify_cancel(self, token: int) -> int:
        del self.tokens[token]
        return 0

    def c_notify_check(self, token: int, check: Any) -> int:
        name = self.tokens[token]
        seen = self.notify_seen.get(token)
        now = self.notify.get(name, 0)
        out(check).value = int(seen is None or seen != now)  # a post changes the state here
        self.notify_seen[token] = now
        return 0


# --- CoreFoundation --------------------------------------------------------------------------

STRING, NUMBER, BOOLEAN, DATA, DICTIONARY, ARRAY, DATE = 7, 22, 21, 20, 18, 19, 42


class FakeCF(FakeLibrary):
    """CF objects are integer handles; ``owned`` counts references the caller must release."""

    table = signatures.COREFOUNDATION

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[int, tuple[int, Any]] = {}
        self.owned: Counter[int] = Counter()
        self.bad_releases: list[int] = []
        self.created = 0
        self.released = 0
        self._next = 0x10000
        self._buffers: dict[int, Any] = {}
        self.globals = {
            "kCFTypeDictionaryKeyCallBacks": 0xCB01,
            "kCFTypeDictionaryValueCallBacks": 0xCB02,
        }

    def make(self, value: Any, *, owned: bool = False) -> int:
        """Build a CF object graph from Python values; only the root may be owned by the caller."""
        obj: tuple[int, Any]
        if isinstance(value, bool):
            obj = (BOOLEAN, value)
        elif isinstance(value, (int, float)):
            obj = (NUMBER, value)
        elif isinstance(value, str):
            obj = (STRING, value)
        elif isinstance(value, bytes):
            obj = (DATA, value)
        elif isinstance(value, dict):
            obj = (DICTIONARY, [(self.make(k), self.make(v)) for k, v in value.items()])
        elif isinstance(value, (list, tuple)):
            obj = (ARRAY, [self.make(v) for v in value])
        else:
            obj = (DATE, value)
        self._next += 16
        self.objects[self._next] = obj
        if owned:
            self.own(self._next)
        return self._next

    def own(self, handle: int) -> None:
        self.owned[handle] += 1
        self.created += 1

    def disown(self, handle: int) -> None:
        """A callee consumed the reference (IOServiceGetMatchingServices and the matching dict)."""
        assert self.owned[handle] > 0
        self.owned[handle] -= 1
        self.released += 1

    def leaks(self) -> dict[int, int]:
        return {h: n for h, n in self.owned.items() if n}

    def _get(self, ref: int, kind: int) -> Any:
        found_kind, value = self.objects[ref]
        assert found_kind == kind, f"handle {ref:#x} is not of type {kind}"
        return value

    def c_CFRelease(self, ref: int) -> None:
        if self.owned[ref] <= 0:
            self.bad_releases.append(ref)
            return
        self.owned[ref] -= 1
        self.released += 1

    def c_CFGetTypeID(self, ref: int) -> int:
        return self.objects[ref][0]

    def c_CFStringGetTypeID(self) -> int:
        return STRING

    def c_CFNumberGetTypeID(self) -> int:
        return NUMBER

    def c_CFBooleanGetTypeID(self) -> int:
        return BOOLEAN

    def c_CFDataGetTypeID(self) -> int:
        return DATA

    def c_CFDictionaryGetTypeID(self) -> int:
        return DICTIONARY

    def c_CFArrayGetTypeID(self) -> int:
        return ARRAY

    def c_CFStringCreateWithCString(self, alloc: Any, text: bytes, encoding: int) -> int:
        assert encoding == 0x08000100
        return self.make(text.decode(), owned=True)

    def c_CFStringGetLength(self, ref: int) -> int:
        return len(self._get(ref, STRING))

    def c_CFStringGetMaximumSizeForEncoding(self, length: int, encoding: int) -> int:
        return length * 3

    def c_CFStringGetCString(self, ref: int, buffer: Any, size: int, encoding: int) -> bool:
        data = self._get(ref, STRING).encode() + b"\0"
        if len(data) > size:
            return False
        write(buffer, data)
        return True

    def c_CFNumberIsFloatType(self, ref: int) -> bool:
        return isinstance(self._get(ref, NUMBER), float)

    def c_CFNumberGetValue(self, ref: int, number_type: int, value: Any) -> bool:
        number = self._get(ref, NUMBER)
        target = out(value)
        if number_type == 4:
            assert isinstance(target, ctypes.c_int64)
            target.value = int(number)
        else:
            assert number_type == 6 and isinstance(target, ctypes.c_double)
            target.value = float(number)
        return True

    def c_CFBooleanGetValue(self, ref: int) -> bool:
        return bool(self._get(ref, BOOLEAN))

    def c_CFDataGetLength(self, ref: int) -> int:
        return len(self._get(ref, DATA))

    def c_CFDataGetBytePtr(self, ref: int) -> int:
        data = self._get(ref, DATA)
        buf = self._buffers.setdefault(ref, ctypes.create_string_buffer(data, len(data) or 1))
        return ctypes.addressof(buf)

    def c_CFDictionaryGetCount(self, ref: int) -> int:
        return len(self._get(ref, DICTIONARY))

    def c_CFDictionaryGetKeysAndValues(self, ref: int, keys: Any, values: Any) -> None:
        for i, (k, v) in enumerate(self._get(ref, DICTIONARY)):
            keys[i], values[i] = k, v

    def c_CFDictionaryCreateMutableCopy(self, alloc: Any, capacity: int, ref: int) -> int:
        assert alloc is None and capacity == 0
        self._next += 16
        self.objects[self._next] = (DICTIONARY, list(self._get(ref, DICTIONARY)))
        self.own(self._next)
        return self._next

    def c_CFDictionaryGetValue(self, ref: int, key: int) -> int | None:
        wanted = self._get(key, STRING)
        for k, v in self._get(ref, DICTIONARY):
            if self.objects[k] == (STRING, wanted):
                return int(v)
        return None

    def c_CFNumberCreate(self, alloc: Any, number_type: int, value: Any) -> int:
        assert alloc is None and number_type == 4  # kCFNumberSInt64Type
        return self.make(int(out(value).value), owned=True)

    def c_CFDictionaryCreate(
        self, alloc: Any, keys: Any, values: Any, count: int, key_cb: int, value_cb: int
    ) -> int:
        assert (key_cb, value_cb) == (self.globals["kCFTypeDictionaryKeyCallBacks"],
                                      self.globals["kCFTypeDictionaryValueCallBacks"])  # fmt: skip
        pairs = []
        for i in range(count):
            for ref in (keys[i], values[i]):
                assert self.owned[ref] > 0, "dictionary built from a released object"
            pairs.append(
                (self.make(self.objects[keys[i]][1]), self.make(self.objects[values[i]][1]))
            )
        self._next += 16
        self.objects[self._next] = (DICTIONARY, pairs)
        self.own(self._next)
        return self._next

    def c_CFArrayGetCount(self, ref: int) -> int:
        return len(self._get(ref, ARRAY))

    def c_CFArrayGetValueAtIndex(self, ref: int, index: int) -> int:
        items: list[int] = self._get(ref, ARRAY)
        return items[index]


# --- IOKit -----------------------------------------------------------------------------------


@dataclass
class Entry:
    """A registry entry of the fake IOKit."""

    name: str
    classes: tuple[str, ...]
    props: dict[str, Any] = field(default_factory=dict)
    parent: int = 0
    children: list[int] = field(default_factory=list)
    path: str | None = None
    #: Detached (a disk ejected mid-scan): property reads fail with kIOReturnNoDevice.
    gone: bool = False


class FakeIOKit(FakeLibrary):
    table = signatures.IOKIT

    def __init__(self, cf: FakeCF) -> None:
        super().__init__()
        self.cf = cf
        self.entries: dict[int, Entry] = {}
        self.iterators: dict[int, list[int]] = {}
        self.outstanding: Counter[int] = Counter()
        self.bad_releases: list[int] = []
        self._matching: dict[int, str] = {}
        self._next = 0x5000
        self.sources: list[dict[str, Any]] = []
        self.adapter: dict[str, Any] | None = None
        self.cpu_power: dict[str, Any] | None = None
        self.assertions: dict[int, list[dict[str, Any]]] | None = None
        self.hid_sensors: list[tuple[str, float | None]] | None = None
        self.hid_matching: dict[str, Any] = {}
        self._hid_client = 0
        self._hid_services: dict[int, tuple[str, float | None]] = {}
        self._hid_events: dict[int, float] = {}
        #: The fake SMC: key → (type, payload), in enumeration order; writes are applied and kept.
        self.smc: dict[str, tuple[str, bytes]] = {}
        self.smc_writes: list[tuple[str, bytes]] = []
        self.smc_requests = 0
        self.connections: set[int] = set()
        self.bad_closes: list[int] = []

    def add(self, entry: Entry, parent: int = 0) -> int:
        self._next += 4
        entry.parent = parent
        self.entries[self._next] = entry
        if parent:
            self.entries[parent].children.append(self._next)
        return self._next

    def _hand_out(self, obj: int) -> int:
        if obj:
            self.outstanding[obj] += 1
        return obj

    def leaks(self) -> dict[int, int]:
        found = {h: n for h, n in self.outstanding.items() if n}
        found.update(dict.fromkeys(self.connections, 1))  # an IOServiceOpen never closed
        return found

    def c_IOServiceOpen(self, service: int, task: int, kind: int, connect: Any) -> int:
        assert self.outstanding[service] > 0, "IOServiceOpen on a released service"
        assert task == FakeLibSystem.TASK and kind == 0
        self._next += 4
        self.connections.add(self._next)
        out(connect).value = self._next
        return 0

    def c_IOServiceClose(self, connection: int) -> int:
        if connection not in self.connections:
            self.bad_closes.append(connection)
            return 0xE00002C2  # kIOReturnBadArgument
        self.connections.remove(connection)
        return 0

    def c_IOConnectCallStructMethod(
        self, connection: int, selector: int, inp: Any, insize: int, outp: Any, outsize: Any
    ) -> int:
        assert connection in self.connections and selector == 2
        request = out(inp)
        assert isinstance(request, SMCKeyData) and insize == 80 == out(outsize).value
        self.smc_requests += 1
        reply = SMCKeyData(key=request.key)
        name = request.key.to_bytes(4, "big").decode("latin-1")
        found = self.smc.get(name)
        if request.data8 == 8:  # READ_INDEX
            names = list(self.smc)
            if request.data32 >= len(names):
                reply.result = 132
            else:
                reply.key = int.from_bytes(names[request.data32].encode("latin-1"), "big")
        elif found is None:
            reply.result = 132  # key not found
        elif request.data8 == 9:  # READ_KEYINFO
            reply.keyInfo.dataSize = len(found[1])
            reply.keyInfo.dataType = int.from_bytes(found[0].encode("latin-1"), "big")
        elif request.data8 == 5:  # READ_BYTES
            assert request.keyInfo.dataSize == len(found[1])
            reply.bytes[: len(found[1])] = list(found[1])
        elif request.data8 == 6:  # WRITE_BYTES
            size = request.keyInfo.dataSize
            assert size == len(found[1])
            payload = bytes(request.bytes)[:size]
            self.smc[name] = (found[0], payload)
            self.smc_writes.append((name, payload))
        else:
            reply.result = 1
        write(outp, bytes(reply))
        return 0

    def c_IOObjectRelease(self, obj: int) -> int:
        if self.outstanding[obj] <= 0:
            self.bad_releases.append(obj)
            return 0
        self.outstanding[obj] -= 1
        return 0

    def c_IOServiceMatching(self, name: bytes) -> int:
        ref = self.cf.make({"IOProviderClass": name.decode()}, owned=True)
        self._matching[ref] = name.decode()
        return ref

    def _iterator(self, items: list[int]) -> int:
        self._next += 4
        self.iterators[self._next] = list(items)
        return self._hand_out(self._next)

    def c_IOServiceGetMatchingServices(self, port: int, matching: int, iterator: Any) -> int:
        assert port == 0
        wanted = self._matching.pop(matching)
        self.cf.disown(matching)  # consumed, whatever happens next
        found = [h for h, e in self.entries.items() if wanted in e.classes]
        out(iterator).value = self._iterator(found)
        return 0

    def c_IOServiceGetMatchingService(self, port: int, matching: int) -> int:
        wanted = self._matching.pop(matching)
        self.cf.disown(matching)
        found = [h for h, e in self.entries.items() if wanted in e.classes]
        return self._hand_out(found[0]) if found else 0

    def c_IOIteratorNext(self, iterator: int) -> int:
        items = self.iterators[iterator]
        return self._hand_out(items.pop(0)) if items else 0

    def c_IOObjectConformsTo(self, obj: int, name: bytes) -> int:
        return int(name.decode() in self.entries[obj].classes)

    def c_IORegistryEntryGetName(self, obj: int, buffer: Any) -> int:
        write(buffer, self.entries[obj].name.encode() + b"\0")
        return 0

    def c_IORegistryEntryCreateCFProperties(
        self, obj: int, props: Any, alloc: Any, options: int
    ) -> int:
        assert alloc is None and options == 0
        if self.entries[obj].gone:
            return 0xE00002C0  # kIOReturnNoDevice
        out(props).value = self.cf.make(self.entries[obj].props, owned=True)
        return 0

    def c_IORegistryEntryGetParentEntry(self, obj: int, plane: bytes, parent: Any) -> int:
        found = self.entries[obj].parent
        if not found:
            return 0xE00002F0  # kIOReturnNoDevice
        out(parent).value = self._hand_out(found)
        return 0

    def c_IORegistryEntryGetChildIterator(self, obj: int, plane: bytes, iterator: Any) -> int:
        out(iterator).value = self._iterator(self.entries[obj].children)
        return 0

    def c_IORegistryEntryGetRegistryEntryID(self, obj: int, found: Any) -> int:
        assert self.outstanding[obj] > 0, "registry id of a released entry"
        out(found).value = 0x100000000 + obj  # registry IDs are 64-bit
        return 0

    def c_IORegistryEntryFromPath(self, port: int, path: bytes) -> int:
        for handle, entry in self.entries.items():
            if entry.path == path.decode():
                return self._hand_out(handle)
        return 0

    def c_IOPSCopyPowerSourcesInfo(self) -> int:
        self._blob = self.cf.make([{"ps": i} for i in range(len(self.sources))], owned=True)
        self._descriptions = [self.cf.make(s) for s in self.sources]  # owned by the blob
        return self._blob

    def c_IOPSCopyPowerSourcesList(self, blob: int) -> int:
        assert blob == self._blob
        return self.cf.make(list(range(len(self.sources))), owned=True)

    def c_IOPSGetPowerSourceDescription(self, blob: int, source: int) -> int:
        assert blob == self._blob
        index = self.cf._get(source, NUMBER)
        return int(self._descriptions[index])

    # IOHIDEventSystemClient: ``hid_sensors`` is a list of (product name, °C or None).
    def c_IOHIDEventSystemClientCreate(self, alloc: Any) -> int | None:
        if self.hid_sensors is None:
            return None
        client = self.cf.make({"client": True}, owned=True)
        self._hid_client = client
        return client

    def c_IOHIDEventSystemClientSetMatching(self, client: int, matching: int) -> int:
        assert client == self._hid_client
        pairs = self.cf._get(matching, DICTIONARY)
        self.hid_matching = {self.cf.objects[k][1]: self.cf.objects[v][1] for k, v in pairs}
        return 0

    def c_IOHIDEventSystemClientCopyServices(self, client: int) -> int:
        assert client == self._hid_client
        self._hid_services = {}
        handles = []
        for name, celsius in self.hid_sensors or []:
            handle = self.cf.make({"service": name})
            self._hid_services[handle] = (name, celsius)
            handles.append(handle)
        self.cf._next += 16
        self.cf.objects[self.cf._next] = (ARRAY, handles)
        self.cf.own(self.cf._next)
        return self.cf._next

    def c_IOHIDServiceClientCopyProperty(self, service: int, key: int) -> int | None:
        assert self.cf._get(key, STRING) == "Product"
        return self.cf.make(self._hid_services[service][0], owned=True)

    def c_IOHIDServiceClientCopyEvent(
        self, service: int, kind: int, options: int, ts: int
    ) -> int | None:
        assert kind == 15
        celsius = self._hid_services[service][1]
        if celsius is None:
            return None
        event = self.cf.make({"event": celsius}, owned=True)
        self._hid_events[event] = celsius
        return event

    def c_IOHIDEventGetFloatValue(self, event: int, field: int) -> float:
        assert field == 15 << 16
        return self._hid_events[event]

    def c_IOPMCopyAssertionsByProcess(self, found: Any) -> int:
        if self.assertions is None:
            return 0xE00002BC  # kIOReturnError
        out(found).value = self.cf.make(self.assertions, owned=True)
        return 0

    def c_IOPMCopyCPUPowerStatus(self, status: Any) -> int:
        if self.cpu_power is None:
            return 0xE00002F0  # kIOReturnNotFound: Apple Silicon publishes no CPU power status
        out(status).value = self.cf.make(self.cpu_power, owned=True)
        return 0

    def c_IOPSCopyExternalPowerAdapterDetails(self) -> int | None:
        return self.cf.make(self.adapter, owned=True) if self.adapter is not None else None


# --- IOReport --------------------------------------------------------------------------------


class FakeIOReport(FakeLibrary):
    """libIOReport with two groups: ``Energy Model`` (``channels``: ``(name, unit, value)``) and
    ``CPU Stats``/``CPU Core Performance States`` (``states``: channel → cumulative
    ``[(state, residency)]``). Samples copy the values as they are when taken; a delta subtracts.
    ``available``/``refuse`` model a Mac without the groups and a NULL subscription."""

    table = signatures.IOREPORT

    def __init__(self, cf: FakeCF) -> None:
        super().__init__()
        self.cf = cf
        self.channels: list[tuple[str, str, int]] = []
        self.states: dict[str, list[tuple[str, int]]] = {}
        self.available = True
        self.refuse = False
        self._kind: dict[int, str] = {}
        self._channel: dict[int, tuple[str, str, int]] = {}
        self._sample_states: dict[int, dict[str, list[tuple[str, int]]]] = {}
        self._state_channel: dict[int, tuple[str, list[tuple[str, int]]]] = {}

    def _owned_dict(self, pairs: list[tuple[int, int]]) -> int:
        self.cf._next += 16
        self.cf.objects[self.cf._next] = (DICTIONARY, pairs)
        self.cf.own(self.cf._next)
        return self.cf._next

    def _channels_dict(self, handles: list[int]) -> int:
        self.cf._next += 16
        array = self.cf._next
        self.cf.objects[array] = (ARRAY, handles)
        return self._owned_dict([(self.cf.make("IOReportChannels"), array)])

    def c_IOReportCopyChannelsInGroup(
        self, group: int, subgroup: Any, a: int, b: int, c: int
    ) -> int | None:
        name = self.cf._get(group, STRING)
        sub = self.cf._get(subgroup, STRING) if subgroup else None
        if not self.available:
            return None
        if (name, sub) == ("Energy Model", None):
            kind = "energy"
        elif (name, sub) in (
            ("CPU Stats", "CPU Core Performance States"),
            ("GPU Stats", "GPU Performance States"),
        ):
            kind = "states"
        else:
            return None
        found = self.cf.make({"IOReportChannels": [kind]}, owned=True)
        self._kind[found] = kind
        return found

    def c_IOReportCreateSubscription(
        self, a: Any, desired: int, subscribed: Any, channel_id: int, b: Any
    ) -> int | None:
        assert self.cf.owned[desired] > 0, "subscribing with a released dictionary"
        if self.refuse:
            return None
        kind = self.cf._get(self.cf._get(self.cf._get(desired, DICTIONARY)[0][1], ARRAY)[0], STRING)
        out(subscribed).value = self.cf.make({"subscribed": kind}, owned=True)
        subscription = self.cf.make({"subscription": kind}, owned=True)
        self._kind[subscription] = kind
        return subscription

    def c_IOReportCreateSamples(self, subscription: int, subscribed: int, a: Any) -> int:
        assert self.cf.owned[subscription] > 0 and self.cf.owned[subscribed] > 0
        if self._kind[subscription] == "states":
            sample = self._channels_dict([])
            self._sample_states[sample] = {k: list(v) for k, v in self.states.items()}
            return sample
        items = []
        for channel in self.channels:
            handle = self.cf.make({"channel": channel[0]})
            self._channel[handle] = channel
            items.append(handle)
        return self._channels_dict(items)

    def c_IOReportCreateSamplesDelta(self, previous: int, current: int, a: Any) -> int:
        assert self.cf.owned[previous] > 0 and self.cf.owned[current] > 0
        before, after = self._sample_states[previous], self._sample_states[current]
        handles = []
        for name, states in after.items():
            old = dict(before.get(name, []))
            handle = self.cf.make({"channel": name})
            self._state_channel[handle] = (name, [(s, r - old.get(s, 0)) for s, r in states])
            handles.append(handle)
        return self._channels_dict(handles)

    def c_IOReportChannelGetGroup(self, channel: int) -> int:
        return self.cf.make("Energy Model")

    def c_IOReportChannelGetChannelName(self, channel: int) -> int:
        if channel in self._state_channel:
            return self.cf.make(self._state_channel[channel][0])
        return self.cf.make(self._channel[channel][0])

    def c_IOReportChannelGetUnitLabel(self, channel: int) -> int:
        return self.cf.make(self._channel[channel][1])

    def c_IOReportSimpleGetIntegerValue(self, channel: int, index: int) -> int:
        assert index == 0
        return self._channel[channel][2]

    def c_IOReportStateGetCount(self, channel: int) -> int:
        return len(self._state_channel[channel][1])

    def c_IOReportStateGetNameForIndex(self, channel: int, index: int) -> int:
        return self.cf.make(self._state_channel[channel][1][index][0])

    def c_IOReportStateGetResidency(self, channel: int, index: int) -> int:
        return self._state_channel[channel][1][index][1]


# --- Objective-C runtime ---------------------------------------------------------------------


class FakeObjC(FakeLibrary):
    """The Objective-C runtime: objects are handles to ``{selector name: value}`` tables (a value
    may be a function of the message's arguments); classes are objects registered by name.
    ``respondsToSelector:`` answers from the table; ``UTF8String`` of a Python ``str`` object works
    through :meth:`string`. Autorelease pools must be balanced."""

    table = signatures.OBJC

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[int, dict[str, Any]] = {}
        self.classes: dict[str, int] = {}
        self.selectors: dict[str, int] = {}
        self.pools: list[int] = []
        self.pool_depth = 0
        #: +1 references handed to the caller (MTLCopyAllDevices), to be objc_released.
        self.retained: list[int] = []
        self._next = 0x70000

    def new(self, table: dict[str, Any], class_name: str | None = None) -> int:
        self._next += 16
        self.objects[self._next] = table
        if class_name is not None:
            self.classes[class_name] = self._next
        return self._next

    def string(self, text: str) -> int:
        return self.new({"UTF8String": text.encode()})

    def array(self, items: list[int]) -> int:
        return self.new({"count": len(items), "objectAtIndex:": lambda i: items[i]})

    def c_objc_getClass(self, name: bytes) -> int | None:
        return self.classes.get(name.decode())

    def c_sel_registerName(self, name: bytes) -> int:
        return self.selectors.setdefault(name.decode(), 0x9000 + len(self.selectors))

    def c_objc_release(self, obj: int) -> None:
        assert obj in self.retained, f"objc_release of {obj:#x}, not a +1 reference"
        self.retained.remove(obj)

    def c_objc_autoreleasePoolPush(self) -> int:
        self.pool_depth += 1
        self.pools.append(0xA000 + self.pool_depth)
        return self.pools[-1]

    def c_objc_autoreleasePoolPop(self, token: int) -> None:
        assert self.pools and self.pools.pop() == token, "unbalanced autorelease pool"
        self.pool_depth -= 1

    def message(self, restype: Any, *argtypes: Any) -> Callable[..., Any]:
        def send(receiver: int, selector: int, *args: Any) -> Any:
            assert len(args) == len(argtypes)
            names = {v: k for k, v in self.selectors.items()}
            name = names[selector]
            self.calls[name] += 1
            table = self.objects[receiver]
            if name == "respondsToSelector:":
                return names[args[0]] in table
            value = table[name]
            return value(*args) if callable(value) else value

        return send


class FakeMetal(FakeLibrary):
    """Metal.framework: ``MTLCopyAllDevices`` hands out a +1 NSArray of the runtime's devices."""

    table = signatures.METAL

    def __init__(self, runtime: FakeObjC) -> None:
        super().__init__()
        self.runtime = runtime
        self.devices: list[int] = []

    def c_MTLCopyAllDevices(self) -> int:
        devices = self.runtime.array(self.devices)
        self.runtime.retained.append(devices)
        return devices
