"""node_exporter's system collectors (cpu, cpufreq, loadavg, stat, meminfo, pressure, diskstats,
filesystem), named and labelled as node_exporter names them so its dashboards work unchanged.

Each ``emit_<collector>`` writes the families of one collector from the readings of one scrape,
in Prometheus base units (seconds, bytes, hertz). docs/exporter.md lists every family.
"""

from __future__ import annotations

import re

from darwin_metrics.export.exposition import Exposition
from darwin_metrics.export.readings import Readings
from darwin_metrics.records.memory import PressureStall

#: node_exporter's default ``--collector.diskstats.device-exclude``: partitions of whole disks and
#: RAM, loop and floppy devices.
DISK_EXCLUDE = re.compile(r"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$")
#: node_exporter's default ``--collector.filesystem.mount-points-exclude``.
MOUNT_EXCLUDE = re.compile(
    r"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
)
CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
SECTOR = 512


def emit_cpu(out: Exposition, r: Readings) -> None:
    """``node_cpu_seconds_total{cpu,mode}``, guest seconds and thermal throttle counters."""
    cpu = r.snapshot.cpu
    if cpu is not None:
        doc = "Seconds the CPUs spent in each mode."
        for core in cpu.cores:
            labels = {"cpu": str(core.index)}
            for mode in CPU_MODES:
                value = getattr(core.times, mode)
                out.counter("node_cpu_seconds_total", doc, value, {**labels, "mode": mode})
            guest_doc = "Seconds the CPUs spent in guests (VMs) for each mode."
            for mode, value in (("nice", core.times.guest_nice), ("user", core.times.guest)):
                out.counter(
                    "node_cpu_guest_seconds_total", guest_doc, value, {**labels, "mode": mode}
                )
    thermal = r.snapshot.thermal
    if thermal is not None:
        for core_throttle in thermal.cores or ():
            out.counter(
                "node_cpu_core_throttles_total",
                "Number of times this CPU core has been throttled.",
                core_throttle.count,
                {"core": str(core_throttle.core), "package": str(core_throttle.package)},
            )
        for package in thermal.packages or ():
            out.counter(
                "node_cpu_package_throttles_total",
                "Number of times this CPU package has been throttled.",
                package.count,
                {"package": str(package.package)},
            )


def emit_cpufreq(out: Exposition, r: Readings) -> None:
    """``node_cpu_scaling_frequency_*_hertz{cpu}`` and ``node_cpu_scaling_governor``."""
    cpu = r.snapshot.cpu
    if cpu is None:
        return
    for core in cpu.cores:
        labels = {"cpu": str(core.index)}
        freq = core.frequency
        if freq.scaling_min_hertz is None and freq.scaling_max_hertz is None:
            continue  # no cpufreq policy: the clock came from /proc/cpuinfo, not from scaling
        out.gauge(
            "node_cpu_scaling_frequency_hertz",
            "Current scaled CPU thread frequency in hertz.",
            freq.hertz,
            labels,
        )
        out.gauge(
            "node_cpu_scaling_frequency_max_hertz",
            "Maximum scaled CPU thread frequency in hertz.",
            freq.scaling_max_hertz,
            labels,
        )
        out.gauge(
            "node_cpu_scaling_frequency_min_hertz",
            "Minimum scaled CPU thread frequency in hertz.",
            freq.scaling_min_hertz,
            labels,
        )
    management = r.snapshot.power_management
    if management is None:
        return
    for policy in management.cores:
        choices = policy.available_governors or ((policy.governor,) if policy.governor else ())
        for governor in choices:
            out.gauge(
                "node_cpu_scaling_governor",
                "Current enabled CPU frequency governor (1 for the one in use).",
                1.0 if governor == policy.governor else 0.0,
                {"cpu": str(policy.cpu), "governor": governor},
            )


def emit_loadavg(out: Exposition, r: Readings) -> None:
    """``node_load1``, ``node_load5``, ``node_load15``."""
    cpu = r.snapshot.cpu
    if cpu is None or cpu.load is None:
        return
    out.gauge("node_load1", "1m load average.", cpu.load.one)
    out.gauge("node_load5", "5m load average.", cpu.load.five)
    out.gauge("node_load15", "15m load average.", cpu.load.fifteen)


def emit_stat(out: Exposition, r: Readings) -> None:
    """Boot time, context switches, forks, interrupts and running/blocked processes."""
    cpu = r.snapshot.cpu
    if cpu is None:
        return
    out.gauge("node_boot_time_seconds", "Node boot time, in unixtime.", cpu.boot_time)
    out.counter(
        "node_context_switches_total", "Total number of context switches.", cpu.context_switches
    )
    out.counter("node_forks_total", "Total number of forks.", cpu.forks)
    out.counter("node_intr_total", "Total number of interrupts serviced.", cpu.interrupts)
    out.gauge("node_procs_running", "Number of processes in runnable state.", cpu.procs_running)
    out.gauge(
        "node_procs_blocked", "Number of processes blocked waiting for I/O.", cpu.procs_blocked
    )


