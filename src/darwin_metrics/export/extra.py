"""``darwin_metrics_*`` families: what node_exporter does not export.

GPUs, fan duty and mode, power rails in watts, sockets by state, listening ports with their owners,
cgroup limits and events, and the top processes by CPU and memory. Ratios are 0-1 (Prometheus
convention), other units are Prometheus base units.
"""

from __future__ import annotations

from darwin_metrics.export.exposition import Exposition
from darwin_metrics.export.readings import Readings
from darwin_metrics.records.gpu import GPU
from darwin_metrics.records.process import Process
from darwin_metrics.records.sensors import FanMode

#: Every clock-event reason NVML decodes; each GPU that reports reasons gets a 0/1 series for all.
GPU_REASONS = (
    "gpu_idle",
    "applications_clocks_setting",
    "sw_power_cap",
    "hw_slowdown",
    "sync_boost",
    "sw_thermal_slowdown",
    "hw_thermal_slowdown",
    "hw_power_brake_slowdown",
    "display_clock_setting",
    "board_limit",
    "reliability",
)
FAN_MODES: tuple[FanMode, ...] = ("full", "manual", "automatic")


def _ratio(percent: float | None) -> float | None:
    return None if percent is None else percent / 100.0


def emit_gpu(out: Exposition, r: Readings) -> None:
    """Per GPU: load, memory, temperatures, power, energy, clocks, throttle reasons, processes."""
    for gpu in r.snapshot.gpus or ():
        labels = {"gpu": str(gpu.index)}
        out.gauge(
            "darwin_metrics_gpu_info",
            "GPU identity (value 1).",
            1.0,
            {
                **labels,
                "vendor": gpu.vendor,
                "name": gpu.name or "",
                "uuid": gpu.uuid or "",
                "pci_bus_id": gpu.pci_bus_id or "",
                "driver": gpu.driver or "",
                "driver_version": gpu.driver_version or "",
            },
        )
        _gpu_load(out, gpu, labels)
        _gpu_clocks(out, gpu, labels)
        _gpu_processes(out, gpu, labels)


def _gpu_load(out: Exposition, gpu: GPU, labels: dict[str, str]) -> None:
    for engine, percent in (
        ("graphics", gpu.utilization_percent),
        ("memory", gpu.memory_utilization_percent),
        ("encoder", gpu.encoder_utilization_percent),
        ("decoder", gpu.decoder_utilization_percent),
    ):
        out.gauge(
            "darwin_metrics_gpu_utilization_ratio",
            "Share of the driver's sampling window an engine was busy (0-1).",
            _ratio(percent),
            {**labels, "engine": engine},
        )
    for name, value, doc in (
        ("memory_total_bytes", gpu.memory_total, "GPU memory (VRAM) in bytes."),
        ("memory_used_bytes", gpu.memory_used, "GPU memory used in bytes."),
        ("memory_free_bytes", gpu.memory_free, "GPU memory free in bytes."),
        ("power_watts", gpu.power_watts, "GPU power draw in watts."),
        ("power_limit_watts", gpu.power_limit_watts, "Enforced GPU power limit in watts."),
        ("fan_ratio", _ratio(gpu.fan_percent), "GPU fan duty (0-1)."),
        ("fan_rpm", gpu.fan_rpm, "GPU fan speed in revolutions per minute."),
    ):
        out.gauge(f"darwin_metrics_gpu_{name}", doc, value, labels)
    for sensor, celsius in (
        ("gpu", gpu.temperature_celsius),
        ("junction", gpu.junction_celsius),
        ("memory", gpu.memory_celsius),
    ):
        out.gauge(
            "darwin_metrics_gpu_temperature_celsius",
            "GPU temperature in degrees Celsius.",
            celsius,
            {**labels, "sensor": sensor},
        )
    out.counter(
        "darwin_metrics_gpu_energy_joules_total",
        "Energy the GPU consumed since the driver loaded, in joules.",
        gpu.energy_joules,
        labels,
    )


