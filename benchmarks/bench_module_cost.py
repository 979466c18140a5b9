"""What the number of modules costs a one-shot process: the most that merging modules could save.

``import darwin_metrics as dm; dm.snapshot(processes=False)`` imports a few dozen of the
package's modules. Each import costs the import machinery (finding the file, reading and
unmarshalling its bytecode, a module object) before the module's own statements run. This script
measures that fixed part alone: it counts the package modules a snapshot imports, writes a
throw-away package with that many *empty* modules (bytecode compiled first), and times whole
processes in the runtime environment of ``bench_cold.py`` (only darwin_metrics and its runtime
dependencies), alternated round after round (CPU time from ``os.wait4``, medians of ``--runs``):

- ``python -c pass``;
- importing the empty modules one by one;
- importing one empty module.

The difference between the last two (the median of each round's difference) is what merging
every snapshot module into one would save at most (their statements, the record classes and the reads still run); it is printed beside the
whole ``import + snapshot(processes=False)`` process. ``bench_cold.py`` has the cold-start pairs
against psutil.

    python benchmarks/bench_module_cost.py [--runs 15]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _support import table
from bench_cold import runtime_environment

COUNT_SCRIPT = (
    "import sys, darwin_metrics as dm; dm.snapshot(processes=False); "
    "print(sum(1 for m in sys.modules if m.split('.')[0] == 'darwin_metrics'))"
)


def snapshot_module_count(py: str) -> int:
    """How many darwin_metrics modules one ``snapshot(processes=False)`` imports."""
    out = subprocess.run([py, "-c", COUNT_SCRIPT], capture_output=True, check=True, text=True)
    return int(out.stdout.split()[-1])


def empty_package(directory: Path, count: int) -> None:
    """``emptypkg`` with ``count`` modules holding one assignment each, compiled."""
    package = directory / "emptypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for i in range(count):
        (package / f"m{i}.py").write_text(f"VALUE = {i}\n")
    compileall.compile_dir(str(package), quiet=1)


def cpu_ms(argv: list[str], env: dict[str, str]) -> float:
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv} failed")
    return (usage.ru_utime + usage.ru_stime) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds (>= 9)")
    args = parser.parse_args(argv)
    runs = max(args.runs, 9)
    with tempfile.TemporaryDirectory() as tmp:
        py = str(runtime_environment(Path(tmp, "env")) / "python")
        count = snapshot_module_count(py)
        empty_package(Path(tmp), count)
        env = {**os.environ, "PYTHONPATH": tmp}
        many = "; ".join(f"import emptypkg.m{i}" for i in range(count))
        commands = {
            "python -c pass": [py, "-c", "pass"],
            f"{count} empty modules": [py, "-c", many],
            "1 empty module": [py, "-c", "import emptypkg.m0"],
            "import + snapshot(processes=False)": [py, "-c", COUNT_SCRIPT.replace("print", "")],
        }
        samples: dict[str, list[float]] = {label: [] for label in commands}
        for round_ in range(runs + 1):
            for label, command in commands.items():
                ms = cpu_ms(command, env)
                if round_:  # the first round warms the caches
                    samples[label].append(ms)
    medians = {label: statistics.median(values) for label, values in samples.items()}
    print(
        f"median CPU ms of {runs} alternated rounds, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)"
    )
    print(table(["command", "CPU ms"], [[k, f"{v:.1f}"] for k, v in medians.items()]))
    many_ms, one_ms = samples[f"{count} empty modules"], samples["1 empty module"]
    saved = statistics.median(a - b for a, b in zip(many_ms, one_ms, strict=True))
    print(
        f"the import machinery of {count} modules: {saved:.1f} ms "
        f"({saved / max(count - 1, 1) * 1e3:.0f} us a module), the most that merging the "
        f"snapshot's {count} modules into one could save of the "
        f"{medians['import + snapshot(processes=False)']:.1f} ms process"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
