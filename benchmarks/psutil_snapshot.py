"""A one-shot psutil script: the peer that ``darwin-metrics snapshot --json`` is compared with.

It reads what a monitoring one-shot asks psutil for and prints it as JSON: CPU times (total and
per CPU), CPU frequencies, counts and load average, memory and swap, disk I/O counters per disk,
mounted partitions with their usage, interface counters, addresses and states, temperatures,
batteries and the machine's connections. A call this machine cannot answer is ``null``.

    python benchmarks/psutil_snapshot.py            # JSON on stdout
    python benchmarks/psutil_snapshot.py --calls    # read everything, print nothing

``benchmarks/bench_cold.py`` runs it as a whole process; ``--calls`` is its "psutil calls alone"
side (the import of psutil and the reads, no JSON).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import psutil


def _plain(value: Any) -> Any:
    """psutil's named tuples, lists and dicts as JSON-ready values."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _guarded(call: Callable[[], Any]) -> Any:
    """The call's answer, or ``None`` when this machine (or this user) cannot give it."""
    try:
        return call()
    except (OSError, AttributeError, NotImplementedError, RuntimeError, psutil.Error):
        return None


def _partitions() -> list[dict[str, Any]]:
    found = []
    for part in psutil.disk_partitions():
        usage = _guarded(lambda mount=part.mountpoint: psutil.disk_usage(mount))
        found.append({"partition": part, "usage": usage})
    return found


def read_all() -> dict[str, Any]:
    """Every family the script reports, as psutil returns it."""
    readers: dict[str, Callable[[], Any]] = {
        "cpu_times": psutil.cpu_times,
        "cpu_times_per_cpu": lambda: psutil.cpu_times(percpu=True),
        "cpu_freq": lambda: psutil.cpu_freq(percpu=True),
        "cpu_count": psutil.cpu_count,
        "cpu_count_physical": lambda: psutil.cpu_count(logical=False),
        "load_average": psutil.getloadavg,
        "cpu_stats": psutil.cpu_stats,
        "boot_time": psutil.boot_time,
        "memory": psutil.virtual_memory,
        "swap": psutil.swap_memory,
        "disk_io": lambda: psutil.disk_io_counters(perdisk=True),
        "partitions": _partitions,
        "net_io": lambda: psutil.net_io_counters(pernic=True),
        "net_if_addrs": psutil.net_if_addrs,
        "net_if_stats": psutil.net_if_stats,
        "temperatures": lambda: psutil.sensors_temperatures(),
        "fans": lambda: psutil.sensors_fans(),
        "battery": lambda: psutil.sensors_battery(),
        "connections": lambda: psutil.net_connections("inet"),
    }
    return {name: _guarded(read) for name, read in readers.items()}


def main(argv: list[str]) -> int:
    values = read_all()
    if "--calls" in argv:
        return 0
    payload = {"timestamp": time.time(), "platform": sys.platform, **_plain(values)}
    json.dump(payload, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