def _gpu_clocks(out: Exposition, gpu: GPU, labels: dict[str, str]) -> None:
    for clock, now, top in (
        ("graphics", gpu.graphics_hertz, gpu.graphics_max_hertz),
        ("sm", gpu.sm_hertz, gpu.sm_max_hertz),
        ("memory", gpu.memory_hertz, gpu.memory_max_hertz),
    ):
        clock_labels = {**labels, "clock": clock}
        out.gauge("darwin_metrics_gpu_clock_hertz", "GPU clock in hertz.", now, clock_labels)
        out.gauge(
            "darwin_metrics_gpu_clock_max_hertz", "Maximum GPU clock in hertz.", top, clock_labels
        )
    if gpu.throttle_reasons is not None:
        active = set(gpu.throttle_reasons)
        for reason in GPU_REASONS:
            out.gauge(
                "darwin_metrics_gpu_throttle_reason",
                "1 while the GPU clocks are held down for this reason.",
                1.0 if reason in active else 0.0,
                {**labels, "reason": reason},
            )


def _gpu_processes(out: Exposition, gpu: GPU, labels: dict[str, str]) -> None:
    for proc in gpu.processes or ():
        out.gauge(
            "darwin_metrics_gpu_process_memory_bytes",
            "GPU memory a process holds on this GPU, in bytes.",
            proc.used_memory,
            {**labels, "pid": str(proc.pid), "name": proc.name or "", "type": proc.type},
        )


def emit_fans(out: Exposition, r: Readings) -> None:
    """Fan duty (0-1) and mode (one 0/1 series per mode) for each fan channel with PWM control."""
    for fan in r.snapshot.fans or ():
        labels = {"chip": fan.chip, "fan": fan.name}
        out.gauge(
            "darwin_metrics_fan_duty_ratio",
            "PWM duty of the fan (0-1).",
            _ratio(fan.duty_percent),
            labels,
        )
        if fan.mode is not None:
            for mode in FAN_MODES:
                out.gauge(
                    "darwin_metrics_fan_mode",
                    "1 for the fan's current control mode (full, manual or automatic).",
                    1.0 if fan.mode == mode else 0.0,
                    {**labels, "mode": mode},
                )


def emit_power(out: Exposition, r: Readings) -> None:
    """Every power rail in watts and its energy counter in joules."""
    power = r.snapshot.power
    if power is None:
        return
    for rail in power.rails:
        labels = {"rail": rail.name, "source": rail.source, "domain": rail.domain or ""}
        out.gauge(
            "darwin_metrics_power_rail_watts",
            "Power drawn by a rail in watts (rails with an instantaneous reading).",
            rail.watts,
            labels,
        )
        out.counter(
            "darwin_metrics_power_rail_energy_joules_total",
            "Energy counter of a rail in joules (wraps at the hardware's range).",
            rail.joules,
            labels,
        )
        out.gauge(
            "darwin_metrics_power_rail_limit_watts",
            "Configured long-term power limit of a rail in watts.",
            rail.limit_watts,
            labels,
        )


def emit_connections(out: Exposition, r: Readings) -> None:
    """Sockets per protocol, family and state; listening ports with their owning processes."""
    counts = r.snapshot.connection_counts
    if counts is None:
        return
    for c in counts.counts:
        out.gauge(
            "darwin_metrics_sockets",
            "Sockets per protocol, address family and state.",
            c.count,
            {"protocol": c.protocol, "family": c.family, "state": c.state},
        )
    for port in counts.listening:
        owners = tuple(zip(port.pids or (), port.names or (), strict=False))
        base = {
            "protocol": port.protocol,
            "family": port.family,
            "address": port.address,
            "port": str(port.port),
        }
        if not owners:
            out.gauge(
                "darwin_metrics_listening_port_info",
                "A listening TCP or bound UDP port and a process holding it (value 1).",
                1.0,
                {**base, "pid": "", "process": ""},
            )
        for pid, name in owners:
            out.gauge(
                "darwin_metrics_listening_port_info",
                "A listening TCP or bound UDP port and a process holding it (value 1).",
                1.0,
                {**base, "pid": str(pid), "process": name},
            )