def emit_meminfo(out: Exposition, r: Readings) -> None:
    """``node_memory_*_bytes``: Linux ``/proc/meminfo`` names, or node_exporter's darwin names."""
    mem = r.snapshot.memory
    if mem is None:
        return
    if r.snapshot.platform == "darwin":
        darwin = {
            "total": mem.total,
            "free": mem.free,
            "active": mem.active,
            "inactive": mem.inactive,
            "wired": mem.wired,
            "compressed": mem.compressed,
            "purgeable": mem.purgeable,
            "swap_total": mem.swap.total,
            "swap_used": mem.swap.used,
        }
        for key, value in darwin.items():
            out.gauge(f"node_memory_{key}_bytes", f"Memory information field {key}.", value)
        for key, value in (("in", mem.swap.swapped_in), ("out", mem.swap.swapped_out)):
            out.counter(
                f"node_memory_swapped_{key}_bytes_total",
                f"Memory information field swapped_{key}_bytes_total.",
                value,
            )
        return
    linux = {
        "MemTotal": mem.total,
        "MemFree": mem.free,
        "MemAvailable": mem.available,
        "Buffers": mem.buffers,
        "Shmem": mem.shared,
        "Active": mem.active,
        "Inactive": mem.inactive,
        "Slab": mem.slab,
        "SwapTotal": mem.swap.total,
        "SwapFree": mem.swap.free,
    }
    for key, value in linux.items():
        out.gauge(f"node_memory_{key}_bytes", f"Memory information field {key}_bytes.", value)


def emit_diskstats(out: Exposition, r: Readings) -> None:
    """``node_disk_*{device}`` counters, with node_exporter's default device exclusion."""
    for disk in r.snapshot.disks or ():
        if DISK_EXCLUDE.match(disk.name):
            continue
        labels = {"device": disk.name}
        discarded = None if disk.discard_bytes is None else disk.discard_bytes / SECTOR
        counters = (
            ("reads_completed_total", "reads completed successfully", disk.reads),
            ("reads_merged_total", "reads merged", disk.reads_merged),
            ("read_bytes_total", "bytes read successfully", disk.read_bytes),
            ("read_time_seconds_total", "seconds spent by all reads", disk.read_time),
            ("writes_completed_total", "writes completed successfully", disk.writes),
            ("writes_merged_total", "writes merged", disk.writes_merged),
            ("written_bytes_total", "bytes written successfully", disk.write_bytes),
            ("write_time_seconds_total", "seconds spent by all writes", disk.write_time),
            ("io_time_seconds_total", "seconds spent doing I/Os", disk.busy_time),
            (
                "io_time_weighted_seconds_total",
                "weighted seconds spent doing I/Os",
                disk.weighted_time,
            ),
            ("discards_completed_total", "discards completed successfully", disk.discards),
            ("discards_merged_total", "discards merged", disk.discards_merged),
            ("discarded_sectors_total", "sectors discarded successfully", discarded),
            ("discard_time_seconds_total", "seconds spent by all discards", disk.discard_time),
            ("flush_requests_total", "flush requests completed successfully", disk.flushes),
            (
                "flush_requests_time_seconds_total",
                "seconds spent by all flush requests",
                disk.flush_time,
            ),
        )
        for suffix, what, value in counters:
            out.counter(f"node_disk_{suffix}", f"The total number of {what}.", value, labels)
        out.gauge(
            "node_disk_io_now", "The number of I/Os currently in progress.", disk.in_flight, labels
        )


def emit_filesystem(out: Exposition, r: Readings) -> None:
    """``node_filesystem_*{device,fstype,mountpoint}`` for real (non-pseudo) file systems."""
    for vol in r.snapshot.volumes or ():
        if vol.is_pseudo or MOUNT_EXCLUDE.match(vol.mount_point):
            continue
        labels = {"device": vol.device, "fstype": vol.fs_type, "mountpoint": vol.mount_point}
        out.gauge("node_filesystem_size_bytes", "Filesystem size in bytes.", vol.total, labels)
        out.gauge("node_filesystem_free_bytes", "Filesystem free space in bytes.", vol.free, labels)
        out.gauge(
            "node_filesystem_avail_bytes",
            "Filesystem space available to non-root users in bytes.",
            vol.available,
            labels,
        )
        out.gauge("node_filesystem_files", "Filesystem total file nodes.", vol.inodes_total, labels)
        out.gauge(
            "node_filesystem_files_free",
            "Filesystem total free file nodes.",
            vol.inodes_free,
            labels,
        )
        out.gauge(
            "node_filesystem_readonly", "Filesystem read-only status.", float(vol.read_only), labels
        )
        out.gauge(
            "node_filesystem_device_error",
            "Whether an error occurred while getting statistics for the given device.",
            0.0 if vol.total is not None else 1.0,
            labels,
        )


def emit_pressure(out: Exposition, r: Readings) -> None:
    """``node_pressure_{cpu,io,memory}_{waiting,stalled}_seconds_total``, ``irq_stalled``."""
    mem = r.snapshot.memory
    if mem is None:
        return
    resources: tuple[tuple[str, PressureStall | None], ...] = (
        ("cpu", mem.pressure.cpu),
        ("io", mem.pressure.io),
        ("memory", mem.pressure.memory),
        ("irq", mem.pressure.irq),
    )
    for resource, stall in resources:
        if stall is None:
            continue
        out.counter(
            f"node_pressure_{resource}_waiting_seconds_total",
            f"Total time in seconds that processes have waited for {resource}",
            stall.some_total,
        )
        if resource == "cpu":
            continue  # system-wide CPU "full" is undefined (always 0); node_exporter omits it too
        out.counter(
            f"node_pressure_{resource}_stalled_seconds_total",
            f"Total time in seconds no process could make progress because of {resource}",
            stall.full_total,
        )
