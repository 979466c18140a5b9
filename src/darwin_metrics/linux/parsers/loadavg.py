"""``/proc/loadavg``: ``0.21 0.37 0.39 1/719 19737``.

The first three fields are the 1, 5 and 15 minute load averages (Linux counts tasks in
uninterruptible sleep as well as runnable ones); then running/total scheduling entities and the
last PID allocated, which darwin-metrics does not use.
"""

from __future__ import annotations

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import decimal
from darwin_metrics.records.cpu import LoadAverage


def parse_loadavg(data: bytes, source: str = "/proc/loadavg") -> LoadAverage:
    """The three load averages; ParseError unless the file starts with three decimals."""
    fields = data.split()
    if len(fields) < 3:
        raise ParseError(source, f"{len(fields)} fields, need at least 3")
    one, five, fifteen = (decimal(f, source, "load average") for f in fields[:3])
    return LoadAverage(one=one, five=five, fifteen=fifteen)
