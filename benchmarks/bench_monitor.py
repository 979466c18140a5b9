"""What monitoring costs: CPU seconds per wall second of a process running a Monitor, beside glances.

    python benchmarks/bench_monitor.py [--seconds 10] [--repeat 1] [--extra 0,200,1000]
    python benchmarks/bench_monitor.py --soak 600 [--no-processes]   # RSS at 10 Hz (slow; by hand)
    python benchmarks/bench_monitor.py --families      # each family's read time (the async split)

For each number of extra idle processes (0, 200, 1000) glances runs in quiet mode at its 1 s
refresh (from a venv of this benchmark's own, ``benchmarks/.venv-glances``, made on first use with
pip), and beside it, in the same windows, a child process runs ``Monitor`` at 1 Hz and 10 Hz,
with and without processes, consuming every event. Each figure is the CPU time (user + system) the
process used over a measured window after a warm-up, divided by the window: 0.005 = 0.5 % of one
core. With ``--repeat N`` each is measured N times and the median and range are printed.

Targets (issue 10): Monitor at 1 Hz without processes under 0.5 % of one core; at 1 Hz with
processes and 1000 extra processes at most one third of glances.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _support import idle_processes  # noqa: E402

GLANCES_VENV = HERE / ".venv-glances"
CONFIGS = ((1.0, False), (1.0, True), (10.0, False), (10.0, True))
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# --- the measured child --------------------------------------------------------------------------
def child(hz: float, processes: bool, warmup: float, seconds: float) -> None:
    """Run a Monitor with a consumer; print JSON with CPU per wall second over ``seconds``."""
    from darwin_metrics.monitor import Monitor

    monitor = Monitor(interval=1.0 / hz, processes=processes)
    events = monitor.events()
    count = [0]

    def drain() -> None:
        for _ in events:
            count[0] += 1

    consumer = threading.Thread(target=drain)
    with monitor:
        consumer.start()
        time.sleep(warmup)
        before = _cpu_self()
        start = time.monotonic()
        ticks = monitor.stats.ticks
        time.sleep(seconds)
        cpu = _cpu_self() - before
        wall = time.monotonic() - start
        ticks = monitor.stats.ticks - ticks
    consumer.join()
    out = {"cpu_per_second": cpu / wall, "ticks": ticks, "missed": monitor.stats.missed_ticks}
    out["events"] = count[0]
    print(json.dumps(out), flush=True)


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_of(pid: int) -> float | None:
    """User + system seconds of process ``pid`` and its threads (``/proc/PID/stat``)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


# --- glances -------------------------------------------------------------------------------------
def glances_command() -> list[str] | None:
    """glances from the benchmark's venv (made on first use), or ``None`` with the reason printed."""
    exe = GLANCES_VENV / "bin" / "glances"
    if not exe.exists():
        print(f"making {GLANCES_VENV} with glances (pip) ...", flush=True)
        made = subprocess.run(
            f"{sys.executable} -m venv {GLANCES_VENV} && "
            f"{GLANCES_VENV}/bin/pip install --quiet glances",
            shell=True,
            capture_output=True,
            text=True,
        )
        if made.returncode != 0 or not exe.exists():
            print(f"glances unavailable: {made.stderr.strip()[-300:]}")
            return None
    return [str(exe), "--quiet", "--time", "1", "--disable-webui"]


