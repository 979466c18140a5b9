"""Detectors on hand-built records: a baseline first, then exactly the changes as events."""

from __future__ import annotations

from darwin_metrics.errors import NoSuchProcess
from darwin_metrics.monitor import detectors as d
from darwin_metrics.monitor import events as ev
from darwin_metrics.records.battery import Battery
from darwin_metrics.records.cgroup import CGroup, CGroupMemory
from darwin_metrics.records.connections import ConnectionCounts, ListeningPort
from darwin_metrics.records.disk import Volume
from darwin_metrics.records.gpu import GPU
from darwin_metrics.records.memory import Memory, Pressure, Swap
from darwin_metrics.records.net import Address, Interface
from darwin_metrics.records.power import PowerManagement
from darwin_metrics.records.process import Process
from darwin_metrics.records.sensors import Fan, Temperatures, TemperatureSensor
from darwin_metrics.records.thermal import Thermal


def _proc(pid: int, created: float, name: str = "p", status: str = "sleeping") -> Process:
    return Process(
        pid=pid,
        ppid=1,
        name=name,
        status=status,
        create_time=created,
        cpu_times=None,
        memory=None,
        num_threads=1,
    )


def test_processes_by_pid_and_start_time() -> None:
    det = d.ProcessDetector()
    assert det.update([_proc(1, 1.0), _proc(2, 2.0)], 10) == []
    events = det.update([_proc(1, 1.0), _proc(2, 5.0), _proc(3, 6.0, "new")], 11)
    kinds = sorted((type(e).__name__, e.pid, e.create_time) for e in events)  # type: ignore[attr-defined]
    assert kinds == [
        ("ProcessExited", 2, 2.0),  # pid 2 reused: the old one exited
        ("ProcessStarted", 2, 5.0),
        ("ProcessStarted", 3, 6.0),
    ]
    exited = next(e for e in events if isinstance(e, ev.ProcessExited))
    assert exited.process is not None and exited.process.create_time == 2.0
    assert det.update([_proc(1, 1.0), _proc(2, 5.0), _proc(3, 6.0)], 12) == []


def test_a_zombie_has_exited() -> None:
    det = d.ProcessDetector()
    det.update([_proc(5, 5.0)], 0)
    events = det.update([_proc(5, 5.0, status="zombie")], 1)
    assert [(type(e).__name__, e.pid) for e in events] == [("ProcessExited", 5)]  # type: ignore[attr-defined]
    assert det.update([], 2) == []  # reaped: nothing more


def test_a_process_missing_from_one_table_is_confirmed_before_it_exits() -> None:
    alive = {7: _proc(7, 7.0)}

    def confirm(pid: int) -> Process:
        if pid not in alive:
            raise NoSuchProcess(pid)
        return alive[pid]

    det = d.ProcessDetector(confirm)
    det.update([_proc(7, 7.0), _proc(8, 8.0)], 0)
    events = det.update([], 1)
    assert [(type(e).__name__, e.pid) for e in events] == [("ProcessExited", 8)]  # type: ignore[attr-defined]
    assert det.update([_proc(7, 7.0)], 2) == []  # 7 never left


def _iface(name: str, up: bool, *addresses: str) -> Interface:
    return Interface(
        name=name,
        index=3,
        kind="ethernet",
        is_up=up,
        is_running=up,
        addresses=tuple(
            Address(family="ipv6" if ":" in a else "ipv4", address=a, prefix_length=24)
            for a in addresses
        ),
    )


def test_interfaces_up_down_and_addresses() -> None:
    det = d.InterfaceDetector()
    det.update([_iface("eth0", False)], 0)
    events = det.update([_iface("eth0", True, "10.0.0.1", "fe80::1")], 1)
    assert sorted(type(e).__name__ for e in events) == [
        "AddressAdded",
        "AddressAdded",
        "InterfaceUp",
    ]
    events = det.update([_iface("eth0", True, "10.0.0.1")], 2)
    assert [(type(e).__name__, e.address) for e in events] == [("AddressRemoved", "fe80::1")]  # type: ignore[attr-defined]
    events = det.update([], 3)
    assert {type(e).__name__ for e in events} == {"AddressRemoved", "InterfaceDown"}
    down = next(e for e in events if isinstance(e, ev.InterfaceDown))
    assert down.removed


def _ports(*ports: int, pids: bool = False) -> ConnectionCounts:
    listening = tuple(
        ListeningPort(
            protocol="tcp",
            family="ipv4",
            address="127.0.0.1",
            port=p,
            pids=(100 + p,) if pids else None,
            names=("srv",) if pids else None,
        )
        for p in ports
    )
    return ConnectionCounts(counts=(), listening=listening, total=len(listening))


def test_ports_open_and_close_with_their_owners() -> None:
    asked = []

    def owners() -> ConnectionCounts:
        asked.append(1)
        return _ports(80, 81, pids=True)

    det = d.PortDetector(owners)
    det.update(_ports(80).listening, 0)
    events = det.update(_ports(80, 81).listening, 1)
    assert [(type(e).__name__, e.port, e.pids) for e in events] == [("PortOpened", 81, (181,))]  # type: ignore[attr-defined]
    events = det.update(_ports(80).listening, 2)
    assert [(type(e).__name__, e.port, e.pids) for e in events] == [("PortClosed", 81, (181,))]  # type: ignore[attr-defined]
    assert det.update(_ports(80).listening, 3) == []
    assert len(asked) == 2  # at the baseline and for the new port only


