"""The ctypes call layer run against Python stand-ins of libSystem, CoreFoundation and IOKit:
argument types (checked with each declared argtype's ``from_param``), buffer sizing and the
ENOMEM retry, errno mapping, short reads, and that every Create/Copy result and every io_object_t
is released exactly once while no Get result is."""

from __future__ import annotations

import ctypes
import errno
import struct
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from darwin_metrics.darwin.ffi import cf, iokit, libc, libproc, loader, netio, signatures
from darwin_metrics.darwin.ffi.structs import (
    KinfoProc,
    ProcTaskInfo,
    ProcThreadInfo,
    RusageInfoV6,
    Statfs,
    VMStatistics64,
)
from darwin_metrics.errors import AccessDenied, NoSuchProcess, NotSupported, ParseError
from tests.darwin.fakes import Entry, FakeCF, FakeIOKit, FakeLibSystem, FakeProcess


@pytest.fixture
def sys_lib() -> Iterator[FakeLibSystem]:
    lib = FakeLibSystem()
    with loader.substitute(libSystem=lib):
        yield lib
    assert lib.host_ports == 0, "mach_host_self port not deallocated"
    assert lib.allocations == {}, "host_processor_info array not vm_deallocated"


@pytest.fixture
def cf_lib() -> Iterator[FakeCF]:
    lib = FakeCF()
    with loader.substitute(CoreFoundation=lib):
        yield lib
    assert lib.bad_releases == [], "released a reference it did not own (Get rule)"
    assert lib.leaks() == {}, "a Create/Copy result was not released"


@pytest.fixture
def io_lib(cf_lib: FakeCF) -> Iterator[FakeIOKit]:
    lib = FakeIOKit(cf_lib)
    with loader.substitute(IOKit=lib):
        yield lib
    assert lib.bad_releases == []
    assert lib.leaks() == {}, "an io_object_t was not released"


@pytest.fixture(autouse=True)
def _fresh_rusage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libproc, "_rusage_version", None)


# --- loader ----------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "darwin", reason="the libraries exist on macOS")
def test_nothing_loads_on_linux_without_stand_ins() -> None:
    with pytest.raises(NotSupported):
        loader.function(loader.IOKIT, "IOServiceMatching")
    assert loader.loaded() == ()


def test_inode64_symbols_on_x86_64(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "machine", lambda: "x86_64")
    assert loader.symbol("getfsstat") == "getfsstat$INODE64"
    assert loader.symbol("sysctl") == "sysctl"
    monkeypatch.setattr(loader, "machine", lambda: "arm64")
    assert loader.symbol("getfsstat") == "getfsstat"


def test_getfsstat_uses_the_inode64_symbol(
    sys_lib: FakeLibSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "machine", lambda: "x86_64")
    sys_lib.mounts = [bytes(Statfs(f_bsize=4096))]
    assert len(libc.getfsstat()) == ctypes.sizeof(Statfs)
    assert sys_lib.calls["getfsstat$INODE64"] == 2
    assert sys_lib.calls["getfsstat"] == 0


def test_configure_sets_prototypes() -> None:
    lib = SimpleNamespace(
        sysctl=SimpleNamespace(),
        **{"getfsstat$INODE64": SimpleNamespace(), "getfsstat": SimpleNamespace()},
    )
    loader.configure(lib, {"sysctl": signatures.LIBSYSTEM["sysctl"], "missing": (None, ())})
    assert lib.sysctl.restype is ctypes.c_int
    assert lib.sysctl.argtypes[0] is ctypes.POINTER(ctypes.c_int)
    assert len(lib.sysctl.argtypes) == 6


def test_missing_function_is_not_supported(sys_lib: FakeLibSystem) -> None:
    with pytest.raises(NotSupported):
        loader.function(loader.LIBSYSTEM, "no_such_function")


def test_substitute_rejects_unknown_names() -> None:
    with pytest.raises(ValueError), loader.substitute(libFoo=object()):
        pass


# --- sysctl ----------------------------------------------------------------------------------


def test_sysctl_sizes_then_reads(sys_lib: FakeLibSystem) -> None:
    sys_lib.by_name["hw.memsize"] = (17179869184).to_bytes(8, "little")
    assert libc.sysctlbyname("hw.memsize") == (17179869184).to_bytes(8, "little")
    assert sys_lib.calls["sysctlbyname"] == 2  # size probe, then the read


