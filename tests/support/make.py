"""Builders of hand-made records for tests of rates, the Sampler and the CLI (synthetic values)."""

from __future__ import annotations

from typing import Any

from darwin_metrics.records import (
    CPU,
    Core,
    CoreFrequency,
    CPUTimes,
    DiskIO,
    Interface,
    InterfaceCounters,
    LoadAverage,
    Memory,
    Pressure,
    Process,
    ProcessCPUTimes,
    ProcessIO,
    ProcessMemory,
    Swap,
    Volume,
)


def times(**kw: float | None) -> CPUTimes:
    base: dict[str, Any] = {
        "user": 0.0,
        "nice": 0.0,
        "system": 0.0,
        "idle": 0.0,
        "iowait": 0.0,
        "irq": 0.0,
        "softirq": 0.0,
        "steal": 0.0,
    }
    base.update(kw)
    return CPUTimes(**base)


def core(index: int, **kw: float | None) -> Core:
    return Core(index=index, times=times(**kw), frequency=CoreFrequency())


def cpu(cores: list[Core], model: str = "Test CPU") -> CPU:
    total: dict[str, float] = {}
    for c in cores:
        for mode in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"):
            total[mode] = total.get(mode, 0.0) + (getattr(c.times, mode) or 0.0)
    return CPU(
        model=model,
        vendor="TestVendor",
        architecture="x86_64",
        logical_count=len(cores),
        physical_count=len(cores),
        times=times(**total),
        cores=tuple(cores),
        load=LoadAverage(one=0.5, five=0.25, fifteen=0.125),
    )


def counters(**kw: int) -> InterfaceCounters:
    base = dict.fromkeys(
        (
            "rx_bytes",
            "rx_packets",
            "rx_errors",
            "rx_drops",
            "tx_bytes",
            "tx_packets",
            "tx_errors",
            "tx_drops",
        ),
        0,
    )
    base.update(kw)
    return InterfaceCounters(**base)


def iface(name: str, index: int | None = 2, **kw: int) -> Interface:
    return Interface(
        name=name,
        index=index,
        kind="ethernet",
        is_up=True,
        is_running=True,
        counters=counters(**kw),
    )


def disk(name: str, major: int = 8, minor: int = 0, **kw: Any) -> DiskIO:
    base: dict[str, Any] = {
        "reads": 0,
        "read_bytes": 0,
        "writes": 0,
        "write_bytes": 0,
        "busy_time": 0.0,
    }
    base.update(kw)
    return DiskIO(name=name, major=major, minor=minor, is_partition=False, **base)


def proc(
    pid: int,
    *,
    user: float = 0.0,
    system: float = 0.0,
    create_time: float | None = 1000.0,
    rss: int = 1 << 20,
    read_bytes: int | None = 0,
    write_bytes: int = 0,
    ppid: int = 1,
    name: str | None = None,
) -> Process:
    return Process(
        pid=pid,
        ppid=ppid,
        name=name or f"proc{pid}",
        status="running",
        create_time=create_time,
        cpu_times=ProcessCPUTimes(user=user, system=system),
        memory=ProcessMemory(rss=rss, vms=rss * 4),
        num_threads=1,
        io=None
        if read_bytes is None
        else ProcessIO(read_bytes=read_bytes, write_bytes=write_bytes),
    )


def memory(total: int = 16 << 30, available: int = 8 << 30) -> Memory:
    return Memory(
        total=total,
        available=available,
        used=total - available,
        free=available // 2,
        swap=Swap(total=2 << 30, used=1 << 29, free=(2 << 30) - (1 << 29)),
        pressure=Pressure(level="normal"),
    )


def volume(mount_point: str = "/", total: int = 100 << 30, used: int = 40 << 30) -> Volume:
    return Volume(
        device="/dev/sda1",
        mount_point=mount_point,
        fs_type="ext4",
        options=("rw",),
        read_only=False,
        total=total,
        used=used,
        free=total - used,
        available=total - used,
        used_percent=100.0 * used / total,
    )
