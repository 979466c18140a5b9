"""A deterministic stand-in for the Sampler: hand-made snapshots whose counters grow by fixed steps,
with the library's own rate computation between them (synthetic values)."""

from __future__ import annotations

import msgspec

from darwin_metrics.rates import compute_rates
from darwin_metrics.records import Process, Sample, Snapshot
from tests.support import make

#: Boot time of the fake machine (seconds since the epoch) and the first sample's time.
BOOT = 1_700_000_000.0
START = BOOT + 3 * 86400 + 4 * 3600 + 5 * 60

#: (pid, ppid, name, user, cpu seconds per step, rss MiB, read bytes per step)
PROCESSES: tuple[tuple[int, int, str, str, float, int, int], ...] = (
    (1, 0, "systemd", "root", 0.01, 12, 0),
    (412, 1, "sshd", "root", 0.0, 8, 0),
    (1200, 412, "bash", "alice", 0.0, 5, 0),
    (1315, 1200, "python3", "alice", 0.9, 420, 2 << 20),
    (1316, 1315, "worker", "alice", 0.45, 96, 0),
    (880, 1, "postgres", "postgres", 0.05, 1200, 8 << 20),
    (881, 880, "postgres: wal", "postgres", 0.02, 64, 0),
    (4194301, 1, "kthreadd-long-name-to-be-cut", "root", 0.0, 0, 0),
)


def _process(step: int, row: tuple[int, int, str, str, float, int, int]) -> Process:
    pid, ppid, name, user, cpu, rss_mib, read = row
    base = make.proc(
        pid,
        ppid=ppid,
        name=name,
        user=cpu * step,
        rss=rss_mib << 20,
        read_bytes=read * step,
        write_bytes=(read // 4) * step,
        create_time=BOOT + pid,
    )
    return msgspec.structs.replace(
        base,
        username=user,
        uid=0 if user == "root" else 1000,
        cmdline=(name, "--serve") if name == "python3" else (name,),
        nice=0,
    )


#: With ``vary``: the load of each second, as a share of the constant load (deterministic).
WAVE = (1.0, 1.0, 0.7, 0.4, 0.6, 0.9, 1.0, 0.8, 0.5, 0.3, 0.6, 0.8, 1.0, 0.9, 0.6)


def _cumulative(step: int, vary: bool) -> float:
    """Seconds of "full load" done in the first ``step`` seconds."""
    if not vary:
        return float(step)
    return sum(WAVE[k % len(WAVE)] for k in range(step))


def snapshot(step: int, extra: tuple[Process, ...] = (), vary: bool = False) -> Snapshot:
    """The fake machine after ``step`` seconds (with ``vary``, a load that rises and falls)."""
    busy = (0.2, 0.9, 0.5, 0.05)
    done = _cumulative(step, vary)
    cores = [make.core(i, user=busy[i] * done, idle=step - busy[i] * done) for i in range(4)]
    cpu = msgspec.structs.replace(make.cpu(cores, "Demo CPU 4000"), boot_time=BOOT)
    return Snapshot(
        timestamp=START + step,
        platform="linux",
        cpu=cpu,
        memory=make.memory(),
        disks=(
            make.disk("nvme0n1", read_bytes=int((3 << 20) * done), write_bytes=(1 << 20) * step),
        ),
        interfaces=(
            make.iface("eth0", rx_bytes=int((5 << 20) * done), tx_bytes=(300 << 10) * step),
            make.iface("lo", index=1, rx_bytes=(2 << 10) * step, tx_bytes=(2 << 10) * step),
        ),
        processes=tuple(_process(step, row) for row in PROCESSES) + extra,
    )


class FakeSource:
    """Call it for the next sample; ``extra`` processes are added to every snapshot; ``vary``
    makes the load rise and fall from second to second."""

    def __init__(self, extra: tuple[Process, ...] = (), vary: bool = False) -> None:
        self.step = 0
        self.extra = extra
        self.vary = vary
        self.previous: Snapshot | None = None

    def __call__(self) -> Sample:
        self.step += 1
        now = snapshot(self.step, self.extra, self.vary)
        before, self.previous = self.previous, now
        if before is None:
            return Sample(timestamp=now.timestamp, snapshot=now)
        rates = compute_rates(before, now, 1.0)
        return Sample(timestamp=now.timestamp, snapshot=now, elapsed=1.0, rates=rates)
