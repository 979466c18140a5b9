"""Live cross-checks of processes(), process(), threads() and process_tree() on this machine.

psutil is the oracle. A live system moves between two reads, so values are compared only for
processes alive (same pid and start time) in all reads, and counters are bracketed: psutil's
reading, taken between two of ours, must lie between them (with one clock tick of slack for CPU
times). Tolerances are stated next to each comparison.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import psutil
import pytest

import darwin_metrics
from darwin_metrics.errors import NoSuchProcess
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.records.process import Process, ProcessNode
from tests.support.unprivileged import package_for_others

pytestmark = pytest.mark.live

ATTRS = [
    "pid",
    "ppid",
    "name",
    "cmdline",
    "status",
    "username",
    "cpu_times",
    "memory_info",
    "num_threads",
    "io_counters",
    "create_time",
]
TICK = 1.0 / os.sysconf("SC_CLK_TCK")
#: RSS may move between two reads of a running process: allow 2 MiB or 10 %.
RSS_SLACK = 2 * 1024 * 1024
STATES = {
    "running",
    "sleeping",
    "disk-sleep",
    "stopped",
    "tracing-stop",
    "zombie",
    "dead",
    "idle",
    "parked",
    "wake-kill",
    "waking",
    "unknown",
}


def _by_pid(procs: tuple[Process, ...]) -> dict[int, Process]:
    return {p.pid: p for p in procs}


def test_processes_match_psutil() -> None:
    before = _by_pid(LinuxBackend().processes())
    theirs = {p.pid: p.info for p in psutil.process_iter(attrs=ATTRS)}
    after = _by_pid(LinuxBackend().processes())
    common = [
        pid
        for pid in before
        if pid in theirs
        and pid in after
        and before[pid].create_time == after[pid].create_time
        and theirs[pid]["create_time"] is not None
        and abs(theirs[pid]["create_time"] - (before[pid].create_time or 0)) < 1.0
    ]
    assert len(common) >= 0.8 * len(before), "most processes outlive one second"
    for pid in common:
        a, b, t = before[pid], after[pid], theirs[pid]
        assert a.ppid == t["ppid"] or a.ppid != b.ppid, pid  # re-parented between reads only
        # psutil lengthens a 15-character comm from the command line; kworkers rename themselves.
        assert (
            a.name != b.name
            or a.name.startswith("kworker/")  # renamed per work item, even back and forth
            or t["name"] == a.name
            or (len(a.name) == 15 and t["name"].startswith(a.name))
        ), pid
        if a.num_threads == b.num_threads:
            assert t["num_threads"] == a.num_threads, pid
        lo, hi = sorted((a.memory.rss, b.memory.rss))
        rss = t["memory_info"].rss
        assert lo - max(RSS_SLACK, lo // 10) <= rss <= hi + max(RSS_SLACK, hi // 10), pid
        for field in ("user", "system"):
            ours_a = getattr(a.cpu_times, field)
            ours_b = getattr(b.cpu_times, field)
            assert ours_a - TICK <= getattr(t["cpu_times"], field) <= ours_b + TICK, (pid, field)
        if a.username is not None:
            assert t["username"] in (a.username, str(a.uid)), pid
        if a.cmdline == b.cmdline and a.cmdline is not None:
            # psutil keeps trailing empty arguments; we drop them with the NUL padding that
            # processes rewriting their argv leave (see parsers/cmdline.py)
            args = list(t["cmdline"] or ())
            while args and args[-1] == "":
                args.pop()
            assert tuple(args) == a.cmdline, pid
        if a.io is not None and b.io is not None and t["io_counters"] is not None:
            assert a.io.read_chars <= t["io_counters"].read_chars <= b.io.read_chars, pid  # type: ignore[operator]
            assert a.io.write_bytes <= t["io_counters"].write_bytes <= b.io.write_bytes, pid


def test_own_process() -> None:
    me = darwin_metrics.process(os.getpid())
    ps = psutil.Process()
    assert me.pid == os.getpid()
    assert me.ppid == os.getppid()
    assert me.name == ps.name()[:15]
    assert me.exe == os.path.realpath(sys.executable) == ps.exe()
    assert me.cmdline == tuple(ps.cmdline())
    assert me.status == "running"
    assert (me.uid, me.gid) == (os.getuid(), os.getgid())
    assert me.username == pwd.getpwuid(os.getuid()).pw_name
    assert me.num_threads == ps.num_threads() == len(os.listdir("/proc/self/task"))
    # Our own fds move only when this test opens files: allow 2.
    assert me.num_fds is not None and abs(me.num_fds - ps.num_fds()) <= 2
    assert me.create_time is not None
    assert abs(me.create_time - ps.create_time()) < 0.02
    assert psutil.boot_time() - 1 <= me.create_time <= time.time()
    assert abs(me.memory.rss - ps.memory_info().rss) <= max(RSS_SLACK, me.memory.rss // 10)
    assert abs(me.memory.vms - ps.memory_info().vms) <= 16 * 1024 * 1024
    assert me.memory.shared is not None and me.memory.swap is not None
    assert me.voluntary_ctx_switches is not None and me.involuntary_ctx_switches is not None
    assert me.voluntary_ctx_switches <= ps.num_ctx_switches().voluntary
    assert me.io is not None
    assert me.io.read_chars is not None and me.io.read_chars <= ps.io_counters().read_chars
    assert me.nice == ps.nice()
    assert me.last_cpu is not None and 0 <= me.last_cpu < (os.cpu_count() or 1)


def test_dead_pid_and_reaped_child() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with pytest.raises(NoSuchProcess):
        darwin_metrics.process(child.pid)
    with pytest.raises(NoSuchProcess):
        darwin_metrics.threads(child.pid)
    with pytest.raises(NoSuchProcess):
        darwin_metrics.process(2**22 + 12345)  # above the largest pid_max


def test_zombie() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        child.kill()
        deadline = time.monotonic() + 10
        while darwin_metrics.process(child.pid).status != "zombie":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        zombie = darwin_metrics.process(child.pid)
        assert zombie.cmdline == ()
        assert zombie.exe is None
        assert zombie.ppid == os.getpid()
        assert zombie.memory.rss == 0 and zombie.memory.shared == 0
    finally:
        child.wait()


@pytest.fixture
def worker_threads() -> Iterator[list[threading.Thread]]:
    stop = threading.Event()
    workers = [threading.Thread(target=stop.wait, daemon=True) for _ in range(3)]
    for w in workers:
        w.start()
    yield workers
    stop.set()
    for w in workers:
        w.join()


def test_threads_of_a_process_with_several(worker_threads: list[threading.Thread]) -> None:
    threads = darwin_metrics.threads(os.getpid())
    tids = {t.tid for t in threads}
    assert {w.native_id for w in worker_threads} <= tids
    assert os.getpid() in tids
    assert tids == {int(t) for t in os.listdir("/proc/self/task")}
    ps_threads = {t.id: t for t in psutil.Process().threads()}
    for t in threads:
        assert t.status in STATES
        assert t.user >= 0 and t.system >= 0
        if t.tid in ps_threads:
            assert ps_threads[t.tid].user_time >= t.user - TICK
    # A thread id opens /proc/TID but is not a process.
    worker = worker_threads[0].native_id
    assert worker is not None
    with pytest.raises(NoSuchProcess):
        darwin_metrics.process(worker)


def test_concurrent_enumerations() -> None:
    """One reader shared by several threads (as the default backend is) stays consistent."""
    backend = LinuxBackend()
    errors: list[BaseException] = []

    def loop() -> None:
        try:
            for _ in range(10):
                procs = backend.processes()
                assert procs and len({p.pid for p in procs}) == len(procs)
                assert backend._process_reader().known_parents()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=loop) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors


def test_process_tree_has_every_process_once() -> None:
    roots = LinuxBackend().process_tree()
    seen: list[int] = []
    edges: list[tuple[int, Process]] = []

    def walk(node: ProcessNode) -> None:
        seen.append(node.process.pid)
        for child in node.children:
            edges.append((node.process.pid, child.process))
            walk(child)

    for root in roots:
        walk(root)
    assert len(seen) == len(set(seen))
    assert os.getpid() in seen
    assert 1 in [r.process.pid for r in roots]
    # A child hangs under its parent, or under an ancestor when its parent was not read.
    present = set(seen)
    for parent, child in edges:
        assert child.ppid == parent or child.ppid not in present


def test_public_process_tree_callable_twice() -> None:
    assert darwin_metrics.process_tree()
    assert darwin_metrics.process_tree()


def test_public_snapshot_callable_twice() -> None:
    assert darwin_metrics.snapshot(processes=False)
    assert darwin_metrics.snapshot(processes=False)


_UNPRIVILEGED = """
import json, os, sys
import darwin_metrics as dm
one = dm.process(1)
me = dm.process(os.getpid())
procs = dm.processes()
print(json.dumps({
    "one": [one.io is None, one.exe, one.uid, one.username, one.num_fds, one.cmdline is not None],
    "me": [me.io is not None, me.exe, me.uid, me.num_fds],
    "others_io_none": sum(1 for p in procs if p.uid == 0 and p.io is None),
    "count": len(procs),
}))
"""


@pytest.mark.root
def test_unprivileged_caller_gets_none_not_errors() -> None:
    """As ``nobody``: other users' io and exe are None; own process fully readable."""
    # `nobody` may not be able to enter the clone (a 0700 home, a fresh mktemp -d): copies of the
    # sources and of msgspec in a world-readable temporary directory are run instead.
    with package_for_others() as (python, env):
        out = subprocess.run(
            [python, "-B", "-c", _UNPRIVILEGED],
            capture_output=True,
            text=True,
            user="nobody",
            env=env,
            cwd="/",
            timeout=60,
        )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    io_none, exe, uid, username, num_fds, has_cmdline = got["one"]
    assert io_none and exe is None and uid == 0 and username == "root" and has_cmdline
    # Linux 6.2+ reports fd counts to anyone through stat(); older kernels deny the listing.
    assert num_fds is None or num_fds >= 0
    me_io, me_exe, me_uid, me_fds = got["me"]
    assert me_io and me_exe == os.path.realpath(python) and me_uid == pwd.getpwnam("nobody").pw_uid
    assert me_fds is not None and me_fds >= 3
    assert got["others_io_none"] >= 1 and got["count"] > 1


