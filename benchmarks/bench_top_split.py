"""Where ``darwin-metrics top`` spends its CPU: the sample read, the dashboard's own work, Textual.

Runs the dashboard (this environment's code) full screen in a 120x40 pseudo-terminal with 1000
extra idle processes at a 1 s refresh, and after a warm-up measures over a window, in CPU seconds
per wall second: the whole process (all threads), reading the samples (the Sampler, in a worker
thread: the process table, its rates, the other drawn families), applying them (``apply``: the
panels' and the table's own work: pairing rates, sorting, formatting the visible lines, reading
the rows on screen whole), Textual's compositor refresh (rendering the repainted lines and writing
them to the terminal), and the rest (Textual's event loop, layout, timers). The compositor is
timed by wrapping ``Screen._compositor_refresh``, a private Textual method (measuring only).

    python benchmarks/bench_top_split.py [--runs 3] [--window 20] [--extra 1000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _support import idle_processes
from bench_top import process_count, start_in_terminal, stop

HERE = Path(__file__).resolve()


def child(window: float, warmup: float, out: str) -> None:
    """Run the dashboard, measure one window, write the figures to ``out`` as JSON, and quit."""
    from textual.screen import Screen

    from darwin_metrics.records.rates import Sample
    from darwin_metrics.tui.app import Dashboard

    spent = {"source": 0.0, "apply": 0.0, "compositor": 0.0}
    on = [False]
    refresh = Screen._compositor_refresh

    def timed_refresh(screen: Screen[Any]) -> None:
        start = time.thread_time()
        refresh(screen)
        if on[0]:
            spent["compositor"] += time.thread_time() - start

    Screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]

    class Timed(Dashboard):
        def __init__(self) -> None:
            super().__init__(interval=1.0)
            inner = self.source

            def source() -> Sample:
                start = time.thread_time()
                sample = inner()
                if on[0]:
                    spent["source"] += time.thread_time() - start
                return sample

            self.source = source

        def apply(self, sample: Sample) -> None:
            start = time.thread_time()
            super().apply(sample)
            if on[0]:
                spent["apply"] += time.thread_time() - start

        def on_mount(self) -> None:
            super().on_mount()
            self.set_timer(warmup, self.begin)
            self.set_timer(warmup + window, self.end)

        def begin(self) -> None:
            on[0] = True
            self.started = (time.monotonic(), time.process_time())

        def end(self) -> None:
            on[0] = False
            wall = time.monotonic() - self.started[0]
            total = time.process_time() - self.started[1]
            figures = {k: v / wall for k, v in spent.items()}
            figures["total"] = total / wall
            figures["rest"] = figures["total"] - sum(spent.values()) / wall
            Path(out).write_text(json.dumps(figures), encoding="utf-8")
            self.exit()

    app = Timed()
    app.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds before measuring")
    parser.add_argument("--extra", type=int, default=1000, help="idle processes added")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.window, args.warmup, args.child)
        return
    parts = ("total", "source", "apply", "compositor", "rest")
    with idle_processes(args.extra), tempfile.TemporaryDirectory() as tmp:
        print(f"{process_count()} processes; CPU s per s of the dashboard, 120x40, 1 s refresh")
        print(f"{'run':>3} " + " ".join(f"{p:>10}" for p in parts))
        for run in range(1, args.runs + 1):
            out = Path(tmp) / f"run{run}.json"
            argv = [sys.executable, str(HERE), "--child", str(out)]
            argv += ["--window", str(args.window), "--warmup", str(args.warmup)]
            proc = start_in_terminal(argv)
            try:
                proc.wait(timeout=args.warmup + args.window + 30)
            finally:
                stop(proc)
            if not out.exists():
                raise SystemExit(f"run {run}: the dashboard wrote no figures")
            figures = json.loads(out.read_text(encoding="utf-8"))
            print(f"{run:>3} " + " ".join(f"{figures[p]:>10.4f}" for p in parts))


if __name__ == "__main__":
    main()