def test_sysctl_retries_when_the_answer_grows(sys_lib: FakeLibSystem) -> None:
    sizes = iter([100, 500])
    sys_lib.by_mib[(1, 14, 0)] = lambda: b"x" * next(sizes, 2000)
    raw = libc.sysctl((1, 14, 0))
    assert raw == b"x" * 2000
    # probe says 100; a 128-byte read fails with ENOMEM (500 now), then 256 and 512 and 1024
    # fail (2000), and 2048 bytes succeed.
    assert sys_lib.calls["sysctl"] == 6


def test_sysctl_gives_up_after_bounded_retries(sys_lib: FakeLibSystem) -> None:
    counter = iter(range(10**6))
    sys_lib.by_name["kern.grows"] = lambda: b"y" * (1000 * (2 ** next(counter)))
    with pytest.raises(OSError) as info:
        libc.sysctlbyname("kern.grows")
    assert info.value.errno == errno.ENOMEM
    assert sys_lib.calls["sysctlbyname"] == 1 + libc.MAX_RETRIES


def test_sysctl_errors(sys_lib: FakeLibSystem) -> None:
    with pytest.raises(FileNotFoundError):
        libc.sysctlbyname("hw.perflevel0.name")
    assert libc.sysctl_optional("hw.perflevel0.name") is None
    sys_lib.by_name["kern.secret"] = errno.EPERM
    with pytest.raises(AccessDenied):
        libc.sysctlbyname("kern.secret")
    sys_lib.by_name["kern.broken"] = errno.EIO
    with pytest.raises(OSError) as info:
        libc.sysctlbyname("kern.broken")
    assert info.value.errno == errno.EIO


def test_sysctl_rejects_wrong_argument_types(sys_lib: FakeLibSystem) -> None:
    fn = loader.function(loader.LIBSYSTEM, "sysctlbyname")
    with pytest.raises(TypeError):
        fn("hw.ncpu", None, ctypes.byref(ctypes.c_size_t()), None, 0)  # str, not bytes


# --- Mach ------------------------------------------------------------------------------------


def test_vm_statistics64(sys_lib: FakeLibSystem) -> None:
    sys_lib.vm = bytes(VMStatistics64(free_count=7, wire_count=9))
    raw = libc.vm_statistics64()
    assert VMStatistics64.from_buffer_copy(raw).wire_count == 9
    assert len(raw) == 152
    sys_lib.vm_count = 24  # an older kernel fills only REV0
    assert len(libc.vm_statistics64()) == 96


def test_cpu_ticks_are_copied_then_deallocated(sys_lib: FakeLibSystem) -> None:
    sys_lib.ticks = [(100, 50, 1000, 7), (4294967295, 0, 1, 2)]
    raw = libc.cpu_load_ticks()
    assert struct.unpack("<8I", raw) == (100, 50, 1000, 7, 4294967295, 0, 1, 2)
    ((task, _, size),) = sys_lib.deallocated
    assert (task, size) == (FakeLibSystem.TASK, 32)


def test_globals(sys_lib: FakeLibSystem) -> None:
    assert libc.kernel_page_size() == 16384
    assert libc.task_self() == FakeLibSystem.TASK


# --- libproc ---------------------------------------------------------------------------------


def test_pidinfo_errors(sys_lib: FakeLibSystem) -> None:
    size = ctypes.sizeof(ProcTaskInfo)
    sys_lib.processes[10] = FakeProcess(info={4: errno.EPERM})
    sys_lib.processes[11] = FakeProcess(info={4: bytes(size - 8)})
    sys_lib.processes[12] = FakeProcess(info={4: bytes(ProcTaskInfo(pti_threadnum=3))})
    sys_lib.processes[13] = FakeProcess(info={4: 0})
    with pytest.raises(NoSuchProcess) as gone:
        libproc.task_info(9)  # ESRCH
    assert gone.value.pid == 9
    with pytest.raises(AccessDenied):
        libproc.task_info(10)
    with pytest.raises(ParseError, match="short read"):
        libproc.task_info(11)
    assert ProcTaskInfo.from_buffer_copy(libproc.task_info(12)).pti_threadnum == 3
    with pytest.raises(NoSuchProcess):
        libproc.task_info(13)  # failure without errno: the pid is gone


def test_stale_errno_is_never_read(sys_lib: FakeLibSystem) -> None:
    # proc_pidinfo can fail (return 0) without setting errno; ctypes keeps the errno of an earlier
    # call, so without clearing it first an old EPERM would read as "access denied".
    sys_lib.processes[20] = FakeProcess(info={4: b""}, kinfo=bytes(KinfoProc()))  # exists
    sys_lib.processes[21] = FakeProcess(info={4: b""})  # kinfo_proc has no record: gone
    ctypes.set_errno(errno.EPERM)
    with pytest.raises(OSError) as failed:
        libproc.task_info(20)
    assert not isinstance(failed.value, AccessDenied) and failed.value.errno == errno.EIO
    ctypes.set_errno(errno.EPERM)
    with pytest.raises(NoSuchProcess):
        libproc.task_info(21)
    assert libproc.pid_exists(20) and not libproc.pid_exists(21)
    ctypes.set_errno(errno.ENOENT)
    sys_lib.by_name["kern.x"] = b"\1\0\0\0"
    assert libc.sysctlbyname("kern.x") == b"\1\0\0\0"


