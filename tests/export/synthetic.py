"""Hand-made readings (synthetic values) that exercise every ``darwin_metrics_*`` family."""

from __future__ import annotations

from darwin_metrics.export.readings import Readings
from darwin_metrics.records.cgroup import CGroup, CGroupCPU, CGroupMemory, CGroupPids
from darwin_metrics.records.connections import ConnectionCount, ConnectionCounts, ListeningPort
from darwin_metrics.records.gpu import GPU, GPUProcess
from darwin_metrics.records.power import Power, PowerRail
from darwin_metrics.records.sensors import Fan
from darwin_metrics.records.snapshot import Snapshot
from tests.support import make

GPU0 = GPU(
    index=0,
    vendor="nvidia",
    name="Test GPU",
    uuid="GPU-1",
    utilization_percent=50.0,
    memory_utilization_percent=10.0,
    memory_total=8 << 30,
    memory_used=1 << 30,
    memory_free=7 << 30,
    temperature_celsius=61.0,
    junction_celsius=70.0,
    fan_percent=30.0,
    fan_rpm=1200.0,
    power_watts=120.5,
    power_limit_watts=250.0,
    energy_joules=1000.0,
    graphics_hertz=1_500_000_000,
    graphics_max_hertz=2_000_000_000,
    throttle_reasons=("sw_power_cap",),
    processes=(GPUProcess(pid=42, type="compute", name="train", used_memory=512 << 20),),
)
FAN = Fan(
    chip="nct6779", name="fan1", index=1, rpm=900, duty_percent=40.0, mode="manual", path="/x"
)
RAIL = PowerRail(
    name="package-0",
    source="rapl",
    domain="package",
    index=0,
    watts=12.5,
    joules=100.0,
    limit_watts=65.0,
)
COUNTS = ConnectionCounts(
    counts=(ConnectionCount(protocol="tcp", family="ipv4", state="LISTEN", count=2),),
    listening=(
        ListeningPort(
            protocol="tcp", family="ipv4", address="127.0.0.1", port=9101, pids=(7,), names=("py",)
        ),
    ),
    total=2,
)
GROUP = CGroup(
    pid=1,
    path="/test.slice",
    directory="/sys/fs/cgroup/test.slice",
    controllers=("cpu", "memory", "pids"),
    memory=CGroupMemory(
        used=1 << 30,
        limit=2 << 30,
        high=3 << 29,
        swap_used=0,
        oom=0,
        oom_kill=0,
        max_events=1,
        high_events=2,
    ),
    cpu=CGroupCPU(effective_cpus=2.0, usage=10.0, throttled=0.5, periods=100, throttled_periods=3),
    pids=CGroupPids(count=12, max=1000),
)
PROCESSES = tuple(make.proc(pid, user=float(pid), rss=pid << 20) for pid in range(1, 30))


def readings() -> Readings:
    snapshot = Snapshot(
        timestamp=0.0,
        platform="linux",
        gpus=(GPU0,),
        fans=(FAN,),
        power=Power(rails=(RAIL,)),
        connection_counts=COUNTS,
        cgroup=GROUP,
        processes=PROCESSES,
    )
    return Readings(snapshot=snapshot, process_cpu_rates={p.pid: p.pid / 100 for p in PROCESSES})