def _start_glances(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


# --- the run -------------------------------------------------------------------------------------
def measure(hz: float, processes: bool, warmup: float, seconds: float) -> dict[str, float]:
    """Run one child and take its JSON line. The child is not waited for past that line: a
    ``statvfs`` stuck in the kernel on a dead FUSE or NFS mount (the library abandons such a
    thread) keeps a process from finishing its exit until the call returns."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", f"{hz},{int(processes)},{warmup},{seconds}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    child.kill()
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        print("(a measured child could not finish exiting: a call stuck in the kernel)")
    if not line:
        raise RuntimeError("the measured child printed nothing")
    result: dict[str, float] = json.loads(line)
    return result


def run(extras: list[int], seconds: float, repeat: int) -> None:
    glances = glances_command()
    print(f"machine load at start: {os.getloadavg()[0]:.2f} (1-min average), {os.cpu_count()} CPUs")
    print(f"{seconds:g} s windows, {repeat} run(s) each; figures are % of one core")
    results: list[tuple[int, str, list[float], list[float]]] = []
    for extra in extras:
        with idle_processes(extra):
            proc = _start_glances(glances) if glances else None
            if proc is not None:
                time.sleep(8.0)  # glances imports and takes its first readings
            for hz, processes in CONFIGS:
                mine: list[float] = []
                theirs: list[float] = []
                for _ in range(repeat):
                    g0 = _cpu_of(proc.pid) if proc is not None else None
                    t0 = time.monotonic()
                    got = measure(hz, processes, warmup=2.0, seconds=seconds)
                    g1 = _cpu_of(proc.pid) if proc is not None else None
                    if g0 is not None and g1 is not None:
                        theirs.append((g1 - g0) / (time.monotonic() - t0))
                    mine.append(got["cpu_per_second"])
                label = f"{hz:g} Hz, {'with' if processes else 'without'} processes"
                results.append((extra, label, mine, theirs))
                print(_line(extra, label, mine, theirs), flush=True)
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    _verdicts(results)
    print(f"machine load at end: {os.getloadavg()[0]:.2f} (shared machine: other sessions run)")


def _fmt(values: list[float]) -> str:
    if not values:
        return "n/a"
    med = statistics.median(values) * 100
    if len(values) == 1:
        return f"{med:.2f} %"
    return f"{med:.2f} % ({min(values) * 100:.2f}-{max(values) * 100:.2f})"


def _line(extra: int, label: str, mine: list[float], theirs: list[float]) -> str:
    ratio = ""
    if mine and theirs and statistics.median(theirs) > 0:
        ratio = f"  ratio {statistics.median(mine) / statistics.median(theirs):.2f}"
    return (
        f"+{extra:>4} procs  {label:<28} monitor {_fmt(mine):<24} glances 1 s {_fmt(theirs)}{ratio}"
    )


def _verdicts(results: list[tuple[int, str, list[float], list[float]]]) -> None:
    for extra, label, mine, theirs in results:
        if label == "1 Hz, without processes" and extra == 0:
            value = statistics.median(mine) * 100
            verdict = "met" if value < 0.5 else "MISSED"
            print(f"target 1 Hz without processes < 0.5 %: {value:.2f} % ({verdict})")
        if label == "1 Hz, with processes" and extra == 1000 and theirs:
            ratio = statistics.median(mine) / statistics.median(theirs)
            verdict = "met" if ratio <= 1 / 3 else "MISSED"
            print(f"target 1 Hz with processes, +1000: <= 1/3 of glances: {ratio:.2f} ({verdict})")


def soak(seconds: float, processes: bool = True) -> None:
    """RSS of a 10 Hz Monitor (with processes unless told), after a 60 s warm-up, every 10 s for
    ``seconds``.

    Beside RSS it prints Python's allocated blocks (``sys.getallocatedblocks``: what a leak of
    objects shows as) and the machine's process count at both ends: on a shared machine the
    process table, and so the memory of a monitor reading it, grows and shrinks with other work.
    """
    from darwin_metrics.monitor import Monitor

    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def process_count() -> int:
        return sum(1 for name in os.listdir("/proc") if name.isdigit())

    with Monitor(interval=0.1, processes=processes) as monitor:
        events = monitor.events()
        threading.Thread(target=lambda: sum(1 for _ in events), daemon=True).start()
        time.sleep(60.0)
        start, blocks, procs = rss(), sys.getallocatedblocks(), process_count()
        readings = [start]
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(10.0)
            readings.append(rss())
        stats = monitor.stats
        last_blocks, last_procs = sys.getallocatedblocks(), process_count()
    growth = (readings[-1] - start) / 2**20
    print(
        f"soak {seconds:g} s at 10 Hz {'with' if processes else 'without'} processes: RSS {start / 2**20:.1f} MiB after warm-up, "
        f"{readings[-1] / 2**20:.1f} MiB at the end, growth {growth:+.2f} MiB "
        f"(min {min(readings) / 2**20:.1f}, max {max(readings) / 2**20:.1f}); "
        f"allocated blocks {blocks} -> {last_blocks}; processes on the machine {procs} -> "
        f"{last_procs}; ticks {stats.ticks}, missed {stats.missed_ticks}, events {stats.events}; "
        f"target < 1 MiB: {'met' if growth < 1 else 'MISSED'}",
        flush=True,
    )


def families() -> None:
    """Median read time of each family (what decides the async split)."""
    from darwin_metrics.backend import default_backend
    from darwin_metrics.collect import FAMILIES, read_families
    from darwin_metrics.monitor.aio import EXPENSIVE

    backend = default_backend()
    read_families(backend, [n for n, _ in FAMILIES])
    for name, _ in FAMILIES:
        times = []
        for _ in range(9):
            start = time.perf_counter()
            read_families(backend, [name])
            times.append(time.perf_counter() - start)
        where = "worker thread" if name in EXPENSIVE else "event loop"
        print(f"{name:<18} {statistics.median(times) * 1e6:>9.0f} µs  ({where})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--extra", default="0,200,1000")
    parser.add_argument("--soak", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--families", action="store_true")
    parser.add_argument("--no-processes", dest="processes", action="store_false")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        hz, processes, warmup, seconds = args.child.split(",")
        child(float(hz), processes == "1", float(warmup), float(seconds))
    elif args.soak is not None:
        soak(args.soak, args.processes)
    elif args.families:
        families()
    else:
        families()
        run([int(x) for x in args.extra.split(",")], args.seconds, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