def test_kinfo_proc(sys_lib: FakeLibSystem) -> None:
    sys_lib.processes[5] = FakeProcess(kinfo=bytes(648))
    sys_lib.processes[6] = FakeProcess(kinfo=bytes(100))
    assert len(libproc.kinfo_proc(5)) == 648
    with pytest.raises(NoSuchProcess):
        libproc.kinfo_proc(4)  # the kernel answers with 0 bytes
    with pytest.raises(ParseError):
        libproc.kinfo_proc(6)


def test_rusage_picks_the_newest_supported_version(sys_lib: FakeLibSystem) -> None:
    # A kernel knowing v5 and v4 only: v6 is rejected with EINVAL once, then v5 is remembered.
    sys_lib.processes[7] = FakeProcess(rusage={5: bytes(304), 4: bytes(296)})
    assert libproc.pid_rusage(7) == (5, bytes(304))
    assert libproc.pid_rusage(7) == (5, bytes(304))
    assert sys_lib.calls["proc_pid_rusage"] == 3
    sys_lib.processes[8] = FakeProcess(rusage={5: bytes(304)}, rusage_errno=errno.EPERM)
    with pytest.raises(AccessDenied):
        libproc.pid_rusage(8)


def test_rusage_v6(sys_lib: FakeLibSystem) -> None:
    sys_lib.processes[7] = FakeProcess(rusage={6: bytes(RusageInfoV6(ri_energy_nj=5))})
    version, raw = libproc.pid_rusage(7)
    assert (version, RusageInfoV6.from_buffer_copy(raw).ri_energy_nj) == (6, 5)


def test_threads_by_id_and_fallback(sys_lib: FakeLibSystem) -> None:
    info = bytes(ProcThreadInfo(pth_name=b"worker"))
    sys_lib.processes[20] = FakeProcess(threads=dict.fromkeys(range(1, 41), info))
    by_id, ids = libproc.thread_ids(20, expected=2)  # 2 + 32 slots: full, so the buffer grows
    assert (by_id, ids) == (True, list(range(1, 41)))
    sys_lib.processes[21] = FakeProcess(info={28: errno.EINVAL}, threads={0x7000: info})
    assert libproc.thread_ids(21, expected=1) == (False, [0x7000])
    assert libproc.thread_info(21, 0x7000, by_id=False) == info
    assert libproc.thread_info(21, 0x7001, by_id=False) is None  # ended meanwhile
    with pytest.raises(NoSuchProcess):
        libproc.thread_ids(22, expected=0)


# --- file systems, interfaces, notify --------------------------------------------------------


def test_getfsstat_and_space_used(sys_lib: FakeLibSystem) -> None:
    sys_lib.mounts = [bytes(Statfs(f_mntonname=b"/%d" % i)) for i in range(3)]
    raw = libc.getfsstat()
    assert len(raw) == 3 * ctypes.sizeof(Statfs)
    sys_lib.space_used["/"] = 123456789
    assert libc.volume_space_used("/") == 123456789
    assert libc.volume_space_used("/dev") is None  # EINVAL: not supported there


def test_getifaddrs_walks_and_frees(sys_lib: FakeLibSystem) -> None:
    sdl = (
        struct.pack("<BBHBBBB", 20, 18, 4, 6, 3, 6, 0)
        + b"en0"
        + bytes.fromhex("a4831e0a0b0c")
        + bytes(3)
    )
    sys_lib.ifaddrs = [("lo0", 0x8049, None), ("en0", 0x8863, sdl)]
    entries = libc.getifaddrs()
    assert [(e.name, e.flags, e.family) for e in entries] == [
        ("lo0", 0x8049, None),
        ("en0", 0x8863, 18),
    ]
    assert entries[1].address == sdl
    assert len(sys_lib.freed) == 1


def test_notify_state(sys_lib: FakeLibSystem) -> None:
    sys_lib.notify["com.apple.system.thermalpressurelevel"] = 2
    assert libc.notify_state("com.apple.system.thermalpressurelevel") == 2
    assert sys_lib.tokens == {}  # the registration was cancelled


# --- CoreFoundation --------------------------------------------------------------------------


