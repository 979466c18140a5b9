"""Families named and labelled as node_exporter names them, so its dashboards work unchanged.

Each ``emit_<collector>`` function writes the families of one node_exporter collector from the
readings of one scrape. Units are Prometheus base units: seconds, bytes, hertz, celsius, joules,
watts, volts. docs/exporter.md lists every family with its source and where it differs from
node_exporter.
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
WATT_HOUR = 3600.0


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


NETDEV_COUNTERS = (
    ("receive_bytes_total", "rx_bytes"),
    ("receive_packets_total", "rx_packets"),
    ("receive_errs_total", "rx_errors"),
    ("receive_drop_total", "rx_drops"),
    ("receive_fifo_total", "rx_fifo"),
    ("receive_frame_total", "rx_frame"),
    ("receive_compressed_total", "rx_compressed"),
    ("receive_multicast_total", "rx_multicast"),
    ("transmit_bytes_total", "tx_bytes"),
    ("transmit_packets_total", "tx_packets"),
    ("transmit_errs_total", "tx_errors"),
    ("transmit_drop_total", "tx_drops"),
    ("transmit_fifo_total", "tx_fifo"),
    ("transmit_colls_total", "tx_collisions"),
    ("transmit_carrier_total", "tx_carrier"),
    ("transmit_compressed_total", "tx_compressed"),
)


def emit_netdev(out: Exposition, r: Readings) -> None:
    """``node_network_{receive,transmit}_*_total{device}`` traffic counters."""
    for iface in r.snapshot.interfaces or ():
        if iface.counters is None:
            continue
        labels = {"device": iface.name}
        for suffix, field in NETDEV_COUNTERS:
            out.counter(
                f"node_network_{suffix}",
                f"Network device statistic {suffix}.",
                getattr(iface.counters, field),
                labels,
            )


def emit_netclass(out: Exposition, r: Readings) -> None:
    """Link state of each interface: up, MTU, speed, carrier, flags, index and an info series."""
    for iface in r.snapshot.interfaces or ():
        labels = {"device": iface.name}
        if iface.operstate is not None:
            out.gauge(
                "node_network_up",
                "Value is 1 if operstate is 'up', 0 otherwise.",
                1.0 if iface.operstate == "up" else 0.0,
                labels,
            )
        out.gauge("node_network_mtu_bytes", "Network device property: mtu_bytes", iface.mtu, labels)
        speed = iface.speed_bits_per_second
        out.gauge(
            "node_network_speed_bytes",
            "Network device property: speed_bytes",
            None if speed is None else speed / 8,
            labels,
        )
        carrier = iface.has_carrier
        out.gauge(
            "node_network_carrier",
            "Network device property: carrier",
            None if carrier is None else float(carrier),
            labels,
        )
        out.gauge("node_network_flags", "Network device property: flags", iface.flags, labels)
        out.gauge("node_network_iface_id", "Network device property: iface_id", iface.index, labels)
        info = {
            "device": iface.name,
            "address": iface.mac or "",
            "adminstate": {True: "up", False: "down", None: "unknown"}[iface.is_up],
            "duplex": iface.duplex or "",
            "operstate": iface.operstate or "",
        }
        out.gauge("node_network_info", "Non-numeric data of a network interface.", 1.0, info)


def emit_hwmon(out: Exposition, r: Readings) -> None:
    """``node_hwmon_temp_*_celsius``, ``node_hwmon_fan_*`` and the chip and label series."""
    temps = r.snapshot.temperatures
    chips: dict[str, str] = {}
    for sensor in temps.sensors if temps is not None else ():
        labels = {"chip": sensor.chip, "sensor": sensor.sensor}
        if sensor.chip_name:
            chips[sensor.chip] = sensor.chip_name
        out.gauge(
            "node_hwmon_temp_celsius",
            "Hardware monitor for temperature (input)",
            sensor.celsius,
            labels,
        )
        out.gauge(
            "node_hwmon_temp_max_celsius",
            "Hardware monitor for temperature (max)",
            sensor.max_celsius,
            labels,
        )
        out.gauge(
            "node_hwmon_temp_crit_celsius",
            "Hardware monitor for temperature (crit)",
            sensor.critical_celsius,
            labels,
        )
        if sensor.label:
            out.gauge(
                "node_hwmon_sensor_label",
                "Label for given chip and sensor",
                1.0,
                {**labels, "label": sensor.label},
            )
    for fan in r.snapshot.fans or ():
        labels = {"chip": fan.chip, "sensor": fan.name}
        if fan.chip_name:
            chips[fan.chip] = fan.chip_name
        out.gauge(
            "node_hwmon_fan_rpm", "Hardware monitor for fan revolutions (input)", fan.rpm, labels
        )
        out.gauge(
            "node_hwmon_fan_min_rpm",
            "Hardware monitor for fan revolutions (min)",
            fan.min_rpm,
            labels,
        )
        out.gauge(
            "node_hwmon_fan_max_rpm",
            "Hardware monitor for fan revolutions (max)",
            fan.max_rpm,
            labels,
        )
        out.gauge(
            "node_hwmon_fan_target_rpm",
            "Hardware monitor for fan revolutions (target)",
            fan.target_rpm,
            labels,
        )
        if fan.alarm is not None:
            out.gauge(
                "node_hwmon_fan_alarm",
                "Hardware sensor alarm status (fan)",
                float(fan.alarm),
                labels,
            )
        if fan.label:
            out.gauge(
                "node_hwmon_sensor_label",
                "Label for given chip and sensor",
                1.0,
                {**labels, "label": fan.label},
            )
    for chip, name in sorted(chips.items()):
        out.gauge(
            "node_hwmon_chip_names",
            "Annotation metric for human-readable chip names",
            1.0,
            {"chip": chip, "chip_name": name},
        )


def emit_thermal_zone(out: Exposition, r: Readings) -> None:
    """``node_thermal_zone_temp{type,zone}`` and ``node_cooling_device_{cur,max}_state``."""
    temps = r.snapshot.temperatures
    if temps is None:
        return
    for zone in temps.zones:
        out.gauge(
            "node_thermal_zone_temp",
            "Zone temperature in Celsius",
            zone.celsius,
            {"type": zone.type, "zone": _number(zone.name, "thermal_zone")},
        )
    for device in temps.cooling_devices:
        labels = {"name": _number(device.name, "cooling_device"), "type": device.type}
        out.gauge(
            "node_cooling_device_cur_state",
            "Current throttle state of the cooling device",
            device.current_state,
            labels,
        )
        out.gauge(
            "node_cooling_device_max_state",
            "Maximum throttle state of the cooling device",
            device.max_state,
            labels,
        )


def _number(name: str, prefix: str) -> str:
    """``thermal_zone3`` → ``3`` (node_exporter labels zones and cooling devices by number)."""
    return name[len(prefix) :] if name.startswith(prefix) else name


#: Battery status words as the kernel's ``power_supply`` class writes them.
_KERNEL_STATUS = {
    "charging": "Charging",
    "discharging": "Discharging",
    "full": "Full",
    "not-charging": "Not charging",
    "unknown": "Unknown",
}


def emit_powersupplyclass(out: Exposition, r: Readings) -> None:
    """``node_power_supply_*{power_supply}`` for batteries and adapters."""
    sources = r.power_sources
    if sources is None:
        return
    for bat in sources.batteries + sources.peripherals:
        labels = {"power_supply": bat.name}
        out.gauge(
            "node_power_supply_capacity",
            "capacity value of /sys/class/power_supply/<power_supply>.",
            bat.charge_percent,
            labels,
        )
        out.gauge(
            "node_power_supply_cyclecount",
            "cyclecount value of /sys/class/power_supply/<power_supply>.",
            bat.cycle_count,
            labels,
        )
        for key, joules in (
            ("energy_watthour", bat.energy_joules),
            ("energy_full", bat.energy_full_joules),
            ("energy_full_design", bat.energy_full_design_joules),
        ):
            out.gauge(
                f"node_power_supply_{key}",
                f"{key} value of /sys/class/power_supply/<power_supply> (watt-hours).",
                None if joules is None else joules / WATT_HOUR,
                labels,
            )
        out.gauge(
            "node_power_supply_power_watt",
            "power_watt value of /sys/class/power_supply/<power_supply>.",
            bat.watts,
            labels,
        )
        out.gauge(
            "node_power_supply_voltage_volt",
            "voltage_volt value of /sys/class/power_supply/<power_supply>.",
            bat.volts,
            labels,
        )
        out.gauge(
            "node_power_supply_voltage_min_design",
            "voltage_min_design value of /sys/class/power_supply/<power_supply>.",
            bat.min_design_volts,
            labels,
        )
        out.gauge(
            "node_power_supply_current_ampere",
            "current_ampere value of /sys/class/power_supply/<power_supply>.",
            None if bat.amperes is None else abs(bat.amperes),
            labels,
        )
        out.gauge(
            "node_power_supply_temp_celsius",
            "temp_celsius value of /sys/class/power_supply/<power_supply>.",
            bat.celsius,
            labels,
        )
        if bat.present is not None:
            out.gauge(
                "node_power_supply_present",
                "present value of /sys/class/power_supply/<power_supply>.",
                float(bat.present),
                labels,
            )
        info = {"power_supply": bat.name, "type": "Battery", "status": _KERNEL_STATUS[bat.status]}
        for key, text in (
            ("capacity_level", bat.capacity_level),
            ("manufacturer", bat.manufacturer),
            ("model_name", bat.model),
            ("serial_number", bat.serial),
            ("technology", bat.technology),
        ):
            if text:
                info[key] = text
        out.gauge(
            "node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.", 1.0, info
        )
    for adapter in sources.adapters:
        labels = {"power_supply": adapter.name}
        if adapter.online is not None:
            out.gauge(
                "node_power_supply_online",
                "online value of /sys/class/power_supply/<power_supply>.",
                float(adapter.online),
                labels,
            )
        kind = "Mains" if adapter.kind == "mains" else adapter.kind.upper()
        out.gauge(
            "node_power_supply_info",
            "info of /sys/class/power_supply/<power_supply>.",
            1.0,
            {**labels, "type": kind},
        )


def emit_rapl(out: Exposition, r: Readings) -> None:
    """``node_rapl_<domain>_joules_total{index,path}`` from the RAPL energy counters."""
    power = r.snapshot.power
    if power is None:
        return
    for rail in power.rails:
        if rail.source != "rapl" or rail.joules is None or not rail.domain:
            continue
        domain = re.sub(r"[^a-zA-Z0-9_]", "_", rail.domain)
        out.counter(
            f"node_rapl_{domain}_joules_total",
            f"Current RAPL {domain} value in joules",
            rail.joules,
            {"index": str(rail.index if rail.index is not None else 0), "path": rail.path or ""},
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


#: ``node_netstat_<Section>_<Field>`` → (NetworkStats section, field); node_exporter's default set.
NETSTAT = {
    "Tcp_ActiveOpens": ("tcp", "active_opens"),
    "Tcp_PassiveOpens": ("tcp", "passive_opens"),
    "Tcp_CurrEstab": ("tcp", "current_established"),
    "Tcp_InSegs": ("tcp", "in_segments"),
    "Tcp_OutSegs": ("tcp", "out_segments"),
    "Tcp_RetransSegs": ("tcp", "retransmitted_segments"),
    "Tcp_InErrs": ("tcp", "in_errors"),
    "Tcp_OutRsts": ("tcp", "out_resets"),
    "TcpExt_ListenOverflows": ("tcp", "listen_overflows"),
    "TcpExt_ListenDrops": ("tcp", "listen_drops"),
    "TcpExt_TCPTimeouts": ("tcp", "timeouts"),
    "TcpExt_TCPSynRetrans": ("tcp", "syn_retransmits"),
    "TcpExt_SyncookiesSent": ("tcp", "syncookies_sent"),
    "Udp_InDatagrams": ("udp", "in_datagrams"),
    "Udp_OutDatagrams": ("udp", "out_datagrams"),
    "Udp_NoPorts": ("udp", "no_ports"),
    "Udp_InErrors": ("udp", "in_errors"),
    "Udp_RcvbufErrors": ("udp", "receive_buffer_errors"),
    "Udp_SndbufErrors": ("udp", "send_buffer_errors"),
    "Udp6_InDatagrams": ("udp6", "in_datagrams"),
    "Udp6_OutDatagrams": ("udp6", "out_datagrams"),
    "Udp6_NoPorts": ("udp6", "no_ports"),
    "Udp6_InErrors": ("udp6", "in_errors"),
    "Udp6_RcvbufErrors": ("udp6", "receive_buffer_errors"),
    "Udp6_SndbufErrors": ("udp6", "send_buffer_errors"),
    "IpExt_InOctets": ("ip", "in_octets"),
    "IpExt_OutOctets": ("ip", "out_octets"),
    "Ip6_InOctets": ("ip6", "in_octets"),
    "Ip6_OutOctets": ("ip6", "out_octets"),
    "Icmp_InMsgs": ("icmp", "in_messages"),
    "Icmp_OutMsgs": ("icmp", "out_messages"),
    "Icmp_InErrors": ("icmp", "in_errors"),
    "Icmp6_InMsgs": ("icmp6", "in_messages"),
    "Icmp6_OutMsgs": ("icmp6", "out_messages"),
    "Icmp6_InErrors": ("icmp6", "in_errors"),
}


def emit_netstat(out: Exposition, r: Readings) -> None:
    """``node_netstat_*``: the kernel's SNMP counters under their ``/proc/net`` names."""
    stats = r.snapshot.network_stats
    if stats is None:
        return
    for name, (section, field) in NETSTAT.items():
        record = getattr(stats, section)
        if record is None:
            continue
        section_name, field_name = name.split("_", 1)
        out.untyped(
            f"node_netstat_{name}",
            f"Statistic {section_name}{field_name}.",
            getattr(record, field),
        )


