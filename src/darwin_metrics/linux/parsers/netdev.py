"""``/proc/net/dev``: traffic counters of every interface in the reader's network namespace.

Kernel: ``net/core/net-procfs.c`` (``dev_seq_printf_stats``). Two header lines, then one line per
interface: ``name:`` followed by 16 counters, eight received and eight sent::

    bytes packets errs drop fifo frame compressed multicast | bytes packets errs drop fifo colls carrier compressed

The kernel folds some detailed counters together: ``drop`` (rx) is ``rx_dropped +
rx_missed_errors``, ``frame`` is ``rx_length + rx_over + rx_crc + rx_frame`` errors and ``carrier``
is ``tx_carrier + tx_aborted + tx_window + tx_heartbeat`` errors. Old kernels wrote no space after
the colon, so the name is split at the last colon.
"""

from __future__ import annotations

from darwin_metrics.errors import ParseError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.linux.parsers.numbers import u64
from darwin_metrics.records.net import InterfaceCounters

_FIELDS = 16
log = get_logger(__name__)


def parse_net_dev(data: bytes, source: str = "/proc/net/dev") -> dict[str, InterfaceCounters]:
    """Counters per interface name, in the file's order. A line whose counters are not counters
    (:func:`~darwin_metrics.linux.parsers.numbers.u64`) leaves its interface out (logged); a file
    that is not ``/proc/net/dev`` at all is a :class:`ParseError`."""
    result: dict[str, InterfaceCounters] = {}
    for line in data.split(b"\n"):
        if not line.strip() or (b"|" in line and b":" not in line):
            continue  # blank line or one of the two headers (interface names never hold ':')
        name, colon, rest = line.rpartition(b":")
        name = name.strip()
        if not colon or not name:
            raise ParseError(source, f"no 'name:' in line: {line[:80]!r}")
        tokens = rest.split()
        if len(tokens) != _FIELDS:
            raise ParseError(source, f"{len(tokens)} counters, expected {_FIELDS}: {line[:80]!r}")
        try:
            v = [u64(t, source) for t in tokens]
        except ParseError as exc:
            log.debug("skipping interface %r: %s", name, exc)
            continue
        result[name.decode("utf-8", "surrogateescape")] = InterfaceCounters(
            rx_bytes=v[0],
            rx_packets=v[1],
            rx_errors=v[2],
            rx_drops=v[3],
            rx_fifo=v[4],
            rx_frame=v[5],
            rx_compressed=v[6],
            rx_multicast=v[7],
            tx_bytes=v[8],
            tx_packets=v[9],
            tx_errors=v[10],
            tx_drops=v[11],
            tx_fifo=v[12],
            tx_collisions=v[13],
            tx_carrier=v[14],
            tx_compressed=v[15],
        )
    return result
