"""Our exposition of node_exporter's captured trees, family by family against node_exporter's own
output for the same trees (``e2e-output.txt``).

Every ``node_*`` family we emit must equal node_exporter's (names, label sets, values), or be listed
with its reason in the compatibility table of docs/exporter.md; so must every family of a collector
we implement that we do not emit. The families in :data:`MUST_MATCH` may never move to the table.
"""

from __future__ import annotations

import fnmatch
import math
import re
from pathlib import Path

import pytest

from tests.conftest import LINUX_FIXTURES, REPO, Tree
from tests.export.helpers import SampleKey, exposition, parse, samples

from darwin_metrics.export.collector import SnapshotCollector  # isort: skip
from darwin_metrics.linux.backend import LinuxBackend  # isort: skip

E2E = LINUX_FIXTURES / "node_exporter" / "e2e-output.txt"
DOCS = REPO / "docs" / "exporter.md"

#: The e2e run's filters (node_exporter's end-to-end-test.sh; Go regexps match unanchored),
#: applied to our samples too.
HWMON_CHIPS = re.compile(r"(applesmc|asus_nb_wmi|coretemp|hwmon4|ieee80211|nct6779)")
NETCLASS_IGNORED = re.compile(r"(dmz|int)")

#: Prefixes of the node_exporter collectors this exporter implements.
OUR_PREFIXES = (
    "node_cpu_",
    "node_load",
    "node_boot_time",
    "node_context_switches",
    "node_forks",
    "node_intr",
    "node_procs_",
    "node_memory_",
    "node_pressure_",
    "node_disk_",
    "node_filesystem_",
    "node_network_",
    "node_netstat_",
    "node_sockstat_",
    "node_wifi_",
    "node_hwmon_",
    "node_thermal_zone",
    "node_cooling_device",
    "node_power_supply_",
    "node_rapl_",
)

