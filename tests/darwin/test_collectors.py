"""The macOS collectors end to end on a fake Mac: the stand-in libraries of ``fakes.py`` serve the
captured MacBookPro17,1 (M1) sysctls, device-tree nodes, pmgr tables and AppleSmartBattery node,
the captured MacBook Air IOBlockStorageDriver statistics, and synthetic records for the rest
(marked). psutil calls that would read this Linux machine are replaced where the test says so.

Every test also checks the ownership rules (fixtures below): no leaked or doubly released
CoreFoundation object or io_object_t, no Mach host port left, no host_processor_info array kept.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from darwin_metrics.collect import take_snapshot
from darwin_metrics.darwin import battery as battery_collector
from darwin_metrics.darwin import cpu as cpu_collector
from darwin_metrics.darwin import net as net_collector
from darwin_metrics.darwin.backend import DarwinBackend
from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.darwin.ffi import libproc, loader, netio
from darwin_metrics.darwin.ffi.structs import (
    Ip6Stat,
    IpStat,
    KinfoProc,
    ProcTaskInfo,
    ProcThreadInfo,
    RusageInfoV6,
    Statfs,
    TcpStat,
    UdpStat,
    VMStatistics64,
    XswUsage,
)
from darwin_metrics.errors import NoSuchProcess, NotSupported
from tests.darwin import builders, formats
from tests.darwin.fakes import Entry, FakeCF, FakeIOKit, FakeLibSystem, FakeProcess

INTS_8 = {"hw.memsize"}


def _int(name: str, value: int) -> bytes:
    return value.to_bytes(8 if name in INTS_8 else 4, "little", signed=value < 0)


@pytest.fixture
def mac(darwin_fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    d = darwin_fixtures
    system, cf = FakeLibSystem(), FakeCF()
    io = FakeIOKit(cf)
    sysctl = formats.sysctl_text(d / "darwindumped_MacBookPro17-1_M1_macOS11_sysctl_hw.txt")
    sysctl.update(formats.sysctl_text(d / "darwindumped_MacBookPro17-1_M1_macOS11_sysctl_cpu.txt"))
    for name, text in sysctl.items():
        if text.lstrip("-").isdigit():
            system.by_name[name] = _int(name, int(text))
        else:
            system.by_name[name] = text.encode() + b"\0"
    system.by_name["kern.memorystatus_vm_pressure_level"] = _int("", 1)
    system.by_name["kern.memorystatus_level"] = _int("", 71)
    system.by_name["vm.swapusage"] = bytes(XswUsage(xsu_pagesize=16384))  # no swap in use

    root = io.add(Entry("Root", ("IORegistryEntry",)))
    cpus = io.add(
        Entry("cpus", ("IOPlatformDevice",), formats.ioregviewer(d / "darwindumped_MacBookPro17-1_M1_ioreg_cpus_core_counts.ioregviewer.json.txt")),
        root,
    )  # fmt: skip
    io.entries[cpus].path = "IODeviceTree:/cpus"
    for name in ("cpu0_E_cluster", "cpu7_P_cluster"):
        props = formats.ioregviewer(
            d / f"darwindumped_MacBookPro17-1_M1_ioreg_{name}.ioregviewer.json.txt"
        )
        io.add(Entry(name[:4], ("IOPlatformDevice",), props), cpus)
    io.add(Entry("gpio", ("AppleARMIODevice",), {"name": b"gpio\0"}), root)
    pmgr = formats.ioregviewer(
        d / "darwindumped_MacBookPro17-1_M1_ioreg_pmgr_voltage_states.ioregviewer.json.txt"
    )
    io.add(Entry("pmgr", ("AppleARMIODevice",), pmgr), root)
    smart = formats.ioregviewer(
        d / "darwindumped_MacBookPro17-1_M1_ioreg_AppleSmartBattery.ioregviewer.json.txt"
    )
    smart["Amperage"] = -1234  # as the CF converter reads it (signed); the capture says 0
    io.add(Entry("AppleSmartBattery", ("AppleSmartBattery", "IOService"), smart), root)
    statistics = formats.ioreg_text(
        d
        / "thomaskaiser_ioreg-l_MacBookAir10-1_M1_macOS11.0.1_excerpt_IOBlockStorageDriver_Statistics.txt"
    )["Statistics"]
    driver = io.add(
        Entry(
            "IOBlockStorageDriver",
            ("IOBlockStorageDriver", "IOService"),
            {"Statistics": statistics},
        ),
        root,
    )
    whole = io.add(
        Entry(
            "APPLE SSD AP0512Q Media",
            ("IOMedia", "IOService"),
            {"BSD Name": "disk0", "Whole": True, "BSD Major": 1, "BSD Minor": 0},
        ),
        driver,
    )
    io.add(
        Entry("disk0s1", ("IOMedia", "IOService"), {"BSD Name": "disk0s1", "Whole": False}), whole
    )
    # fmt: on

    monkeypatch.setattr(cpu_collector, "_static", None)
    monkeypatch.setattr(libproc, "_rusage_version", None)
    with loader.substitute(libSystem=system, CoreFoundation=cf, IOKit=io):
        yield SimpleNamespace(system=system, cf=cf, io=io, smart=smart)
    assert cf.bad_releases == [] and cf.leaks() == {}
    assert io.bad_releases == [] and io.leaks() == {} and io.bad_closes == []
    assert system.host_ports == 0 and system.allocations == {}


def test_cpu(mac: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    mac.system.ticks = [(100 * i, 50, 10_000, 0) for i in range(8)]  # synthetic ticks
    monkeypatch.setattr(
        psutil,
        "cpu_stats",
        lambda: SimpleNamespace(ctx_switches=11, interrupts=22, soft_interrupts=0),
    )
    monkeypatch.setattr(psutil, "boot_time", lambda: 1612391267.0)
    monkeypatch.setattr(os, "getloadavg", lambda: (2.5, 2.0, 1.5))
    cpu = DarwinBackend().cpu()
    assert (cpu.model, cpu.vendor, cpu.architecture) == ("Apple M1", "Apple", "arm64")
    assert (cpu.logical_count, cpu.physical_count) == (8, 8)
    assert [(c.name, c.type, c.max_hertz) for c in cpu.clusters] == [
        ("Performance", "P", 3204e6),
        ("Efficiency", "E", 2064e6),
    ]
    assert [core.cluster for core in cpu.cores] == ["E", None, None, None, None, None, None, "P"]
    assert cpu.cores[7].times.user == 7.0
    assert cpu.cores[0].frequency.min_hertz == 600e6
    assert (cpu.context_switches, cpu.interrupts, cpu.boot_time) == (11, 22, 1612391267.0)
    assert cpu.load is not None and cpu.load.one == 2.5
    # Identity and topology are read once; the ticks every time.
    calls = dict(mac.io.calls)
    DarwinBackend().cpu()
    assert dict(mac.io.calls) == calls
    assert len(mac.system.deallocated) == 2


def test_cpu_core_frequencies_from_ioreport(
    mac: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psutil

    from tests.darwin.fakes import FakeIOReport

    mac.system.ticks = [(1, 1, 1, 1)] * 8
    monkeypatch.setattr(
        psutil,
        "cpu_stats",
        lambda: SimpleNamespace(ctx_switches=0, interrupts=0, soft_interrupts=0),
    )
    report = FakeIOReport(mac.cf)
    e_states = ["IDLE", "V0P6", "V1P0", "V1P3", "V1P7", "V2P0"]  # 5 DVFS states: the M1 E table
    report.states = {"ECPU0": [(s, 0) for s in e_states]}
    backend = DarwinBackend()
    with loader.substitute(IOReport=report):
        first = backend.cpu()
        # 100 ticks idle, 100 at the second state (972 MHz on the M1 E table), 100 at the top.
        report.states["ECPU0"] = [
            ("IDLE", 100),
            ("V0P6", 0),
            ("V1P0", 100),
            ("V1P3", 0),
            ("V1P7", 0),
            ("V2P0", 100),
        ]
        second = backend.cpu()
        assert backend._frequencies is not None
        backend._frequencies.close()
    assert first.cores[0].frequency.hertz is None  # one reading: no interval yet
    assert second.cores[0].frequency.hertz == pytest.approx((972e6 + 2064e6) / 2)
    assert second.cores[7].frequency.hertz is None  # no PCPU channel in this fake


def test_memory(mac: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    mac.system.vm = bytes(
        VMStatistics64(wire_count=100000, internal_page_count=300000, compressor_page_count=10)
    )
    mac.system.by_name["vm.swapusage"] = bytes(
        XswUsage(xsu_total=3 << 30, xsu_used=1 << 30, xsu_avail=2 << 30, xsu_pagesize=16384)
    )

    def no_psutil() -> None:
        raise AssertionError("psutil.swap_memory spends a rate-limited host_statistics64 call")

    monkeypatch.setattr(psutil, "swap_memory", no_psutil)
    mem = DarwinBackend().memory()
    assert mac.system.calls["host_statistics64"] == 1
    page = 16384  # vm_kernel_page_size of the fake; hw.pagesize of the capture is 16384 too
    assert mem.total == 17179869184
    assert mem.wired == 100000 * page
    assert mem.used == (300000 + 100000 + 10) * page
    assert (mem.swap.total, mem.pressure.level, mem.pressure.free_percent) == (
        3 << 30,
        "normal",
        71.0,
    )


def test_disks(mac: SimpleNamespace) -> None:
    (disk,) = DarwinBackend().disks()  # disk0s1's parent is an IOMedia, not a driver
    assert (disk.name, disk.reads, disk.read_bytes, disk.writes) == (
        "disk0",
        615801,
        14160125952,
        201498,
    )
    assert (disk.major, disk.minor) == (1, 0)  # IOMedia BSD Major/Minor (synthetic values)
    # A second disk ejected while the scan runs: its entry's reads fail; disk0 is still listed.
    driver = mac.io.add(
        Entry("IOBlockStorageDriver", ("IOBlockStorageDriver", "IOService"), {"Statistics": {}})
    )
    mac.io.add(
        Entry("USB Media", ("IOMedia", "IOService"), {"BSD Name": "disk4"}, gone=True), driver
    )
    mac.io.entries[driver].gone = True
    assert [d.name for d in DarwinBackend().disks()] == ["disk0"]


def _mount(point: str, fs: str, flags: int, blocks: int = 1000) -> bytes:
    return bytes(
        Statfs(f_bsize=4096, f_blocks=blocks, f_bfree=blocks // 2, f_bavail=blocks // 2, f_flags=flags,
               f_fstypename=fs.encode(), f_mntonname=point.encode(), f_mntfromname=b"/dev/disk3s1")
    )  # fmt: skip


def test_volumes(mac: SimpleNamespace) -> None:
    mac.system.mounts = [
        _mount("/", "apfs", k.MNT_RDONLY | k.MNT_ROOTFS | k.MNT_LOCAL),
        _mount("/dev", "devfs", k.MNT_DONTBROWSE, blocks=0),
        _mount("/System/Volumes/VM", "apfs", k.MNT_LOCAL | k.MNT_DONTBROWSE),
        _mount("/System/Volumes/Data", "apfs", k.MNT_LOCAL | k.MNT_DONTBROWSE | k.MNT_JOURNALED),
        _mount("/Volumes/Backup", "hfs", k.MNT_LOCAL | k.MNT_JOURNALED),
    ]
    mac.system.space_used["/"] = 9 * 4096
    mac.system.space_used["/System/Volumes/Data"] = 300 * 4096
    shown = DarwinBackend().volumes()
    # The sealed system volume and, by default too, the user's data volume (nobrowse).
    assert [v.mount_point for v in shown] == ["/", "/System/Volumes/Data", "/Volumes/Backup"]
    assert shown[0].used == 9 * 4096  # ATTR_VOL_SPACEUSED, APFS only
    assert shown[1].used == 300 * 4096
    assert shown[2].used == 500 * 4096  # HFS+: blocks - free
    assert len(DarwinBackend().volumes(all=True)) == 5


def test_interfaces(mac: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    mac.system.by_mib[(4, 17, 0, 0, 6, 0)] = (
        builders.ifinfo2("lo0", 1, k.IFT_LOOP, b"", flags=k.IFF_UP | k.IFF_LOOPBACK | k.IFF_RUNNING, mtu=16384)
        + builders.ifinfo2("en0", 6, k.IFT_ETHER, bytes.fromhex("f01898a1b2c3"), flags=k.IFF_UP | k.IFF_RUNNING,
                           mtu=1500, ibytes=(5 << 32) & 0xFFFFFC00, obytes=20, snd_drops=3)
        + builders.ifinfo2("utun0", 14, k.IFT_OTHER, b"", flags=k.IFF_UP, mtu=1380)
    )  # fmt: skip
    # The exact counters: en0's from its ifmibdata; index 14 now names another interface; lo0 has
    # no ifmibdata (ENOENT): its counters are unknown, not the rounded route-dump ones.
    mac.system.by_mib[(4, 18, 0, 2, 6, 1)] = builders.ifmibdata(
        "en0", ibytes=(5 << 32) + 1000, obytes=20, snd_drops=3
    )
    mac.system.by_mib[(4, 18, 0, 2, 14, 1)] = builders.ifmibdata("utun9", ibytes=1)

    def ioctl(fd: int, request: int, buf: bytearray, mutate: bool) -> int:
        name = bytes(buf[:16]).split(b"\0")[0]
        if request == k.SIOCGIFFUNCTIONALTYPE:
            kind = {b"lo0": 1, b"en0": 3}.get(name, 0)
            buf[16:20] = kind.to_bytes(4, "little")
        elif name == b"en0":
            buf[24:32] = struct.pack("<ii", k.IFM_AVALID | k.IFM_ACTIVE, k.IFM_IEEE80211)
        else:
            raise OSError(22, "no media")
        return 0

    addr = SimpleNamespace
    monkeypatch.setattr(netio, "ioctl", ioctl)
    monkeypatch.setattr(
        psutil,
        "net_if_addrs",
        lambda: {"en0": [addr(family=socket.AF_INET, address="192.168.1.20", netmask="255.255.255.0",
                              broadcast="192.168.1.255", ptp=None),
                         addr(family=psutil.AF_LINK, address="f0:18:98:a1:b2:c3", netmask=None,
                              broadcast=None, ptp=None)]},
    )  # fmt: skip
    lo, en, utun = DarwinBackend().interfaces()
    assert (lo.kind, lo.is_up, lo.mtu) == ("loopback", True, 16384)
    assert (en.kind, en.index, en.mac, en.has_carrier, en.speed_bits_per_second) == (
        "wifi",
        6,
        "f0:18:98:a1:b2:c3",
        True,
        None,
    )
    assert [(a.family, a.address, a.prefix_length) for a in en.addresses] == [
        ("ipv4", "192.168.1.20", 24),
        ("link", "f0:18:98:a1:b2:c3", None),
    ]
    assert en.counters is not None and (en.counters.rx_bytes, en.counters.tx_drops) == (
        (5 << 32) + 1000,
        3,
    )
    assert (lo.counters, utun.counters) == (None, None)
    assert (utun.kind, utun.is_running, utun.has_carrier) == ("tunnel", False, None)
    # One interface whose ioctl fails in an unexpected way is skipped, the others are listed.

    def failing(fd: int, request: int, buf: bytearray, mutate: bool) -> int:
        if bytes(buf[:16]).split(b"\0")[0] == b"utun0":
            raise OSError(5, "Input/output error")
        return ioctl(fd, request, buf, mutate)

    monkeypatch.setattr(netio, "ioctl", failing)
    assert [i.name for i in DarwinBackend().interfaces()] == ["lo0", "en0"]
    # One IFMIB_IFALLDATA call gives every attached interface (an unattached record is nameless).
    mac.system.by_mib[(4, 18, 0, 3, 0, 1)] = (
        builders.ifmibdata("lo0", ibytes=4242) + bytes(180) + builders.ifmibdata("en0", ibytes=77)
    )
    monkeypatch.setattr(netio, "ioctl", ioctl)
    lo, en, utun = DarwinBackend().interfaces()
    assert lo.counters is not None and lo.counters.rx_bytes == 4242  # no per-index record needed
    assert en.counters is not None and en.counters.rx_bytes == 77
    assert utun.counters is None  # index 14 names utun9: still refused


def test_connections(mac: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    v4 = socket.inet_aton
    mac.system.by_name["net.inet.tcp.pcblist_n"] = builders.table(
        builders.inpcb(k.INP_IPV4, 22, 0, bytes(4), bytes(4)) + builders.socket_record(0, 321) + builders.tcpcb(k.TCPS_LISTEN),
        builders.inpcb(k.INP_IPV6, 443, 50000, bytes(15) + b"\1", bytes(15) + b"\1")
        + builders.socket_record(501, 654) + builders.tcpcb(k.TCPS_ESTABLISHED),
    )  # fmt: skip
    mac.system.by_name["net.inet.udp.pcblist_n"] = builders.table(
        builders.inpcb(k.INP_IPV4, 53, 0, v4("127.0.0.1"), bytes(4)) + builders.socket_record(0, 0)
    )
    kinfo = KinfoProc()
    kinfo.kp_proc.p_comm = b"sshd"
    mac.system.processes[321] = FakeProcess(kinfo=bytes(kinfo))
    backend = DarwinBackend()
    assert [c.protocol for c in backend.connections("inet")] == ["tcp", "tcp", "udp"]
    assert [c.local_port for c in backend.connections("tcp6")] == [443]
    assert backend.connections("udp", pids=False)[0].pids is None
    assert [c.remote_port for c in backend.process_connections(654)] == [50000]
    counts = backend.connection_counts()
    assert counts.total == 3
    assert counts.count(protocol="tcp", state="ESTABLISHED") == 1
    assert [(p.protocol, p.port, p.names) for p in counts.listening] == [
        ("tcp", 22, ("sshd",)),
        ("udp", 53, ()),
    ]
    with pytest.raises(NotSupported):
        backend.connections("unix")
    # No sockets at all: the kernel writes the xinpgen header and no trailer.
    empty = builders.table()[: len(builders.table()) // 2]
    mac.system.by_name["net.inet.tcp.pcblist_n"] = empty
    mac.system.by_name["net.inet.udp.pcblist_n"] = empty
    assert backend.connections("inet") == ()
    assert backend.connection_counts().total == 0
    with pytest.raises(ValueError):
        net_collector.read_connections("sctp")


def test_network_stats(mac: SimpleNamespace) -> None:
    from darwin_metrics.netrates import network_stats_rates

    first = TcpStat(tcps_sndtotal=1000, tcps_sndrexmitpack=10, tcps_connattempt=1)
    second = TcpStat(tcps_sndtotal=1200, tcps_sndrexmitpack=30, tcps_connattempt=2)
    mac.system.by_name["net.inet.tcp.stats"] = bytes(first)[:976]  # a macOS 13-14 kernel
    mac.system.by_name["net.inet.udp.stats"] = bytes(UdpStat(udps_ipackets=5))
    mac.system.by_name["net.inet.ip.stats"] = bytes(IpStat(ips_total=9))[:184]
    mac.system.by_name["net.inet6.ip6.stats"] = bytes(Ip6Stat(ip6s_total=3))
    # net.inet.icmp.stats absent: that section is None, the others are still read.
    backend = DarwinBackend()
    before = backend.network_stats()
    assert before.tcp is not None and before.tcp.out_segments == 1000
    assert before.udp is not None and before.udp.in_datagrams == 5
    assert (before.ip and before.ip.in_receives, before.ip6 and before.ip6.in_receives) == (9, 3)
    assert (before.icmp, before.udp6, before.icmp6) == (None, None, None)
    mac.system.by_name["net.inet.tcp.stats"] = bytes(second)[:976]
    rates = network_stats_rates(before, backend.network_stats(), 2.0)
    assert rates.tcp_retransmit_percent == pytest.approx(100.0 * 20 / 200)
    assert rates.tcp_active_opens == pytest.approx(0.5)
    # Not root: the kernel fills tcpstat with zeros; that is "no access", reported as None.
    mac.system.by_name["net.inet.tcp.stats"] = bytes(992)
    mac.system.by_name["net.inet.tcp.disable_access_to_stats"] = _int("", 1)
    assert backend.network_stats().tcp is None
    with pytest.raises(NoSuchProcess):
        backend.network_stats(pid=2**22 + 99)
    me = os.getpid()
    mac.system.processes[me] = FakeProcess(kinfo=bytes(KinfoProc()))
    assert backend.network_stats(pid=me).udp is not None


def test_thermal(mac: SimpleNamespace) -> None:
    from darwin_metrics.darwin.thermal import ThermalPressureWatch

    name = "com.apple.system.thermalpressurelevel"
    mac.system.notify[name] = 0
    apple_silicon = DarwinBackend().thermal()  # IOPMCopyCPUPowerStatus: kIOReturnNotFound
    assert (apple_silicon.throttling, apple_silicon.pressure_level) == (False, "nominal")
    assert (apple_silicon.sources, apple_silicon.cpu_speed_limit_percent) == ((), None)
    mac.system.notify[name] = 2
    heavy = DarwinBackend().thermal()
    assert (heavy.throttling, heavy.pressure_level, heavy.sources) == (
        True,
        "heavy",
        ("thermal-pressure:heavy",),
    )
    mac.system.notify[name] = 0
    mac.io.cpu_power = {"CPU_Speed_Limit": 80, "CPU_Scheduler_Limit": 100}  # an Intel Mac
    intel = DarwinBackend().thermal()
    assert (intel.throttling, intel.cpu_speed_limit_percent, intel.sources) == (
        True,
        80.0,
        ("cpu-speed-limit:80",),
    )
    assert mac.system.tokens == {}  # every notify token cancelled
    with ThermalPressureWatch() as watch:
        assert watch.poll() == "nominal"  # the first look reports the current level
        assert watch.poll() is None
        mac.system.notify[name] = 1
        assert watch.poll() == "moderate"
    assert mac.system.tokens == {}


def _smc_dump(root: Path, name: str) -> dict[str, tuple[str, bytes]]:
    return {k: (t, raw) for k, (t, raw, _) in formats.smc_dump(root / name).items()}


def test_smc_temperatures_and_fans_m1(mac: SimpleNamespace, darwin_fixtures: Path) -> None:
    backend = DarwinBackend()
    assert backend.temperatures().sensors == () and backend.fans() == ()  # no AppleSMC service
    mac.io.add(Entry("AppleSMC", ("AppleSMC", "IOService")))
    mac.io.smc = _smc_dump(
        darwin_fixtures, "darwindumped_MacBookPro17-1_M1_macOS11_smc_keys_dump.txt"
    )
    temps = backend.temperatures()
    by_key = {s.sensor: s for s in temps.sensors}
    assert by_key["TB0T"].celsius == pytest.approx(33.3, abs=0.01)
    assert by_key["TB0T"].kind == "battery"
    assert "Ta1a" not in by_key  # 0 °C: an absent sensor, dropped
    assert backend._smc is not None and backend._smc.dropped >= 2
    # Keys are discovered once; later readings ask only for the temperature keys.
    requests = mac.io.smc_requests
    backend.temperatures()
    assert mac.io.smc_requests - requests == len(by_key) + backend._smc.dropped
    (fan,) = backend.fans()
    assert (fan.name, fan.rpm, fan.min_rpm, fan.max_rpm, fan.mode) == (
        "fan1", 0, 1199, 7199, "automatic",
    )  # fmt: skip
    assert fan.controllable is (os.geteuid() == 0)


def test_smc_fans_intel(mac: SimpleNamespace, darwin_fixtures: Path) -> None:
    mac.system.by_name["hw.optional.arm64"] = _int("", 0)
    mac.system.by_name["hw.cputype"] = _int("", k.CPU_TYPE_X86_64)
    mac.io.add(Entry("AppleSMC", ("AppleSMC", "IOService")))
    mac.io.smc = _smc_dump(
        darwin_fixtures, "darwindumped_MacBookPro11-3_intel_macOS10.10_smc_keys_dump_fpe2.txt"
    )
    fans = DarwinBackend().fans()
    assert [(f.label, f.rpm, f.mode) for f in fans] == [
        ("Left side", 4295, "automatic"),
        ("Right side", 3974, "automatic"),
    ]
    cpu = DarwinBackend().temperatures().of_kind("cpu")
    assert cpu and all(s.sensor.startswith("TC") for s in cpu)


def test_gpus(mac: SimpleNamespace, darwin_fixtures: Path) -> None:
    d = darwin_fixtures
    agx = formats.ioregviewer(
        d
        / "darwindumped_MacBookPro17-1_M1_ioreg_AGXAcceleratorG13G_PerformanceStatistics.ioregviewer.json.txt"
    )
    amd = formats.ioregviewer(
        d
        / "darwindumped_MacBookPro15-1_intel_ioreg_AMDRadeon_Baffin_PerformanceStatistics.ioregviewer.json.txt"
    )
    compat = formats.ioregviewer(
        d / "darwindumped_MacBookPro17-1_M1_ioreg_IOAccelerator_compat.ioregviewer.json.txt"
    )
    mac.io.add(Entry("gpu", ("IOAccelerator", "IOService"), agx))
    mac.io.add(Entry("IOAccelerator", ("IOAccelerator", "IOService"), compat))
    pci = mac.io.add(Entry("GFX0", ("IOPCIDevice", "IOService"), {"model": b"Radeon Pro 560X\0"}))
    mac.io.add(Entry("AMDRadeon", ("IOAccelerator", "IOService"), amd), pci)
    gone = mac.io.add(Entry("eGPU", ("IOAccelerator", "IOService"), amd, gone=True))  # unplugged
    from tests.darwin.fakes import FakeIOReport

    report = FakeIOReport(mac.cf)
    gpu_states = ["OFF", "P1", "P2", "P3", "P4", "P5", "P6"]  # the six M1 GPU states
    report.states = {"GPUPH": [(s, 0) for s in gpu_states]}
    backend = DarwinBackend()
    with loader.substitute(IOReport=report):
        first = backend.gpus()[0]
        report.states["GPUPH"] = [("OFF", 50), ("P1", 25), ("P2", 0), ("P3", 0), ("P4", 0),
                                  ("P5", 0), ("P6", 25)]  # fmt: skip
        apple, radeon = backend.gpus()
        assert backend._gpu_frequency is not None
        backend._gpu_frequency.close()
    assert first.graphics_hertz is None  # one reading: no interval yet
    assert apple.graphics_hertz == round((396e6 + 1278e6) / 2)
    assert (apple.graphics_min_hertz, apple.graphics_max_hertz) == (396_000_000, 1_278_000_000)
    assert radeon.graphics_max_hertz is None
    assert (apple.index, apple.vendor, apple.core_count) == (0, "apple", 8)
    assert (radeon.index, radeon.name, radeon.temperature_celsius) == (1, "Radeon Pro 560X", 72.0)
    assert mac.io.entries[gone].gone
    assert (apple.unified_memory, apple.memory_total) == (True, None)  # no Metal in this fake


def test_gpus_with_metal(mac: SimpleNamespace, darwin_fixtures: Path) -> None:
    from tests.darwin.fakes import FakeMetal, FakeObjC

    agx = formats.ioregviewer(
        darwin_fixtures
        / "darwindumped_MacBookPro17-1_M1_ioreg_AGXAcceleratorG13G_PerformanceStatistics.ioregviewer.json.txt"
    )
    entry = mac.io.add(Entry("gpu", ("IOAccelerator", "IOService"), agx))
    runtime = FakeObjC()
    metal = FakeMetal(runtime)
    metal.devices = [
        runtime.new(
            {
                "registryID": 0x100000000 + entry,
                "name": runtime.string("Apple M1"),
                "hasUnifiedMemory": True,
                "recommendedMaxWorkingSetSize": 11453251584,
            }
        ),
        runtime.new(
            {
                "registryID": 42,
                "name": runtime.string("elsewhere"),
                "hasUnifiedMemory": False,
                "recommendedMaxWorkingSetSize": 1,
            }
        ),
    ]
    with loader.substitute(objc=runtime, Metal=metal):
        (apple,) = DarwinBackend().gpus()
    assert (apple.name, apple.unified_memory, apple.memory_total) == ("Apple M1", True, 11453251584)
    assert runtime.retained == [] and runtime.pools == []  # the array released, pool popped


def test_power_m1(mac: SimpleNamespace, darwin_fixtures: Path) -> None:
    from darwin_metrics.hwrates import power_rates
    from tests.darwin.fakes import FakeIOReport

    mac.io.add(Entry("AppleSMC", ("AppleSMC", "IOService")))
    mac.io.smc = _smc_dump(
        darwin_fixtures, "darwindumped_MacBookPro17-1_M1_macOS11_smc_keys_dump.txt"
    )
    report = FakeIOReport(mac.cf)
    report.channels = [
        ("EACC_CPU", "mJ", 900),
        ("CPU Energy", "mJ", 1000),
        ("GPU Energy", "nJ", 2_000_000_000),
        ("ANE", "mJ", 0),
        ("DRAM", "mJ", 500),
    ]
    backend = DarwinBackend()
    with loader.substitute(IOReport=report):
        first = backend.power()
        report.channels[1] = ("CPU Energy", "mJ", 4000)
        second = backend.power()
        assert backend._power is not None
        backend._power.close()
    smc = {r.name: r.watts for r in first.rails if r.source == "smc"}
    assert smc["system"] == pytest.approx(18.124, abs=0.001)  # PSTR 1b fe 90 41
    assert set(smc) == {"system", "dc-in", "battery"}
    energy = {r.name: r.joules for r in first.rails if r.source == "ioreport"}
    assert energy == pytest.approx({"cpu": 1.0, "gpu": 2.0, "ane": 0.0, "dram": 0.5})
    rates = {r.name: r.watts for r in power_rates(first, second, 2.0)}
    assert rates["cpu"] == pytest.approx(1.5)  # (4 J - 1 J) / 2 s
    assert mac.cf.leaks() == {}


def test_power_without_ioreport(mac: SimpleNamespace) -> None:
    from tests.darwin.fakes import FakeIOReport

    report = FakeIOReport(mac.cf)
    report.refuse = True  # NULL subscription: IOReport unavailable (a VM, an Intel Mac)
    with loader.substitute(IOReport=report):
        backend = DarwinBackend()
        assert backend.power().rails == ()  # no SMC either in this fake
        backend.power()
    assert report.calls["IOReportCopyChannelsInGroup"] == 1  # the refusal is remembered


def test_batteries(mac: SimpleNamespace) -> None:
    mac.io.sources = [
        {
            "Type": "InternalBattery",
            "Name": "InternalBattery-0",
            "Current Capacity": 97,
            "Max Capacity": 100,
            "Is Charging": False,
            "Power Source State": "Battery Power",
            "Time to Empty": 400,
        },
    ]  # fmt: skip  (synthetic IOPS description)
    (bat,) = DarwinBackend().batteries()
    assert (bat.name, bat.status, bat.charge_percent) == ("InternalBattery-0", "discharging", 97.0)
    assert bat.time_to_empty == 400 * 60.0
    assert bat.cycle_count == 10  # from the captured AppleSmartBattery node
    assert bat.amperes == pytest.approx(-1.234)
    assert bat.adapter_watts is None
    mac.io.adapter = {"Watts": 65, "Name": "65W USB-C Power Adapter"}
    mac.io.sources[0]["Power Source State"] = "AC Power"
    sources = battery_collector.read_power_sources()
    assert sources.on_ac is True and sources.adapters[0].watts == 65.0


def _own_process(mac: SimpleNamespace, pid: int) -> None:
    kinfo = KinfoProc()
    kinfo.kp_proc.p_flag = k.P_TRANSLATED
    kinfo.kp_eproc.e_tdev = -1
    info = bytes(ProcTaskInfo(pti_total_user=48_000_000, pti_total_system=24_000_000,
                              pti_resident_size=1 << 20, pti_virtual_size=1 << 32, pti_threadnum=2))  # fmt: skip
    thread = bytes(
        ProcThreadInfo(pth_user_time=10**9, pth_run_state=k.TH_STATE_RUNNING, pth_name=b"main")
    )
    mac.system.processes[pid] = FakeProcess(
        info={k.PROC_PIDTASKINFO: info},
        kinfo=bytes(kinfo),
        rusage={
            6: bytes(
                RusageInfoV6(
                    ri_phys_footprint=3 << 20, ri_diskio_bytesread=77, ri_energy_nj=4 * 10**9
                )
            )
        },
        threads={1001: thread, 1002: thread},
    )


def test_processes(mac: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    me, other = os.getpid(), os.getppid()
    _own_process(mac, me)
    # Another user's process: kinfo_proc answers, PROC_PIDTASKINFO and rusage say EPERM.
    mac.system.processes[other] = FakeProcess(
        info={k.PROC_PIDTASKINFO: 1}, kinfo=bytes(KinfoProc()), rusage_errno=1
    )
    monkeypatch.setattr(psutil, "pids", lambda: [other, me, 2**22 + 12345])  # the last one is gone
    backend = DarwinBackend()
    foreign, proc = sorted(backend.processes(), key=lambda p: p.pid != other)
    assert foreign.pid == other
    # Not ours: no task record, so CPU times, memory and threads are unknown, not zero.
    assert (foreign.cpu_times, foreign.memory, foreign.num_threads, foreign.io) == (
        None,
        None,
        None,
        None,
    )
    assert proc.pid == me
    assert (proc.cpu_times.user, proc.cpu_times.system) == (
        2.0,
        1.0,
    )  # 24 MHz ticks (hw.tbfrequency)
    assert (proc.memory.rss, proc.memory.footprint) == (1 << 20, 3 << 20)
    assert proc.io is not None and proc.io.read_bytes == 77
    assert (proc.translated, proc.energy_joules, proc.num_threads, proc.terminal) == (
        True,
        4.0,
        2,
        None,
    )
    assert proc.name == psutil.Process(me).name()  # psutil's basics
    assert backend.process(other).cpu_times is None
    with pytest.raises(NoSuchProcess):
        backend.process(2**22 + 12345)
    threads = backend.threads(me)
    assert [(t.tid, t.name, t.status, t.user) for t in threads] == [
        (1001, "main", "running", 1.0),
        (1002, "main", "running", 1.0),
    ]


def _zombie(mac: SimpleNamespace, pid: int) -> None:
    kinfo = KinfoProc()
    kinfo.kp_proc.p_pid = pid
    kinfo.kp_proc.p_stat = bytes([k.SZOMB])
    kinfo.kp_proc.p_comm = b"defunct"
    kinfo.kp_eproc.e_ppid = 77
    # A zombie has no task: PROC_PIDTASKINFO and proc_pid_rusage say ESRCH though the pid exists.
    mac.system.processes[pid] = FakeProcess(
        info={k.PROC_PIDTASKINFO: errno.ESRCH}, kinfo=bytes(kinfo), rusage_errno=errno.ESRCH
    )


class _ZombiePsutil:
    """A psutil.Process whose every getter raises ZombieProcess, as psutil does on macOS."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def oneshot(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    def __getattr__(self, name: str) -> Any:
        import psutil

        def getter() -> None:
            raise psutil.ZombieProcess(self.pid)

        return getter


