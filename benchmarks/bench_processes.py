"""darwin_metrics.processes() against psutil.process_iter(), side by side.

For 0, 200 and 1000 extra idle processes (``sleep`` children), both calls are warmed up and then
timed alternately; the medians of ``--runs`` timings (at least 10) and their ratio are printed.
psutil is asked for the issue's field list (pid, ppid, name, cmdline, status, username,
cpu_times, memory_info, num_threads, io_counters, create_time). A third column asks psutil for
everything processes() returns that psutil can give cheaply (adding exe, uids, gids, nice,
terminal, num_fds, num_ctx_switches, cpu_num; not swap, which psutil reads from smaps).
Target: darwin_metrics at most 1/3 of psutil's time at 1000 extra processes. A column times
only the kernel work (open/read/close of the four files and stat() of fd/ per process): the floor
any reader of these fields pays on this machine. The last two columns are ratios of median CPU
time (``time.process_time``, every thread of this process) instead of wall time.

processes() reads every file on every call but returns the previous record of a process whose
files are byte for byte unchanged (an idle process; here the ``sleep`` children and most of the
system are idle between two calls). The "rebuilt" column shows the other extreme, as if every
process had changed: the reader forgets those records before each call, so every record is parsed
and built again (the ``exe`` links, read again only after an exec, stay known).

A second table times ``processes(fields=...)`` against ``process_iter(attrs=[...])`` for the same
fields: the live dashboard's set (``cpu_times``, ``memory``, ``io``: ``stat``, ``status`` and
``io`` per process, against psutil's ``cpu_times``, ``memory_info`` and ``io_counters``) and
``cpu_times`` alone (``stat`` only), each as is and rebuilt. ``--no-fields`` leaves it out.

    python benchmarks/bench_processes.py [--runs 15] [--levels 0,200,1000] [--no-fields]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

import psutil
from _support import alternate_with_cpu, idle_processes, table

import darwin_metrics
from darwin_metrics.backend import default_backend

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
ALL_ATTRS = [
    *ATTRS,
    "exe",
    "uids",
    "gids",
    "nice",
    "terminal",
    "num_fds",
    "num_ctx_switches",
    "cpu_num",
]
#: processes(fields=...) sets and the psutil attrs giving the same data.
FIELD_SETS = (
    ("cpu_times,memory,io", ["cpu_times", "memory_info", "io_counters"]),
    ("cpu_times", ["cpu_times"]),
)
TARGET = 1 / 3
_O_READ = os.O_RDONLY | os.O_CLOEXEC


def file_floor() -> int:
    """Only the kernel work processes() asks for: open, read and close ``stat``, ``status``,
    ``io`` and ``cmdline`` of every process and ``stat()`` its ``fd`` directory, with no parsing
    and no records. The time any reader of these fields pays at least."""
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        base = f"/proc/{name}/"
        for leaf in ("stat", "status", "io", "cmdline"):
            try:
                fd = os.open(base + leaf, _O_READ)
            except OSError:
                continue
            try:
                os.read(fd, 8192)
            except OSError:
                pass
            finally:
                os.close(fd)
        try:
            os.stat(base + "fd")
        except OSError:
            pass
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per level (>= 10)")
    parser.add_argument("--levels", default="0,200,1000", help="extra idle processes per level")
    parser.add_argument(
        "--no-fields", action="store_true", help="leave out the processes(fields=...) table"
    )
    args = parser.parse_args(argv)
    runs = max(args.runs, 10)
    levels = [int(x) for x in args.levels.split(",") if x]

    backend = default_backend()

    def ours() -> object:
        return darwin_metrics.processes()

    def forget_records(fields: frozenset[str] | None = None) -> None:
        # The Linux reader's per-pid memo (one per field set) of (bytes read, record made of
        # them); other backends have none, and there this column equals the first.
        reader = getattr(backend, "_processes", None)
        memo = getattr(reader, "_memos", {}).get(fields)
        if memo is not None:
            memo.clear()

    def ours_rebuilt() -> object:
        forget_records()
        return darwin_metrics.processes()

    def theirs() -> object:
        return list(psutil.process_iter(attrs=ATTRS))

    def theirs_all() -> object:
        return list(psutil.process_iter(attrs=ALL_ATTRS))

    field_calls: list[tuple[str, list[Callable[[], object]]]] = []
    for names, attrs in () if args.no_fields else FIELD_SETS:
        fields = frozenset(names.split(","))

        def partial(fields: frozenset[str] = fields) -> object:
            return darwin_metrics.processes(fields)

        def partial_rebuilt(fields: frozenset[str] = fields) -> object:
            forget_records(fields)
            return darwin_metrics.processes(fields)

        def psutil_attrs(attrs: list[str] = attrs) -> object:
            return list(psutil.process_iter(attrs=attrs))

        field_calls.append((names, [partial, partial_rebuilt, psutil_attrs]))

    print(
        f"processes(): median of {runs} runs after warm-up; Python {sys.version.split()[0]}, "
        f"psutil {psutil.__version__}, {os.cpu_count()} CPUs, kernel {os.uname().release}"
    )
    rows = []
    field_rows = []
    result = 0
    for extra in levels:
        with idle_processes(extra):
            count = len(darwin_metrics.processes())
            extra_calls = [call for _, calls in field_calls for call in calls]
            walls, cpu = alternate_with_cpu(
                [ours, theirs, theirs_all, file_floor, ours_rebuilt, *extra_calls], runs
            )
        t_ours, t_ps, t_all, t_floor, t_rebuilt = walls[:5]
        for i, (names, _) in enumerate(field_calls):
            at = 5 + 3 * i
            w_typical, w_rebuilt, w_ps = walls[at : at + 3]
            c_typical, c_rebuilt, c_ps = cpu[at : at + 3]
            field_rows.append(
                [
                    extra,
                    count,
                    names,
                    f"{w_typical * 1e3:.2f}",
                    f"{w_rebuilt * 1e3:.2f}",
                    f"{w_ps * 1e3:.2f}",
                    f"{w_typical / w_ps:.2f}",
                    f"{w_rebuilt / w_ps:.2f}",
                    f"{c_typical / c_ps:.2f}",
                    f"{c_rebuilt / c_ps:.2f}",
                ]
            )
        ratio = t_ours / t_ps
        rows.append(
            [
                extra,
                count,
                f"{t_ours * 1e3:.2f}",
                f"{t_ps * 1e3:.2f}",
                f"{ratio:.2f}",
                f"{t_rebuilt * 1e3:.2f}",
                f"{t_rebuilt / t_ps:.2f}",
                f"{t_all * 1e3:.2f}",
                f"{t_ours / t_all:.2f}",
                f"{t_ours / count * 1e6:.1f}",
                f"{t_ps / count * 1e6:.1f}",
                f"{t_floor * 1e3:.2f}",
                f"{t_floor / t_ps:.2f}",
                f"{cpu[0] / cpu[1]:.2f}",
                f"{cpu[4] / cpu[1]:.2f}",
            ]
        )
        if extra == max(levels) and ratio > TARGET:
            result = 1
    print(
        table(
            [
                "extra",
                "procs",
                "ours ms",
                "psutil ms",
                "ratio",
                "rebuilt ms",
                "ratio(rebuilt)",
                "psutil(all) ms",
                "ratio(all)",
                "ours us/proc",
                "psutil us/proc",
                "files-only ms",
                "files/psutil",
                "cpu ratio",
                "cpu ratio(rebuilt)",
            ],
            rows,
        )
    )
    if field_rows:
        print()
        print("processes(fields=...) against process_iter(attrs=...) for the same fields:")
        print(
            table(
                [
                    "extra",
                    "procs",
                    "fields",
                    "ours ms",
                    "rebuilt ms",
                    "psutil ms",
                    "ratio",
                    "ratio(rebuilt)",
                    "cpu ratio",
                    "cpu ratio(rebuilt)",
                ],
                field_rows,
            )
        )
    verdict = "met" if result == 0 else "NOT met"
    print(f"target: ratio <= {TARGET:.2f} at {max(levels)} extra processes: {verdict}")
    print(
        "files-only: just opening/reading/closing the four files and stat()ing fd/ per process, "
        "the floor for these fields on this kernel"
    )
    print(
        "rebuilt: every record parsed and built again, as if every process had changed since the "
        "previous call"
    )
    print(
        "cpu ratio: median CPU time (time.process_time, all threads) of ours over psutil's, "
        "which other load on the machine hardly moves"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