def _check(proc: Process, now: float, boot: float) -> None:
    assert proc.pid > 0 and proc.ppid >= 0 and proc.pid != proc.ppid
    assert isinstance(proc.name, str)
    assert proc.status in STATES
    assert proc.num_threads >= 0
    assert proc.memory.rss >= 0 and proc.memory.vms >= 0
    assert proc.memory.shared is None or proc.memory.shared >= 0
    assert proc.memory.swap is None or proc.memory.swap >= 0
    assert proc.cpu_times.user >= 0 and proc.cpu_times.system >= 0
    assert proc.create_time is not None and boot - 1 <= proc.create_time <= now + 1
    assert proc.num_fds is None or proc.num_fds >= 0
    assert proc.cmdline is None or isinstance(proc.cmdline, tuple)
    if proc.io is not None:
        assert proc.io.read_bytes >= 0 and proc.io.write_bytes >= 0
    assert proc.uid is None or proc.uid >= 0


@pytest.mark.slow
def test_churn() -> None:
    """processes() in a loop while another thread starts and kills 320 short-lived processes.

    Each batch of 20 (10 ``sleep`` killed after one enumeration, 10 ``true``) is alive during one
    enumeration and dying or reaped during the next, so reads race with exits and reaping.
    """
    done = threading.Event()
    errors: list[BaseException] = []
    loops = 0
    started = 0

    def next_loop(timeout: float = 5.0) -> None:
        target = loops + 1
        limit = time.monotonic() + timeout
        while loops < target and time.monotonic() < limit:
            time.sleep(0.001)

    def churn() -> None:
        nonlocal started
        try:
            for _ in range(16):
                batch = [subprocess.Popen(["sleep", "5"]) for _ in range(10)]
                batch += [subprocess.Popen(["true"]) for _ in range(10)]
                started += len(batch)
                next_loop()
                for p in batch[:10]:
                    p.kill()
                next_loop()
                for p in batch:
                    p.wait()
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    spawner = threading.Thread(target=churn)
    boot = psutil.boot_time()
    backend = LinuxBackend()
    deadline = time.monotonic() + 60
    spawner.start()
    try:
        while not done.is_set() and time.monotonic() < deadline:
            procs = backend.processes()
            now = time.time()
            assert len({p.pid for p in procs}) == len(procs)
            for proc in procs:
                _check(proc, now, boot)
            if loops % 5 == 0:
                backend.process_tree()
            loops += 1
    finally:
        spawner.join()
    assert not errors
    assert started == 320
    assert loops >= 32
