"""The dashboard's first line: host name, kernel, uptime, load, process count."""

from __future__ import annotations

import os
from dataclasses import dataclass

from rich.text import Text

from darwin_metrics.cli import fmt
from darwin_metrics.records.rates import Sample


@dataclass(frozen=True, slots=True)
class Host:
    """What the header says about the machine itself."""

    name: str
    kernel: str

    @classmethod
    def this(cls) -> Host:
        """This machine, from ``uname``."""
        uname = os.uname()
        return cls(name=uname.nodename, kernel=f"{uname.sysname} {uname.release}")


def uptime(seconds: float) -> str:
    """``3d 04:05``, ``04:05`` (hours:minutes) or ``42s``."""
    whole = int(max(seconds, 0.0))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}:{minutes:02d}"
    if hours or minutes:
        return f"{hours:02d}:{minutes:02d}"
    return f"{secs}s"


def header_line(host: Host, sample: Sample | None, status: str = "") -> Text:
    """``name · kernel · up … · load … · N processes`` and a status (paused, recording)."""
    line = Text(fmt.clean(host.name), style="bold")
    line.append(f" · {fmt.clean(host.kernel)}")
    cpu = sample.snapshot.cpu if sample is not None else None
    if cpu is not None and cpu.boot_time is not None and sample is not None:
        line.append(f" · up {uptime(sample.timestamp - cpu.boot_time)}")
    if cpu is not None and cpu.load is not None:
        load = cpu.load
        line.append(f" · load {load.one:.2f} {load.five:.2f} {load.fifteen:.2f}")
    processes = sample.snapshot.processes if sample is not None else None
    if processes is not None:
        line.append(f" · {len(processes)} processes")
    if status:
        line.append(f" · {status}", style="bold yellow")
    return line