def test_converter_handles_every_type(cf_lib: FakeCF) -> None:
    value = {
        "Amperage": -3706,  # stored as SInt64: the sign survives
        "FamilyCode": -536854518,
        "Ratio": 0.25,
        "BatteryInstalled": True,
        "Name": "InternalBattery-0",
        "cluster-type": b"E\0",
        "CellVoltage": [4309, 4309, 4310],
        "Nested": {"Empty": {}, "List": []},
    }
    ref = cf_lib.make(value, owned=True)
    with cf.owned(ref):
        assert cf.to_python(ref) == value
    assert cf.to_python(None) is None


def test_converter_reads_only(cf_lib: FakeCF) -> None:
    ref = cf_lib.make({"a": [1, {"b": b"\x00\x01"}]})
    cf.to_python(ref)
    assert cf_lib.calls["CFRelease"] == 0  # everything it touched came from Get functions


def test_converter_unknown_type_is_none(cf_lib: FakeCF) -> None:
    assert cf.to_python(cf_lib.make(object())) is None


def test_create_string_is_released(cf_lib: FakeCF) -> None:
    with cf.owned(cf.create_string("Battery")) as ref:
        assert ref is not None and cf.string_value(ref) == "Battery"
    assert cf_lib.created == cf_lib.released == 1


# --- IOKit -----------------------------------------------------------------------------------


def _registry(io: FakeIOKit) -> None:
    root = io.add(Entry("root", ("IORegistryEntry",)))
    driver = io.add(
        Entry(
            "IOBlockStorageDriver",
            ("IOBlockStorageDriver", "IOService"),
            {"Statistics": {"Bytes (Read)": 1}},
        ),
        root,
    )
    io.add(Entry("APPLE SSD", ("IOMedia",), {"BSD Name": "disk0", "Whole": True}), driver)
    cpus = io.add(Entry("cpus", ("IOPlatformDevice",), {"e-core-count": b"\x04\0\0\0"}), root)
    io.entries[cpus].path = "IODeviceTree:/cpus"
    io.add(
        Entry("cpu0", ("IOPlatformDevice",), {"logical-cpu-id": 0, "cluster-type": b"E\0"}), cpus
    )
    io.add(
        Entry("cpu4", ("IOPlatformDevice",), {"logical-cpu-id": 4, "cluster-type": b"P\0"}), cpus
    )
    io.add(Entry("pmgr", ("AppleARMIODevice",), {"voltage-states1-sram": b"\0" * 8}), root)
    io.add(Entry("gpio", ("AppleARMIODevice",), {}), root)


def test_each_service_releases_everything(io_lib: FakeIOKit, cf_lib: FakeCF) -> None:
    _registry(io_lib)

    def visit(entry: int) -> Any:
        with iokit.parent(entry) as driver:
            assert iokit.conforms_to(driver, "IOBlockStorageDriver")
            stats = iokit.properties(driver)["Statistics"]
        return iokit.properties(entry)["BSD Name"], stats

    assert iokit.each_service("IOMedia", visit) == [("disk0", {"Bytes (Read)": 1})]
    names = iokit.each_service("AppleARMIODevice", iokit.name)
    assert names == ["pmgr", "gpio"]
    # Each matching dictionary was consumed by IOServiceGetMatchingServices, never CFReleased.
    assert cf_lib.calls["CFRelease"] == cf_lib.created - 2


def test_each_service_releases_on_early_exit(io_lib: FakeIOKit) -> None:
    _registry(io_lib)

    def boom(entry: int) -> None:
        raise RuntimeError("visitor failed")

    with pytest.raises(RuntimeError):
        iokit.each_service("AppleARMIODevice", boom)


def test_registry_paths(io_lib: FakeIOKit) -> None:
    _registry(io_lib)
    assert iokit.path_properties("IODeviceTree:/cpus") == {"e-core-count": b"\x04\0\0\0"}
    children = iokit.children_properties("IODeviceTree:/cpus")
    assert [c["logical-cpu-id"] for c in children] == [0, 4]
    assert iokit.path_properties("IODeviceTree:/nothing") is None
    assert iokit.children_properties("IODeviceTree:/nothing") == []
    assert iokit.first_service_properties("IOMedia") == {"BSD Name": "disk0", "Whole": True}
    assert iokit.first_service_properties("AppleSmartBattery") is None
    with iokit.parent(io_lib._hand_out(next(iter(io_lib.entries)))) as none:
        assert none == 0  # the root has no parent
    iokit.release(next(iter(io_lib.entries)))


