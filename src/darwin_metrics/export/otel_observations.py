"""The observations behind each OpenTelemetry instrument: one function per instrument, from the
readings of one collection to the instrument's values and semantic-convention attributes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry.metrics import Observation

from darwin_metrics.export.extra import top_processes
from darwin_metrics.export.node_system import CPU_MODES
from darwin_metrics.export.readings import Readings

Read = Callable[[Readings], Iterable[Observation]]


def cpu_time(r: Readings) -> Iterable[Observation]:
    cpu = r.snapshot.cpu
    if cpu is None:
        return
    for core in cpu.cores:
        for mode in CPU_MODES:
            value = getattr(core.times, mode)
            if value is not None:
                yield Observation(value, {"cpu.mode": mode, "cpu.logical_number": core.index})


def cpu_frequency(r: Readings) -> Iterable[Observation]:
    cpu = r.snapshot.cpu
    for core in cpu.cores if cpu is not None else ():
        if core.frequency.hertz is not None:
            yield Observation(core.frequency.hertz, {"cpu.logical_number": core.index})


def memory_states(r: Readings) -> dict[str, int]:
    mem = r.snapshot.memory
    if mem is None:
        return {}
    states = {"used": mem.used, "free": mem.free, "cached": mem.cached, "buffers": mem.buffers}
    return {state: value for state, value in states.items() if value is not None}


def memory_usage(r: Readings) -> Iterable[Observation]:
    for state, value in memory_states(r).items():
        yield Observation(value, {"system.memory.state": state})


def memory_limit(r: Readings) -> Iterable[Observation]:
    if r.snapshot.memory is not None:
        yield Observation(r.snapshot.memory.total)


def memory_utilization(r: Readings) -> Iterable[Observation]:
    mem = r.snapshot.memory
    if mem is None or not mem.total:
        return
    for state, value in memory_states(r).items():
        yield Observation(value / mem.total, {"system.memory.state": state})


def network(kind: str, _unit: str) -> Read:
    def read(r: Readings) -> Iterable[Observation]:
        for iface in r.snapshot.interfaces or ():
            if iface.counters is None:
                continue
            for direction, prefix in (("receive", "rx"), ("transmit", "tx")):
                value = getattr(iface.counters, f"{prefix}_{kind}")
                if value is not None:
                    yield Observation(
                        value,
                        {"network.interface.name": iface.name, "network.io.direction": direction},
                    )

    return read


#: The kernel's TCP states (our records' names) → the conventions' ``network.connection.state``
#: values, RFC 9293's state names. Linux's ``NEW_SYN_RECV`` (the request socket of a half-open
#: connection, where older kernels showed ``SYN_RECV``) is RFC 9293's SYN-RECEIVED too.
CONNECTION_STATES = {
    "ESTABLISHED": "established",
    "SYN_SENT": "syn_sent",
    "SYN_RECV": "syn_received",
    "NEW_SYN_RECV": "syn_received",
    "FIN_WAIT1": "fin_wait_1",
    "FIN_WAIT2": "fin_wait_2",
    "TIME_WAIT": "time_wait",
    "CLOSE": "closed",
    "CLOSE_WAIT": "close_wait",
    "LAST_ACK": "last_ack",
    "LISTEN": "listen",
    "CLOSING": "closing",
}


def network_connections(r: Readings) -> Iterable[Observation]:
    """TCP sockets per ``network.transport`` and ``network.connection.state``, IPv4 and IPv6
    summed; UDP sockets, which have no state in the conventions, as one series with
    ``network.transport`` alone. Unix-domain sockets are not network connections: left out."""
    counts = r.snapshot.connection_counts
    if counts is None:
        return
    tcp: dict[str, int] = {}
    udp = 0
    for c in counts.counts:
        if c.protocol == "udp":
            udp += c.count
        elif c.protocol == "tcp" and c.state in CONNECTION_STATES:
            state = CONNECTION_STATES[c.state]
            tcp[state] = tcp.get(state, 0) + c.count
    for state, count in sorted(tcp.items()):
        yield Observation(count, {"network.transport": "tcp", "network.connection.state": state})
    if udp:
        yield Observation(udp, {"network.transport": "udp"})


def disk_io(r: Readings) -> Iterable[Observation]:
    for disk in r.snapshot.disks or ():
        yield Observation(
            disk.read_bytes, {"system.device": disk.name, "disk.io.direction": "read"}
        )
        yield Observation(
            disk.write_bytes, {"system.device": disk.name, "disk.io.direction": "write"}
        )


def disk_operations(r: Readings) -> Iterable[Observation]:
    for disk in r.snapshot.disks or ():
        yield Observation(disk.reads, {"system.device": disk.name, "disk.io.direction": "read"})
        yield Observation(disk.writes, {"system.device": disk.name, "disk.io.direction": "write"})


def disk_io_time(r: Readings) -> Iterable[Observation]:
    for disk in r.snapshot.disks or ():
        if disk.busy_time is not None:
            yield Observation(disk.busy_time, {"system.device": disk.name})


def fs_attributes(vol: Any) -> dict[str, str]:
    return {
        "system.device": vol.device,
        "system.filesystem.type": vol.fs_type,
        "system.filesystem.mountpoint": vol.mount_point,
        "system.filesystem.mode": "ro" if vol.read_only else "rw",
    }


def filesystem_usage(r: Readings) -> Iterable[Observation]:
    for vol in r.snapshot.volumes or ():
        if vol.used is None or vol.available is None or vol.free is None:
            continue
        attrs = fs_attributes(vol)
        yield Observation(vol.used, {**attrs, "system.filesystem.state": "used"})
        yield Observation(vol.available, {**attrs, "system.filesystem.state": "free"})
        reserved = max(0, vol.free - vol.available)
        yield Observation(reserved, {**attrs, "system.filesystem.state": "reserved"})


def filesystem_utilization(r: Readings) -> Iterable[Observation]:
    for vol in r.snapshot.volumes or ():
        if vol.used_percent is not None:
            yield Observation(vol.used_percent / 100.0, fs_attributes(vol))


def process_cpu(count: int) -> Read:
    def read(r: Readings) -> Iterable[Observation]:
        for p in top_processes(r.snapshot.processes or (), r.process_cpu_rates, count):
            if p.cpu_times is None:
                continue
            attrs: dict[str, str | int] = {"process.pid": p.pid, "process.executable.name": p.name}
            yield Observation(p.cpu_times.user, {**attrs, "cpu.mode": "user"})
            yield Observation(p.cpu_times.system, {**attrs, "cpu.mode": "system"})

    return read


def process_memory(count: int) -> Read:
    def read(r: Readings) -> Iterable[Observation]:
        for p in top_processes(r.snapshot.processes or (), r.process_cpu_rates, count):
            if p.memory is not None:
                yield Observation(
                    p.memory.rss, {"process.pid": p.pid, "process.executable.name": p.name}
                )

    return read


def hw_temperature(r: Readings) -> Iterable[Observation]:
    temps = r.snapshot.temperatures
    if temps is None:
        return
    for sensor in temps.sensors:
        attrs = {
            "hw.id": sensor.id,
            "hw.name": sensor.label or sensor.sensor,
            "hw.parent": sensor.chip,
        }
        yield Observation(sensor.celsius, {**attrs, "hw.sensor_location": sensor.kind})
    for zone in temps.zones:
        if zone.celsius is not None:
            yield Observation(
                zone.celsius,
                {"hw.id": zone.name, "hw.name": zone.type, "hw.sensor_location": zone.kind},
            )
    for gpu in r.snapshot.gpus or ():
        if gpu.temperature_celsius is not None:
            yield Observation(
                gpu.temperature_celsius,
                {
                    "hw.id": f"gpu{gpu.index}",
                    "hw.name": gpu.name or "",
                    "hw.sensor_location": "gpu",
                },
            )


def hw_fan_speed(r: Readings) -> Iterable[Observation]:
    for fan in r.snapshot.fans or ():
        if fan.rpm is not None:
            yield Observation(
                fan.rpm, {"hw.id": fan.id, "hw.name": fan.label or fan.name, "hw.parent": fan.chip}
            )


#: Power-rail domains → the conventions' ``hw.type`` values; other rails are the ``enclosure``.
HW_TYPES = {
    "package": "cpu",
    "core": "cpu",
    "uncore": "cpu",
    "cpu": "cpu",
    "dram": "memory",
    "gpu": "gpu",
    "battery": "battery",
}


def rail_attributes(rail: Any) -> dict[str, str]:
    hw_type = HW_TYPES.get(rail.domain or "", HW_TYPES.get(rail.source, "enclosure"))
    return {"hw.id": rail.name, "hw.name": rail.domain or rail.name, "hw.type": hw_type}


def hw_power(r: Readings) -> Iterable[Observation]:
    power = r.snapshot.power
    for rail in power.rails if power is not None else ():
        if rail.watts is not None:
            yield Observation(
                rail.watts,
                rail_attributes(rail),
            )
    for gpu in r.snapshot.gpus or ():
        if gpu.power_watts is not None:
            yield Observation(gpu.power_watts, {**gpu_attributes(gpu), "hw.type": "gpu"})


def hw_energy(r: Readings) -> Iterable[Observation]:
    power = r.snapshot.power
    for rail in power.rails if power is not None else ():
        if rail.joules is not None:
            yield Observation(
                rail.joules,
                rail_attributes(rail),
            )
    for gpu in r.snapshot.gpus or ():
        if gpu.energy_joules is not None:
            yield Observation(gpu.energy_joules, {**gpu_attributes(gpu), "hw.type": "gpu"})


def gpu_attributes(gpu: Any) -> dict[str, str]:
    return {
        "hw.id": gpu.uuid or f"gpu{gpu.index}",
        "hw.name": gpu.name or "",
        "hw.vendor": gpu.vendor,
    }


def gpu_utilization(r: Readings) -> Iterable[Observation]:
    for gpu in r.snapshot.gpus or ():
        for task, percent in (
            ("general", gpu.utilization_percent),
            ("encoder", gpu.encoder_utilization_percent),
            ("decoder", gpu.decoder_utilization_percent),
        ):
            if percent is not None:
                yield Observation(percent / 100.0, {**gpu_attributes(gpu), "hw.gpu.task": task})


def gpu_memory(field: str) -> Read:
    def read(r: Readings) -> Iterable[Observation]:
        for gpu in r.snapshot.gpus or ():
            value = getattr(gpu, field)
            if value is not None:
                yield Observation(value, gpu_attributes(gpu))

    return read