#: Families that match node_exporter exactly on these trees (parser names: no ``_total``).
MUST_MATCH = (
    "node_cpu_seconds",
    "node_cpu_guest_seconds",
    "node_cpu_core_throttles",
    "node_cpu_package_throttles",
    "node_cpu_scaling_frequency_hertz",
    "node_cpu_scaling_frequency_max_hertz",
    "node_cpu_scaling_frequency_min_hertz",
    "node_cpu_scaling_governor",
    "node_load1",
    "node_load5",
    "node_load15",
    "node_boot_time_seconds",
    "node_context_switches",
    "node_forks",
    "node_intr",
    "node_procs_running",
    "node_procs_blocked",
    "node_memory_MemTotal_bytes",
    "node_memory_MemFree_bytes",
    "node_memory_Buffers_bytes",
    "node_memory_Shmem_bytes",
    "node_memory_Active_bytes",
    "node_memory_Inactive_bytes",
    "node_memory_Slab_bytes",
    "node_memory_SwapTotal_bytes",
    "node_memory_SwapFree_bytes",
    "node_pressure_cpu_waiting_seconds",
    "node_pressure_io_waiting_seconds",
    "node_pressure_io_stalled_seconds",
    "node_pressure_memory_waiting_seconds",
    "node_pressure_memory_stalled_seconds",
    "node_pressure_irq_stalled_seconds",
    "node_disk_reads_completed",
    "node_disk_reads_merged",
    "node_disk_read_bytes",
    "node_disk_read_time_seconds",
    "node_disk_writes_completed",
    "node_disk_writes_merged",
    "node_disk_written_bytes",
    "node_disk_write_time_seconds",
    "node_disk_io_time_seconds",
    "node_disk_io_time_weighted_seconds",
    "node_disk_io_now",
    "node_disk_discards_completed",
    "node_disk_discards_merged",
    "node_disk_discarded_sectors",
    "node_disk_discard_time_seconds",
    "node_disk_flush_requests",
    "node_disk_flush_requests_time_seconds",
    "node_netstat_Tcp_ActiveOpens",
    "node_netstat_Tcp_PassiveOpens",
    "node_netstat_Tcp_CurrEstab",
    "node_netstat_Tcp_InSegs",
    "node_netstat_Tcp_OutSegs",
    "node_netstat_Tcp_RetransSegs",
    "node_netstat_Tcp_InErrs",
    "node_netstat_Tcp_OutRsts",
    "node_netstat_TcpExt_ListenOverflows",
    "node_netstat_TcpExt_ListenDrops",
    "node_netstat_TcpExt_TCPTimeouts",
    "node_netstat_TcpExt_SyncookiesSent",
    "node_netstat_Udp_InDatagrams",
    "node_netstat_Udp_OutDatagrams",
    "node_netstat_Udp_NoPorts",
    "node_netstat_Udp_InErrors",
    "node_netstat_Udp_RcvbufErrors",
    "node_netstat_Udp_SndbufErrors",
    "node_netstat_Udp6_InDatagrams",
    "node_netstat_Udp6_OutDatagrams",
    "node_netstat_Udp6_NoPorts",
    "node_netstat_Udp6_InErrors",
    "node_netstat_Udp6_RcvbufErrors",
    "node_netstat_Udp6_SndbufErrors",
    "node_netstat_IpExt_InOctets",
    "node_netstat_IpExt_OutOctets",
    "node_netstat_Ip6_InOctets",
    "node_netstat_Ip6_OutOctets",
    "node_netstat_Icmp_InMsgs",
    "node_netstat_Icmp_OutMsgs",
    "node_netstat_Icmp_InErrors",
    "node_netstat_Icmp6_InMsgs",
    "node_netstat_Icmp6_OutMsgs",
    "node_netstat_Icmp6_InErrors",
    "node_sockstat_sockets_used",
    "node_sockstat_FRAG6_inuse",
    "node_sockstat_FRAG6_memory",
    "node_sockstat_FRAG_inuse",
    "node_sockstat_FRAG_memory",
    "node_sockstat_RAW6_inuse",
    "node_sockstat_RAW_inuse",
    "node_sockstat_TCP6_inuse",
    "node_sockstat_TCP_alloc",
    "node_sockstat_TCP_inuse",
    "node_sockstat_TCP_mem",
    "node_sockstat_TCP_mem_bytes",
    "node_sockstat_TCP_orphan",
    "node_sockstat_TCP_tw",
    "node_sockstat_UDP6_inuse",
    "node_sockstat_UDPLITE6_inuse",
    "node_sockstat_UDPLITE_inuse",
    "node_sockstat_UDP_inuse",
    "node_sockstat_UDP_mem",
    "node_sockstat_UDP_mem_bytes",
    "node_hwmon_temp_celsius",
    "node_hwmon_temp_max_celsius",
    "node_hwmon_temp_crit_celsius",
    "node_hwmon_fan_rpm",
    "node_hwmon_fan_min_rpm",
    "node_hwmon_fan_max_rpm",
    "node_hwmon_fan_alarm",
    "node_thermal_zone_temp",
    "node_cooling_device_cur_state",
    "node_cooling_device_max_state",
    "node_power_supply_capacity",
    "node_power_supply_cyclecount",
    "node_power_supply_energy_watthour",
    "node_power_supply_energy_full",
    "node_power_supply_energy_full_design",
    "node_power_supply_power_watt",
    "node_power_supply_voltage_volt",
    "node_power_supply_voltage_min_design",
    "node_power_supply_present",
    "node_power_supply_info",
    "node_power_supply_online",
    "node_network_up",
    "node_network_mtu_bytes",
    "node_network_speed_bytes",
    "node_network_carrier",
    "node_network_flags",
    "node_network_iface_id",
    "node_rapl_package_joules",
    "node_rapl_core_joules",
)