def emit_wifi(out: Exposition, r: Readings) -> None:
    """``node_wifi_*{device}``: the association and link figures of each wireless interface."""
    for w in r.snapshot.wifi or ():
        device = {"device": w.interface}
        out.gauge(
            "node_wifi_interface_frequency_hertz",
            "The current frequency a WiFi interface is operating at, in hertz.",
            w.frequency_hertz,
            device,
        )
        if w.bssid is None:
            continue
        station = {**device, "mac_address": w.bssid}
        out.gauge(
            "node_wifi_station_info",
            "Labeled WiFi interface station information as provided by the operating system.",
            1.0,
            {**device, "bssid": w.bssid, "mode": w.mode or "", "ssid": w.ssid or ""},
        )
        out.gauge(
            "node_wifi_station_signal_dbm",
            "The current WiFi signal strength, in decibel-milliwatts (dBm).",
            w.signal_dbm,
            station,
        )
        out.gauge(
            "node_wifi_station_receive_bits_per_second",
            "The current WiFi receive bitrate of a station, in bits per second.",
            w.rx_bits_per_second,
            station,
        )
        out.gauge(
            "node_wifi_station_transmit_bits_per_second",
            "The current WiFi transmit bitrate of a station, in bits per second.",
            w.tx_bits_per_second,
            station,
        )
        out.counter(
            "node_wifi_station_connected_seconds_total",
            "The total number of seconds a station has been connected to an access point.",
            w.connected_time,
            station,
        )
        st = w.station
        if st is None:
            continue
        out.gauge(
            "node_wifi_station_inactive_seconds",
            "The number of seconds since any wireless activity has occurred on a station.",
            st.inactive_time,
            station,
        )
        for suffix, value in (
            ("receive_bytes_total", st.rx_bytes),
            ("transmit_bytes_total", st.tx_bytes),
            ("received_packets_total", st.rx_packets),
            ("transmitted_packets_total", st.tx_packets),
            ("transmit_retries_total", st.tx_retries),
            ("transmit_failed_total", st.tx_failed),
            ("beacon_loss_total", st.beacon_loss),
        ):
            out.counter(
                f"node_wifi_station_{suffix}",
                f"The total number of {suffix.removesuffix('_total').replace('_', ' ')} of a station.",
                value,
                station,
            )
