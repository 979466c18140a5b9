"""The Sampler: first sample without rates, rates from the previous snapshot, thread use."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator

import pytest
from msgspec.structs import replace

import darwin_metrics
from darwin_metrics.backend import Backend
from darwin_metrics.collect import take_snapshot
from darwin_metrics.errors import NotSupported
from darwin_metrics.records import (
    CPU,
    DiskIO,
    Interface,
    Memory,
    Process,
    Sample,
    Volume,
)
from darwin_metrics.sampler import Sampler
from tests.conftest import Tree
from tests.support import make

snapshot_module = importlib.import_module("darwin_metrics.collect")


class FakeBackend(Backend):
    """Counters that grow by a fixed step per reading; ``step`` counts readings (cpu() is first)."""

    name = "fake"

    def __init__(self) -> None:
        self.step = -1
        self.process_calls = 0

    def cpu(self) -> CPU:
        self.step += 1
        n = self.step
        # per reading, core 0: 1 s user + 3 s idle (25 %); core 1: 2 s user + 2 s idle (50 %)
        return make.cpu(
            [make.core(0, user=1.0 * n, idle=3.0 * n), make.core(1, user=2.0 * n, idle=2.0 * n)]
        )

    def memory(self) -> Memory:
        return make.memory()

    def disks(self) -> tuple[DiskIO, ...]:
        n = self.step
        return (make.disk("sda", reads=100 * n, read_bytes=4096 * 100 * n, busy_time=0.5 * n),)

    def volumes(self, all: bool = False) -> tuple[Volume, ...]:
        return (make.volume(),)

    def interfaces(self) -> tuple[Interface, ...]:
        n = self.step
        # eth0 is re-created (new index) at reading 2
        return (
            make.iface("eth0", index=2 if n < 2 else 3, rx_bytes=1000 * n, tx_bytes=10 * n),
            make.iface("lo", index=1, rx_bytes=(WRAP_NEAR + 500 * n) % 2**32),
        )

    def processes(self) -> tuple[Process, ...]:
        self.process_calls += 1
        n = self.step
        # pid 10 is replaced by a new process with the same pid at reading 2
        create = 1000.0 if n < 2 else 5000.0
        return (
            make.proc(1, user=0.5 * n, read_bytes=2048 * n),
            make.proc(10, user=3.0 * n, create_time=create),
        )


WRAP_NEAR = 2**32 - 700  # lo's 32-bit rx counter wraps between readings 1 and 2


class FakeTime:
    """Stands in for the ``time`` module in darwin_metrics.collect: a monotonic clock the test
    moves by hand (every family read in one snapshot sees the same time unless a read moves it)."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_700_000_000.0 + self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTime]:
    fake = FakeTime()
    monkeypatch.setattr(snapshot_module, "time", fake)
    yield fake


def two_seconds_apart(sampler: Sampler, clock: FakeTime, count: int) -> list[Sample]:
    samples = []
    for _ in range(count):
        samples.append(sampler.sample())
        clock.now += 2.0
    return samples


def test_first_sample_has_no_rates(clock: FakeTime) -> None:
    sample = Sampler(FakeBackend()).sample()
    assert isinstance(sample, Sample)
    assert sample.rates is None
    assert sample.elapsed is None
    assert sample.snapshot.memory == make.memory()
    assert sample.timestamp == sample.snapshot.timestamp


def test_second_sample_rates(clock: FakeTime) -> None:
    sampler = Sampler(FakeBackend())
    _, sample = two_seconds_apart(sampler, clock, 2)
    rates = sample.rates
    assert rates is not None
    assert sample.elapsed == rates.elapsed == 2.0
    assert sample.timestamp == 1_700_000_102.0
    assert rates.cpu is not None
    assert rates.cpu.percent == pytest.approx(37.5)  # 3 s user of 8 s accounted
    assert rates.cpu.per_core_percent == (pytest.approx(25.0), pytest.approx(50.0))
    assert rates.disk("sda") is not None
    assert rates.disk("sda").reads_per_second == 50.0  # type: ignore[union-attr]
    assert rates.disk("sda").read_bytes_per_second == 4096 * 50.0  # type: ignore[union-attr]
    assert rates.disk("sda").busy_percent == pytest.approx(25.0)  # type: ignore[union-attr]
    assert rates.interface("eth0").rx_bytes_per_second == 500.0  # type: ignore[union-attr]
    assert rates.interface("eth0").tx_bytes_per_second == 5.0  # type: ignore[union-attr]
    assert rates.interface("lo").rx_bytes_per_second == 250.0  # type: ignore[union-attr]
    assert rates.process(1).cpu_percent == pytest.approx(25.0)  # type: ignore[union-attr]
    assert rates.process(1).read_bytes_per_second == 1024.0  # type: ignore[union-attr]
    assert rates.process(10).cpu_percent == pytest.approx(150.0)  # type: ignore[union-attr]


