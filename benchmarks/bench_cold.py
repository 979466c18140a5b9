"""Cold start: whole one-shot processes, ours against a psutil script, CPU time per process.

Each command runs as a fresh process; its CPU time (user + system) comes from ``os.wait4``'s
resource usage. The commands run in turn, round after round (the first round is a discarded
warm-up), and each figure is the median of ``--runs`` rounds (at least 9). Pairs:

- ``darwin-metrics snapshot --json`` against ``benchmarks/psutil_snapshot.py`` (a psutil script
  reading CPU times and frequencies, load, memory, swap, disk counters, partitions with usage,
  interface counters and addresses, temperatures, battery and connections, printing JSON);
- ``python -c "import darwin_metrics as dm; dm.snapshot(processes=False)"`` against the psutil
  calls alone (``psutil_snapshot.py --calls``: import psutil and read, no JSON).

Targets: each at most 1.0 of psutil (we read more families than the psutil script); aim 0.7.
Shown for information: ``--version``, ``--help``, ``snapshot --json --no-processes`` and the bare
interpreter (``python -c pass``). Bytecode is compiled first (``compileall``), so every process
starts from cached bytecode even where ``PYTHONDONTWRITEBYTECODE`` is set.

    python benchmarks/bench_cold.py [--runs 15]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _support import table

import darwin_metrics

HERE = Path(__file__).resolve().parent
PSUTIL_SCRIPT = str(HERE / "psutil_snapshot.py")
TARGET = 1.0
AIM = 0.7


def _cli() -> list[str]:
    """The installed ``darwin-metrics`` script next to this interpreter, else the same entry point."""
    script = Path(sys.executable).parent / "darwin-metrics"
    if script.exists():
        return [str(script)]
    return [
        sys.executable,
        "-c",
        "from darwin_metrics.cli.main import main; raise SystemExit(main())",
    ]


def commands() -> dict[str, list[str]]:
    """Every timed command by label."""
    py = sys.executable
    cli = _cli()
    return {
        "snapshot --json": [*cli, "snapshot", "--json"],
        "psutil script (JSON)": [py, PSUTIL_SCRIPT],
        "import + snapshot(processes=False)": [
            py,
            "-c",
            "import darwin_metrics as dm; dm.snapshot(processes=False)",
        ],
        "psutil calls alone": [py, PSUTIL_SCRIPT, "--calls"],
        "snapshot --json --no-processes": [*cli, "snapshot", "--json", "--no-processes"],
        "--version": [*cli, "--version"],
        "--help": [*cli, "--help"],
        "python -c pass": [py, "-c", "pass"],
    }


def cpu_seconds(argv: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``argv``; output is discarded."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{argv} exited {child.returncode}: {err.decode(errors='replace')}")
    return usage.ru_utime + usage.ru_stime, wall


def _check_json(argv: list[str]) -> int:
    """Run once and check the output is JSON; returns its size in bytes."""
    out = subprocess.run(argv, capture_output=True, check=True).stdout
    json.loads(out)
    return len(out)


def _process_count() -> str:
    """How many processes this machine runs (the process list is part of ``snapshot --json``)."""
    try:
        return str(sum(1 for name in os.listdir("/proc") if name.isdigit()))
    except OSError:
        return "n/a"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed rounds (at least 9)")
    args = parser.parse_args(argv)
    runs = max(args.runs, 9)

    package = Path(darwin_metrics.__file__).parent
    compileall.compile_dir(str(package), quiet=1)
    compileall.compile_file(PSUTIL_SCRIPT, quiet=1)
    cmds = commands()
    ours_bytes = _check_json(cmds["snapshot --json"])
    theirs_bytes = _check_json(cmds["psutil script (JSON)"])

    load_before, procs_before = _load(), _process_count()
    for cmd in cmds.values():  # warm-up round, discarded
        cpu_seconds(cmd)
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    wall: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            c, w = cpu_seconds(cmd)
            cpu[name].append(c)
            wall[name].append(w)
    med = {name: statistics.median(v) for name, v in cpu.items()}
    med_wall = {name: statistics.median(v) for name, v in wall.items()}

    print(f"whole processes: median of {runs} alternated rounds, Python {sys.version.split()[0]}")
    print(f"load average before {load_before}, after {_load()} ({os.cpu_count()} CPUs)")
    print(f"processes on this machine: {procs_before} before, {_process_count()} after")
    rows = [
        [
            name,
            f"{med[name] * 1e3:.1f}",
            f"{min(cpu[name]) * 1e3:.1f}-{max(cpu[name]) * 1e3:.1f}",
            f"{med_wall[name] * 1e3:.1f}",
        ]
        for name in cmds
    ]
    print(table(["command", "CPU ms", "CPU min-max", "wall ms"], rows))
    print(f"JSON output: ours {ours_bytes} bytes, psutil script {theirs_bytes} bytes")

    print()
    pairs = [
        ("snapshot --json", "psutil script (JSON)"),
        ("import + snapshot(processes=False)", "psutil calls alone"),
    ]
    verdicts = []
    for ours, theirs in pairs:
        ratio = med[ours] / med[theirs]
        verdict = "met" if ratio <= TARGET else "NOT met"
        verdict += f", aim {AIM} {'met' if ratio <= AIM else 'not met'}"
        verdicts.append([f"{ours} / {theirs}", f"{ratio:.2f}", verdict])
    # For information: the same output without the process list, which the psutil script lacks.
    ours, theirs = "snapshot --json --no-processes", "psutil script (JSON)"
    verdicts.append([f"{ours} / {theirs}", f"{med[ours] / med[theirs]:.2f}", "(information)"])
    print(table(["pair (CPU medians)", "ratio", f"target <= {TARGET}"], verdicts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