def test_throttling_start_and_stop_with_duration() -> None:
    det = d.ThermalDetector()
    assert det.update(False, (), Thermal(throttling=False), 0) == []
    assert det.update(None, (), None, 1) == []  # no source: no change
    started = det.update(True, ("cpu-package0",), None, 5)
    assert isinstance(started[0], ev.ThrottlingStarted) and started[0].sources == ("cpu-package0",)
    assert det.update(True, ("cpu-package0",), None, 6) == []
    stopped = det.update(False, (), Thermal(throttling=False), 8)
    assert isinstance(stopped[0], ev.ThrottlingStopped) and stopped[0].duration == 3


def _fan(rpm: int | None, duty: float | None = 50.0, alarm: bool | None = None) -> Fan:
    return Fan(chip="nct", name="fan1", index=1, rpm=rpm, duty_percent=duty, alarm=alarm, path="/x")


def test_fan_stall_once_until_it_spins_again() -> None:
    det = d.FanDetector()
    det.update([_fan(1200)], 0)
    assert [type(e).__name__ for e in det.update([_fan(0)], 1)] == ["FanStalled"]
    assert det.update([_fan(0)], 2) == []
    assert det.update([_fan(900)], 3) == []
    assert det.update([_fan(0, duty=0)], 4) == []  # not driven: stopped on purpose
    assert len(det.update([_fan(None, alarm=True)], 5)) == 1


def test_temperature_critical_with_one_degree_hysteresis() -> None:
    def temps(c: float) -> Temperatures:
        sensor = TemperatureSensor(chip="coretemp", sensor="temp1", celsius=c, critical_celsius=100)
        return Temperatures(sensors=(sensor,))

    det = d.TemperatureDetector()
    det.update(temps(90), 0)
    events = det.update(temps(100), 1)
    assert isinstance(events[0], ev.TemperatureCritical) and events[0].sensor == "coretemp/temp1"
    assert det.update(temps(99.5), 2) == []
    assert det.update(temps(98), 3) == []
    assert len(det.update(temps(101), 4)) == 1


def test_power_source_and_batteries() -> None:
    power, batteries = d.PowerDetector(), d.BatteryDetector(low_percent=10)

    def bat(charge: float, status: str) -> Battery:
        return Battery(name="BAT0", charge_percent=charge, status=status)  # type: ignore[arg-type]

    assert power.update(PowerManagement(cores=(), on_ac=True), [], 0) == []
    batteries.update([bat(50, "charging")], 0)
    changed = power.update(PowerManagement(cores=(), on_ac=False), [], 1)
    assert isinstance(changed[0], ev.PowerSourceChanged) and changed[0].previous is True
    events = batteries.update([bat(12, "discharging")], 1)
    assert [(type(e).__name__, e.previous) for e in events] == [  # type: ignore[attr-defined]
        ("BatteryStateChanged", "charging")
    ]
    low = batteries.update([bat(10, "discharging")], 2)
    assert isinstance(low[0], ev.BatteryLow) and low[0].charge_percent == 10
    assert batteries.update([bat(11, "discharging")], 3) == []  # within the 2-point hysteresis
    assert batteries.update([bat(9, "discharging")], 4) == []


def _vol(mount: str, used: float) -> Volume:
    return Volume(
        device="/dev/x" + mount,
        mount_point=mount,
        fs_type="ext4",
        options=(),
        read_only=False,
        used_percent=used,
    )


def test_volumes_mounts_and_filling() -> None:
    det = d.VolumeDetector(full_percent=90)
    det.update_mounts([_vol("/", 10)], 0, pushed=False)
    det.update_fill([_vol("/", 10)], 0)
    events = det.update_mounts([_vol("/", 10), _vol("/mnt", 1)], 1, pushed=True)
    assert [(type(e).__name__, e.pushed) for e in events] == [("VolumeMounted", True)]
    assert [type(e).__name__ for e in det.update_mounts([_vol("/", 10)], 2, pushed=False)] == [
        "VolumeUnmounted"
    ]
    assert [type(e).__name__ for e in det.update_fill([_vol("/", 95)], 3)] == ["VolumeAlmostFull"]
    assert det.update_fill([_vol("/", 89.5)], 4) == []
    assert det.update_fill([_vol("/", 95)], 5) == []
    assert det.update_fill([_vol("/", 80)], 6) == []
    assert len(det.update_fill([_vol("/", 91)], 7)) == 1


def test_memory_pressure_gpus_and_cgroup() -> None:
    def mem(level: str) -> Memory:
        return Memory(
            total=1,
            available=1,
            used=0,
            free=1,
            swap=Swap(total=0, used=0, free=0),
            pressure=Pressure(level=level),  # type: ignore[arg-type]
        )

    memory = d.MemoryDetector()
    memory.update(mem("normal"), 0)
    events = memory.update(mem("warning"), 1)
    assert isinstance(events[0], ev.MemoryPressureChanged) and events[0].previous == "normal"

    gpus = d.GpuDetector()
    gpus.update([GPU(index=0, vendor="nvidia", uuid="GPU-a")], 0)
    lost = gpus.update([GPU(index=0, vendor="nvidia", uuid="GPU-a", lost=True)], 1)
    assert isinstance(lost[0], ev.GpuLost) and lost[0].uuid == "GPU-a"
    back = gpus.update([GPU(index=0, vendor="nvidia", uuid="GPU-a")], 2)
    assert isinstance(back[0], ev.GpuAppeared)

    def group(max_events: int, oom: int) -> CGroup:
        return CGroup(
            pid=1,
            path="/app",
            directory="/sys/fs/cgroup/app",
            controllers=("memory",),
            memory=CGroupMemory(max_events=max_events, oom_kill=oom),
        )

    cgroup = d.CgroupDetector()
    cgroup.update(group(3, 0), 0)
    hits = cgroup.update(group(5, 1), 1)
    assert [(e.counter, e.count, e.increase) for e in hits] == [("max", 5, 2), ("oom_kill", 1, 1)]  # type: ignore[attr-defined]