def documented_differences() -> dict[str, str]:
    """Family patterns → reason, from the compatibility table of docs/exporter.md."""
    rows: dict[str, str] = {}
    section = DOCS.read_text().split("## node_exporter compatibility", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        m = re.match(r"^\|\s*`([^`]+)`\s*\|\s*(.+?)\s*\|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def _documented(name: str, rows: dict[str, str]) -> bool:
    candidates = (name, name + "_total")
    return any(fnmatch.fnmatchcase(c, pattern) for pattern in rows for c in candidates)


def _keep(labels: dict[str, str]) -> bool:
    chip = labels.get("chip")
    device = labels.get("device")
    if chip is not None and not HWMON_CHIPS.search(chip):
        return False
    return not (device is not None and NETCLASS_IGNORED.search(device))


@pytest.fixture(scope="module")
def compared(
    ne_tree: Tree,
) -> tuple[dict[str, dict[SampleKey, float]], dict[str, dict[SampleKey, float]]]:
    if not E2E.exists():
        pytest.skip(f"node_exporter's e2e-output.txt not found at {E2E}")
    backend = LinuxBackend(procfs=str(ne_tree.proc), sysfs=str(ne_tree.sys))
    ours_text = exposition(SnapshotCollector(backend, top_processes=0))
    sysfs = str(ne_tree.sys)

    def ours_relabel(labels: dict[str, str]) -> dict[str, str]:
        if "path" in labels:
            labels["path"] = labels["path"].replace(sysfs, "SYSFS")
        return labels

    def theirs_relabel(labels: dict[str, str]) -> dict[str, str]:
        if "path" in labels:
            labels["path"] = labels["path"].replace("collector/fixtures/sys", "SYSFS")
        return labels

    ours = {}
    for name, family in parse(ours_text).items():
        kept = {k: v for k, v in samples(family, ours_relabel).items() if _keep(dict(k[1]))}
        if name.startswith("node_") and kept:
            ours[name] = kept
    theirs = {
        name: samples(family, theirs_relabel)
        for name, family in parse(E2E.read_text()).items()
        if name.startswith(OUR_PREFIXES) and family.samples  # a bare TYPE line is no family
    }
    return ours, theirs


def _equal(a: dict[SampleKey, float], b: dict[SampleKey, float]) -> bool:
    return a.keys() == b.keys() and all(
        math.isclose(a[k], b[k], rel_tol=1e-9, abs_tol=1e-12) for k in a
    )


def test_must_match_families_equal_node_exporter(compared: tuple[dict, dict]) -> None:
    ours, theirs = compared
    for name in MUST_MATCH:
        assert name in ours, f"{name} missing from our exposition"
        assert name in theirs, f"{name} missing from e2e-output.txt"
        mine, reference = ours[name], theirs[name]
        assert mine.keys() == reference.keys(), (
            f"{name}: label sets differ: ours only {sorted(mine.keys() - reference.keys())[:3]}, "
            f"theirs only {sorted(reference.keys() - mine.keys())[:3]}"
        )
        for key in mine:
            assert math.isclose(mine[key], reference[key], rel_tol=1e-9), (name, key)


def test_every_other_family_matches_or_is_documented(compared: tuple[dict, dict]) -> None:
    ours, theirs = compared
    rows = documented_differences()
    undocumented = [
        name
        for name in sorted(set(ours) | set(theirs))
        if not (name in ours and name in theirs and _equal(ours[name], theirs[name]))
        and not _documented(name, rows)
    ]
    assert not undocumented, (
        f"differ from node_exporter and not in docs/exporter.md: {undocumented}"
    )


def test_documented_differences_are_real(compared: tuple[dict, dict]) -> None:
    """A table row naming one family exactly must not describe a family that in fact matches."""
    ours, theirs = compared
    for pattern in documented_differences():
        for name in (pattern, pattern.removesuffix("_total")):
            if name in ours and name in theirs:
                assert not _equal(ours[name], theirs[name]), f"{pattern} matches: drop its row"


def test_docs_exist() -> None:
    assert Path(DOCS).exists()