def emit_cgroup(out: Exposition, r: Readings) -> None:
    """The exporter's own cgroup v2: memory and CPU limits, usage, pids and limit events."""
    group = r.snapshot.cgroup
    if group is None:
        return
    labels = {"cgroup": group.path}
    if group.memory is not None:
        mem = group.memory
        for name, value, doc in (
            ("memory_used_bytes", mem.used, "Memory charged to the cgroup in bytes."),
            ("memory_limit_bytes", mem.limit, "Effective hard memory limit in bytes."),
            ("memory_high_bytes", mem.high, "memory.high throttling threshold in bytes."),
            ("memory_swap_used_bytes", mem.swap_used, "Swap charged to the cgroup in bytes."),
        ):
            out.gauge(f"darwin_metrics_cgroup_{name}", doc, value, labels)
        for event, count in (
            ("oom", mem.oom),
            ("oom_kill", mem.oom_kill),
            ("max", mem.max_events),
            ("high", mem.high_events),
        ):
            out.counter(
                "darwin_metrics_cgroup_memory_events_total",
                "memory.events: times a limit was hit or the OOM killer ran.",
                count,
                {**labels, "event": event},
            )
    if group.cpu is not None:
        cpu = group.cpu
        out.gauge(
            "darwin_metrics_cgroup_cpu_limit_cpus",
            "CPUs' worth of time the cgroup may use (quota / period).",
            cpu.effective_cpus,
            labels,
        )
        cpu_counters: tuple[tuple[str, float | None, str], ...] = (
            ("cpu_usage_seconds_total", cpu.usage, "CPU seconds used by the cgroup."),
            ("cpu_throttled_seconds_total", cpu.throttled, "Seconds the cgroup was throttled."),
            ("cpu_periods_total", cpu.periods, "CPU quota enforcement periods."),
            (
                "cpu_throttled_periods_total",
                cpu.throttled_periods,
                "Periods the cgroup was throttled.",
            ),
        )
        for name, seconds, doc in cpu_counters:
            out.counter(f"darwin_metrics_cgroup_{name}", doc, seconds, labels)
    if group.pids is not None:
        out.gauge("darwin_metrics_cgroup_pids", "Tasks in the cgroup.", group.pids.count, labels)
        out.gauge(
            "darwin_metrics_cgroup_pids_limit", "pids.max of the cgroup.", group.pids.max, labels
        )


def top_processes(
    processes: tuple[Process, ...], rates: dict[int, float], count: int
) -> list[Process]:
    """The union of the ``count`` busiest processes (CPU since the previous scrape) and the ``count``
    largest by resident memory, busiest first; at most ``2 * count`` processes."""
    if count <= 0:
        return []
    by_cpu = sorted(processes, key=lambda p: rates.get(p.pid, 0.0), reverse=True)[:count]
    by_rss = sorted(processes, key=lambda p: p.memory.rss if p.memory else 0, reverse=True)[:count]
    chosen: dict[int, Process] = {p.pid: p for p in by_cpu}
    for p in by_rss:
        chosen.setdefault(p.pid, p)
    return list(chosen.values())


def emit_processes(out: Exposition, r: Readings, count: int) -> None:
    """Process counts by state, and CPU and memory of the top ``count`` processes."""
    procs = r.snapshot.processes
    if procs is None:
        return
    states: dict[str, int] = {}
    for p in procs:
        states[p.status] = states.get(p.status, 0) + 1
    for state, n in sorted(states.items()):
        out.gauge("darwin_metrics_processes", "Processes by state.", n, {"state": state})
    for p in top_processes(procs, r.process_cpu_rates, count):
        labels = {"pid": str(p.pid), "name": p.name}
        if p.cpu_times is not None:
            out.counter(
                "darwin_metrics_top_process_cpu_seconds_total",
                "CPU seconds (user + system) used by one of the top processes.",
                p.cpu_times.user + p.cpu_times.system,
                labels,
            )
        out.gauge(
            "darwin_metrics_top_process_cpu_ratio",
            "CPU seconds per second one of the top processes used since the previous scrape.",
            r.process_cpu_rates.get(p.pid),
            labels,
        )
        if p.memory is not None:
            out.gauge(
                "darwin_metrics_top_process_resident_memory_bytes",
                "Resident memory of one of the top processes in bytes.",
                p.memory.rss,
                labels,
            )
        out.gauge(
            "darwin_metrics_top_process_threads",
            "Threads of one of the top processes.",
            p.num_threads,
            labels,
        )