def test_power_sources_follow_the_get_rule(io_lib: FakeIOKit, cf_lib: FakeCF) -> None:
    io_lib.sources = [{"Type": "InternalBattery", "Current Capacity": 80}, {"Type": "UPS"}]
    io_lib.adapter = {"Watts": 96}
    assert iokit.power_sources() == io_lib.sources
    assert iokit.external_power_adapter() == {"Watts": 96}
    # blob + list + adapter details were released; the descriptions (Get) were not.
    assert cf_lib.released == 3
    io_lib.adapter = None
    assert iokit.external_power_adapter() is None


# --- ioctls ----------------------------------------------------------------------------------


def test_interface_ioctls(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, bytes]] = []

    def fake_ioctl(fd: int, request: int, buf: bytearray, mutate: bool) -> int:
        assert isinstance(buf, bytearray) and mutate is True
        name = bytes(buf[:16]).split(b"\0")[0]
        seen.append((request, name))
        if name == b"gif0":
            raise OSError(errno.EOPNOTSUPP, "not supported")
        if name == b"bad0":
            raise OSError(errno.EBADF, "bad file")
        if request == 0xC02069AD:
            buf[16:20] = (3).to_bytes(4, "little")
        elif request == 0xC02C6948:
            raise OSError(errno.EINVAL, "no xmedia")  # an older kernel
        else:
            buf[24:32] = struct.pack("<ii", 3, 0x20 | 16 | 0x00100000)
        return 0

    monkeypatch.setattr(netio, "ioctl", fake_ioctl)
    with netio.datagram_socket() as sock:
        assert netio.functional_type(sock, "en0") == 3
        raw = netio.media(sock, "en0")
        assert raw is not None and len(raw) == 44
        assert netio.functional_type(sock, "gif0") is None
        assert netio.media(sock, "gif0") is None
        with pytest.raises(OSError):
            netio.functional_type(sock, "bad0")
    assert (0xC02C6948, b"en0") in seen and (0xC02C6938, b"en0") in seen


def test_smc_reads_and_key_not_found(io_lib: FakeIOKit, sys_lib: FakeLibSystem) -> None:
    from darwin_metrics.darwin.ffi.smc import SMC, SMCError

    io_lib.add(Entry("AppleSMC", ("AppleSMC", "IOService")))
    io_lib.smc = {"#KEY": ("ui32", bytes.fromhex("00000002")), "TC0P": ("sp78", b"\x43\x20")}
    with SMC() as smc:
        assert smc.read("TC0P") == ("sp78", b"\x43\x20")
        assert smc.read("TC9Z") is None  # result 132: no such key
        assert smc.key_info("TC9Z") is None
        calls = io_lib.smc_requests
        assert smc.read("TC9Z") is None and io_lib.smc_requests == calls  # cached
        assert smc.key_names() == ["#KEY", "TC0P"]
        smc.write("TC0P", b"\x10\x00")
        assert io_lib.smc_writes == [("TC0P", b"\x10\x00")]
        with pytest.raises(ValueError):
            smc.write("TC0P", b"\x10")
        with pytest.raises(SMCError):
            smc.write("ZZZZ", b"\x00")
    assert io_lib.connections == set()  # IOServiceClose ran
    smc = SMC()
    smc.close()
    smc.close()  # idempotent
    assert io_lib.bad_closes == []


def test_smc_missing_service(io_lib: FakeIOKit, sys_lib: FakeLibSystem) -> None:
    from darwin_metrics.darwin.ffi.smc import SMC

    with pytest.raises(NotSupported):
        SMC()


def test_ioreport_energy_sample_and_releases(cf_lib: FakeCF) -> None:
    from darwin_metrics.darwin.ffi.ioreport import EnergyReport
    from tests.darwin.fakes import FakeIOReport

    report_lib = FakeIOReport(cf_lib)
    report_lib.channels = [("CPU Energy", "mJ  ", 1500), ("GPU Energy", "nJ", 7)]
    with loader.substitute(IOReport=report_lib):
        with EnergyReport() as report:
            first = report.sample()
            report_lib.channels[0] = ("CPU Energy", "mJ  ", 4500)
            second = report.sample()
        assert [(c.name, c.unit, c.value) for c in first] == [
            ("CPU Energy", "mJ", 1500),
            ("GPU Energy", "nJ", 7),
        ]
        assert second[0].value == 4500
        report.close()  # idempotent
        assert cf_lib.leaks() == {}  # subscription, dictionaries and samples all released
        report_lib.refuse = True
        with pytest.raises(NotSupported, match="IOReport unavailable"):
            EnergyReport()
        report_lib.available = False
        with pytest.raises(NotSupported):
            EnergyReport()
    assert cf_lib.leaks() == {} and cf_lib.bad_releases == []