@pytest.mark.parametrize("psutil_constructor_raises", [True, False])
def test_zombie_processes_are_listed(
    mac: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, psutil_constructor_raises: bool
) -> None:
    import psutil

    zpid = 2**22 + 4242
    _zombie(mac, zpid)

    def make(pid: int) -> Any:
        if psutil_constructor_raises:
            raise psutil.ZombieProcess(pid)
        return _ZombiePsutil(pid)

    monkeypatch.setattr(psutil, "pids", lambda: [zpid])
    monkeypatch.setattr(psutil, "Process", make)
    backend = DarwinBackend()
    (zombie,) = backend.processes()
    assert (zombie.pid, zombie.ppid, zombie.name, zombie.status) == (zpid, 77, "defunct", "zombie")
    assert (zombie.cpu_times, zombie.memory, zombie.num_threads, zombie.io) == (None,) * 4
    assert backend.process(zpid).status == "zombie"


def test_energy_is_none_on_intel(mac: SimpleNamespace) -> None:
    # Intel kernels never accumulate ri_energy_nj: 0 there means "not measured".
    me = os.getpid()
    _own_process(mac, me)
    mac.system.by_name["hw.optional.arm64"] = _int("", 0)
    mac.system.by_name["hw.cputype"] = _int("", k.CPU_TYPE_X86_64)
    assert DarwinBackend().process(me).energy_joules is None


def test_snapshot_of_a_fake_mac(mac: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    mac.system.ticks = [(1, 1, 1, 1)] * 8
    mac.system.by_mib[(4, 17, 0, 0, 6, 0)] = b""
    monkeypatch.setattr(psutil, "pids", lambda: [])
    monkeypatch.setattr(netio, "ioctl", lambda *a: 0)
    snap = take_snapshot(DarwinBackend())
    for family in ("cpu", "memory", "disks", "volumes", "interfaces", "processes", "batteries"):
        assert getattr(snap, family) is not None, family
    assert snap.batteries is not None and snap.batteries[0].name == "AppleSmartBattery"


def test_struct_sizes_used_by_the_fakes() -> None:
    assert ctypes.sizeof(KinfoProc) == 648