def test_only_previous_snapshot_is_used(clock: FakeTime) -> None:
    sampler = Sampler(FakeBackend())
    third = two_seconds_apart(sampler, clock, 3)[2]  # reading 2, 2 s after reading 1
    rates = third.rates
    assert rates is not None
    assert rates.elapsed == 2.0
    # lo's 32-bit counter wrapped (2**32 - 200 -> 300): still 500 bytes in 2 s
    assert rates.interface("lo").rx_bytes_per_second == 250.0  # type: ignore[union-attr]
    # eth0 was re-created and pid 10 was reused: no rates for them this time
    assert rates.interface("eth0") is None
    assert rates.process(10) is None
    assert rates.process(1) is not None


def test_reset_forgets_previous(clock: FakeTime) -> None:
    sampler = Sampler(FakeBackend())
    sampler.sample()
    sampler.reset()
    clock.now += 1.0
    assert sampler.sample().rates is None
    clock.now += 1.0
    later = sampler.sample()
    assert later.rates is not None
    assert later.elapsed == 1.0


def test_without_processes(clock: FakeTime) -> None:
    backend = FakeBackend()
    sampler = Sampler(backend, processes=False)
    _, sample = two_seconds_apart(sampler, clock, 2)
    assert sample.snapshot.processes is None
    assert sample.rates is not None
    assert sample.rates.processes is None
    assert sample.rates.cpu is not None
    assert backend.process_calls == 0


class NoDisks(FakeBackend):
    def disks(self) -> tuple[DiskIO, ...]:
        raise NotSupported("no disks here")


def test_unsupported_family_has_no_rates(clock: FakeTime) -> None:
    sampler = Sampler(NoDisks())
    _, sample = two_seconds_apart(sampler, clock, 2)
    assert sample.snapshot.disks is None
    assert sample.rates is not None
    assert sample.rates.disks is None
    assert sample.rates.interfaces is not None


class SlowDisksOnce(FakeBackend):
    """The first disks() read takes 1.5 s (a slow device), so later families start late once."""

    def __init__(self, clock: FakeTime) -> None:
        super().__init__()
        self.clock = clock

    def disks(self) -> tuple[DiskIO, ...]:
        if self.step == 0:
            self.clock.now += 1.5
        return super().disks()


def test_each_family_over_its_own_interval(clock: FakeTime) -> None:
    sampler = Sampler(SlowDisksOnce(clock))
    _, sample = two_seconds_apart(sampler, clock, 2)
    rates = sample.rates
    assert rates is not None
    # snapshot 1: disks read at 100 (taking 1.5 s), interfaces and processes at 101.5;
    # snapshot 2: everything at 103.5
    assert sample.elapsed == 3.5  # start of snapshot to start of snapshot
    assert rates.disk("sda").reads_per_second == pytest.approx(100 / 3.5)  # type: ignore[union-attr]
    # over 2 s, not 3.5 s: 1000 bytes and 3 CPU seconds per reading
    assert rates.interface("eth0").rx_bytes_per_second == 500.0  # type: ignore[union-attr]
    assert rates.process(10).cpu_percent == pytest.approx(150.0)  # type: ignore[union-attr]


def test_threads_share_one_sampler() -> None:
    sampler = Sampler(FakeBackend())
    samples: list[Sample] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                samples.append(sampler.sample())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(samples) == 20
    assert sum(s.rates is None for s in samples) == 1
    for s in samples:
        if s.rates is not None:
            assert s.rates.elapsed >= 0
            assert s.rates.cpu is not None
            assert s.rates.cpu.percent == pytest.approx(37.5)


def test_public_names() -> None:
    assert darwin_metrics.Sampler is Sampler
    assert darwin_metrics.Sample is Sample


