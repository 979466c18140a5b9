"""Recording at 1 Hz: CPU per second of recording, and database bytes per hour per family.

Each run, for ``--seconds`` seconds at one sample per second:

* the real command, ``darwin-metrics record --interval 1`` (every family but processes), runs as a
  child process; its CPU time (user + system, from the kernel) between the end of a warm-up and
  the end of the run, divided by the wall time, is the cost of recording. Target: under 1 % of one
  core.
* a second ``record`` child records every family but processes and ``connection_counts`` (whose
  socket dump is most of the sampling cost), for comparison.
* in this process one Sampler feeds one Recorder per family (and one for all families), each with
  its own database file; the growth of each file over the run (live pages after a checkpoint) is
  that family's bytes per hour. The CPU time of ``sample()`` and of the all-families
  ``record()`` are reported apart: sampling is the library's cost, ``record()`` the history's.

    python benchmarks/bench_record.py [--runs 3] [--seconds 120]

The machine's load average is printed with each run: figures from a shared machine are only
comparable with others taken under the same load.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from darwin_metrics.history.recorder import Recorder
from darwin_metrics.metricpath import flatten, root_types
from darwin_metrics.sampler import Sampler

WARMUP = 10


def live_bytes(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * size)
    finally:
        conn.close()


def one_run(seconds: int, folder: Path) -> dict[str, float]:
    sampler = Sampler(processes=False)
    first = sampler.sample()
    families = sorted(
        name for name in root_types() if name != "processes" and flatten(first, [name])
    )
    command = [sys.executable, "-m", "darwin_metrics", "record", "--db"]
    child = subprocess.Popen([*command, str(folder / "cmd.db")], stderr=subprocess.DEVNULL)
    # The same without connection_counts, whose socket dump is most of the sampling cost.
    cheaper = ",".join(f for f in families if f != "connection_counts")
    child2 = subprocess.Popen(
        [*command, str(folder / "cmd2.db"), "--families", cheaper], stderr=subprocess.DEVNULL
    )
    recorders = {name: Recorder(folder / f"{name}.db", families=[name]) for name in families}
    recorders["all"] = Recorder(folder / "all.db")
    sample_cpu = record_cpu = 0.0
    sizes: dict[str, int] = {}
    started = time.monotonic()
    child_cpu0 = 0.0
    child_t0 = 0.0
    for tick in range(seconds + WARMUP):
        t0 = time.thread_time()
        sample = sampler.sample()
        t1 = time.thread_time()
        recorders["all"].record(sample)
        t2 = time.thread_time()
        for name in families:
            recorders[name].record(sample)
        if tick == WARMUP - 1:
            for name, recorder in recorders.items():
                recorder.flush()
                sizes[name] = live_bytes(Path(recorder.path))
            times = psutil.Process(child.pid).cpu_times()
            times2 = psutil.Process(child2.pid).cpu_times()
            child_cpu0, child_t0 = times.user + times.system, time.monotonic()
            child2_cpu0 = times2.user + times2.system
            sample_cpu = record_cpu = 0.0
        else:
            sample_cpu += t1 - t0
            record_cpu += t2 - t1
        time.sleep(max(0.0, started + tick + 1 - time.monotonic()))
    times = psutil.Process(child.pid).cpu_times()
    times2 = psutil.Process(child2.pid).cpu_times()
    child_cpu = times.user + times.system - child_cpu0
    child2_cpu = times2.user + times2.system - child2_cpu0
    child_wall = time.monotonic() - child_t0
    for one in (child, child2):
        one.terminate()
    for one in (child, child2):
        # A process that touched a wedged network/FUSE mount (volumes) cannot finish exiting
        # while the mount hangs; its figures are taken already, so do not wait for ever.
        with contextlib.suppress(subprocess.TimeoutExpired):
            one.wait(30)
    out = {
        "command_cpu_percent": 100 * child_cpu / child_wall,
        "command_no_conn_percent": 100 * child2_cpu / child_wall,
        "sample_cpu_percent": 100 * sample_cpu / seconds,
        "record_cpu_percent": 100 * record_cpu / seconds,
    }
    for name, recorder in recorders.items():
        recorder.close()
        grown = live_bytes(Path(recorder.path)) - sizes[name]
        out[f"bytes_per_hour:{name}"] = grown * 3600 / seconds
    series = sqlite3.connect(folder / "all.db").execute("SELECT count(*) FROM series").fetchone()
    out["series:all"] = float(series[0])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        load = os.getloadavg()
        with tempfile.TemporaryDirectory() as tmp:
            result = one_run(args.seconds, Path(tmp))
        results.append(result)
        print(
            f"run {run + 1}: load {load[0]:.1f} {load[1]:.1f} on {os.cpu_count()} CPUs; "
            f"command {result['command_cpu_percent']:.2f} % of a core "
            f"({result['command_no_conn_percent']:.2f} % without connection_counts); sample() "
            f"{result['sample_cpu_percent']:.2f} %, record() {result['record_cpu_percent']:.2f} %; "
            f"{int(result['series:all'])} series; "
            f"all families {result['bytes_per_hour:all'] / 2**20:.2f} MiB/hour",
            flush=True,
        )
    print(f"\n{args.runs} runs of {args.seconds} s at 1 Hz: median [min - max]")
    keys = [k for k in results[0] if k != "series:all"]
    for key in keys:
        values = [r.get(key, float("nan")) for r in results]
        if key.startswith("bytes_per_hour:"):
            scaled = [v / 2**10 for v in values]
            print(
                f"  {key.split(':')[1]:<22} {statistics.median(scaled):9.0f} KiB/hour "
                f"[{min(scaled):.0f} - {max(scaled):.0f}]"
            )
        else:
            print(
                f"  {key:<22} {statistics.median(values):9.2f} % of a core "
                f"[{min(values):.2f} - {max(values):.2f}]"
            )
    verdict = statistics.median(r["command_cpu_percent"] for r in results)
    print(f"target: record command under 1 % of a core: {'met' if verdict < 1 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
