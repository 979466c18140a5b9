"""CPU cost of ``darwin-metrics top`` against glances, side by side, with 1000 extra processes.

Both run at the same time for the same window: ours full screen in a pseudo-terminal (120x40) with
``--interval 1``, glances at ``-t 1`` either in quiet mode (``--glances quiet``, the default:
``glances -q``, which collects every plugin each second and draws nothing, a floor under its
full-screen cost) or full screen in a pseudo-terminal of the same size (``--glances screen``). The
figure is CPU seconds (user + system,
all threads) per wall second of each process over the window, after a warm-up; three runs, and the
ratio ours / glances of each. Each run also prints the number of processes at the start and the
end of its window: on a shared machine other programs' processes come and go, and a run whose
count moved much measured both programs over a different table.

glances lives in a virtual environment of its own, ``benchmarks/.venv-glances`` (git-ignored),
created here with pip on first use.

    python benchmarks/bench_top.py [--runs 3] [--window 20] [--extra 1000] [--glances screen]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import shutil
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

from _support import idle_processes

HERE = Path(__file__).resolve().parent
GLANCES_VENV = HERE / ".venv-glances"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def glances_command(mode: str = "quiet") -> list[str]:
    """``glances`` from its own virtual environment (created with pip when missing), quiet
    (``-q``) or drawing its screen."""
    binary = GLANCES_VENV / "bin" / "glances"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(GLANCES_VENV)], check=True)
        pip = [str(GLANCES_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "glances"], check=True)
    return [str(binary), *(["-q"] if mode == "quiet" else []), "-t", "1"]


def ours_command() -> list[str]:
    """``darwin-metrics top --interval 1`` from the environment running this script."""
    script = Path(sys.executable).parent / "darwin-metrics"
    found = str(script) if script.exists() else shutil.which("darwin-metrics")
    if found is None:
        raise SystemExit("darwin-metrics is not installed in this environment")
    return [found, "top", "--interval", "1"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def start_in_terminal(
    argv: list[str], columns: int = 120, rows: int = 40
) -> subprocess.Popen[bytes]:
    """Start ``argv`` on a new pseudo-terminal whose output is read and dropped."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(columns), LINES=str(rows))
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)

    def drain() -> None:
        while True:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
        os.close(master)

    threading.Thread(target=drain, daemon=True).start()
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def process_count() -> int:
    """Processes on the machine now (numeric entries of /proc)."""
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


def one_run(window: float, warmup: float, mode: str) -> tuple[float, float, int, int]:
    """CPU seconds per wall second of ours and of glances over one shared window, and the number
    of processes at its start and end."""
    ours = start_in_terminal(ours_command())
    if mode == "screen":
        glances = start_in_terminal(glances_command(mode))
    else:
        glances = subprocess.Popen(
            glances_command(mode),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        time.sleep(warmup)
        for proc in (ours, glances):
            if proc.poll() is not None:
                raise SystemExit(f"{proc.args[0]} exited early with {proc.returncode}")
        count_before = process_count()
        start = time.monotonic()
        before = (cpu_seconds(ours.pid), cpu_seconds(glances.pid))
        time.sleep(window)
        after = (cpu_seconds(ours.pid), cpu_seconds(glances.pid))
        elapsed = time.monotonic() - start
        count_after = process_count()
    finally:
        stop(ours)
        stop(glances)
    return (
        (after[0] - before[0]) / elapsed,
        (after[1] - before[1]) / elapsed,
        count_before,
        count_after,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds before measuring")
    parser.add_argument("--extra", type=int, default=1000, help="idle processes added")
    parser.add_argument("--glances", choices=("quiet", "screen"), default="quiet")
    args = parser.parse_args()
    glances_command()  # install before timing anything
    with idle_processes(args.extra):
        print(
            f"glances {args.glances} mode; {len(os.listdir('/proc'))} /proc entries, "
            f"load {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs"
        )
        print(
            f"{'run':>3} {'ours':>9} {'glances':>9} {'ratio':>7} {'processes':>11}"
            "   (CPU s per s; processes at start-end)"
        )
        ratios = []
        for run in range(1, args.runs + 1):
            ours, glances, first, last = one_run(args.window, args.warmup, args.glances)
            ratios.append(ours / glances if glances > 0 else float("inf"))
            counts = f"{first}-{last}"
            print(f"{run:>3} {ours:>9.3f} {glances:>9.3f} {ratios[-1]:>7.2f} {counts:>11}")
        print(
            f"ratio ours/glances: median {statistics.median(ratios):.2f}, "
            f"range {min(ratios):.2f}-{max(ratios):.2f}; load now {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