def test_linux_backend_on_captured_tree(ne_tree: Tree) -> None:
    from darwin_metrics.linux.backend import LinuxBackend

    sampler = Sampler(LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs))
    first = sampler.sample()
    second = sampler.sample()
    assert first.rates is None
    rates = second.rates
    assert rates is not None
    snap = second.snapshot
    assert snap.memory is not None
    assert snap.memory.total == 3831959552  # MemTotal: 3742148 kB
    # A captured tree does not move: no CPU time accounted (percent None), every rate 0.
    assert rates.cpu is not None
    assert rates.cpu.percent is None
    assert [c.index for c in rates.cpu.cores] == list(range(8))  # cpu0..cpu7 in proc/stat
    assert rates.disks is not None
    assert len(rates.disks) == 51
    sda = rates.disk("sda")
    assert sda is not None
    assert (sda.reads_per_second, sda.read_bytes_per_second, sda.busy_percent) == (0.0, 0.0, 0.0)
    assert rates.processes is not None
    assert {(p.pid, p.create_time): p.cpu_percent for p in rates.processes} == {
        (1, 1418183276.29): 0.0,
        (10, 1418183276.24): 0.0,
        (11, 1418183276.32): 0.0,
    }


def test_rates_on_captured_records(ne_tree: Tree) -> None:
    """Real records from the captured tree, with a later reading made by hand from them."""
    from darwin_metrics.linux.backend import LinuxBackend
    from darwin_metrics.rates import compute_rates

    backend = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs)
    before = take_snapshot(backend)
    assert before.cpu is not None
    core0 = before.cpu.cores[0]
    # proc/stat: cpu0 44490 19 21045 1087069 220 1 3410 0 (USER_HZ 100)
    assert (core0.times.user, core0.times.idle) == (444.90, 10870.69)
    later_core0 = replace(
        core0, times=replace(core0.times, user=core0.times.user + 1.5, idle=core0.times.idle + 0.5)
    )
    later_cpu = replace(before.cpu, cores=(later_core0, *before.cpu.cores[1:]))
    systemd = next(p for p in before.processes or () if p.pid == 1)
    # proc/1/stat: utime 36, stime 98 ticks
    assert (systemd.cpu_times.user, systemd.cpu_times.system) == (0.36, 0.98)
    busy_systemd = replace(
        systemd, cpu_times=replace(systemd.cpu_times, user=systemd.cpu_times.user + 0.25)
    )
    after = replace(before, cpu=later_cpu, processes=(busy_systemd,))
    rates = compute_rates(before, after, 0.5)
    assert rates.cpu is not None
    assert rates.cpu.cores[0].percent == pytest.approx(75.0)
    assert rates.cpu.cores[1].percent is None
    assert rates.process(1) is not None
    assert rates.process(1).cpu_percent == pytest.approx(50.0)  # type: ignore[union-attr]


def test_estimated_process_power_follows_cpu_and_package_power() -> None:
    """The Sampler's estimated per-process power: share of CPU time x measured package power."""
    from darwin_metrics.rates import compute_rates
    from darwin_metrics.records.power import Power, PowerRail
    from darwin_metrics.records.snapshot import Snapshot
    from tests.support import make

    def snap(t: float, proc_user: float, joules: float) -> Snapshot:
        # Each core is half busy: per second of wall time, 0.5 s user and 0.5 s idle.
        cpu = make.cpu([make.core(i, user=t / 2, idle=t / 2) for i in (0, 1)])
        proc = make.proc(42, name="burner", user=proc_user, create_time=5.0)
        rail = PowerRail(name="package-0", source="rapl", domain="package", joules=joules)
        return Snapshot(
            timestamp=0.0,
            platform="linux",
            cpu=cpu,
            processes=(proc,),
            power=Power(rails=(rail,)),
        )

    # Over 1 s the two CPUs were busy 1.0 CPU-second in all (50 %); the process used 0.5 of it,
    # and the package counter rose by 20 J: 20 W.
    rates = compute_rates(snap(10.0, 1.0, 100.0), snap(11.0, 1.5, 120.0), elapsed=1.0)
    assert rates.package_watts == pytest.approx(20.0)
    (estimate,) = rates.estimated_process_power or ()
    assert (estimate.pid, estimate.name) == (42, "burner")
    assert estimate.estimated_share_percent == pytest.approx(50.0)
    assert estimate.estimated_watts == pytest.approx(10.0)
