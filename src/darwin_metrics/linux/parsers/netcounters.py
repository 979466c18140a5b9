"""Interface counters folded the way the kernel folds them for ``/proc/net/dev``.

One folding for both paths of ``interfaces()``: the live path reads ``IFLA_STATS64`` from route
netlink (:func:`~darwin_metrics.linux.parsers.rtnetlink.link_counters`), the captured-tree path
reads ``/sys/class/net/<name>/statistics/*`` (``linux/net.py``'s ``sysfs_counters``). Both name
their values by the fields of ``struct rtnl_link_stats64`` (:data:`STATS64_FIELDS`), which are also
the sysfs file names. Kernel: ``dev_seq_printf_stats`` in ``net/core/net-procfs.c``: rx drops add
missed errors, frame errors add up four kinds and carrier errors four more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from darwin_metrics.records.net import InterfaceCounters

#: ``struct rtnl_link_stats64`` fields in their order (the first 23; newer kernels add more).
STATS64_FIELDS = (
    "rx_packets",
    "tx_packets",
    "rx_bytes",
    "tx_bytes",
    "rx_errors",
    "tx_errors",
    "rx_dropped",
    "tx_dropped",
    "multicast",
    "collisions",
    "rx_length_errors",
    "rx_over_errors",
    "rx_crc_errors",
    "rx_frame_errors",
    "rx_fifo_errors",
    "rx_missed_errors",
    "tx_aborted_errors",
    "tx_carrier_errors",
    "tx_fifo_errors",
    "tx_heartbeat_errors",
    "tx_window_errors",
    "rx_compressed",
    "tx_compressed",
)
#: Without these eight there are no counters at all.
CORE_FIELDS = (
    "rx_bytes",
    "rx_packets",
    "rx_errors",
    "rx_dropped",
    "tx_bytes",
    "tx_packets",
    "tx_errors",
    "tx_dropped",
)


def _sum(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def fold_counters(stats: Mapping[str, int | None]) -> InterfaceCounters | None:
    """:class:`InterfaceCounters` from values named by :data:`STATS64_FIELDS` (a missing or
    ``None`` value is unknown); ``None`` when one of :data:`CORE_FIELDS` is unknown."""
    core = [stats.get(name) for name in CORE_FIELDS]
    if any(v is None for v in core):
        return None
    rx_bytes, rx_packets, rx_errors, rx_dropped, tx_bytes, tx_packets, tx_errors, tx_dropped = (
        v for v in core if v is not None
    )
    get = stats.get
    return InterfaceCounters(
        rx_bytes=rx_bytes,
        rx_packets=rx_packets,
        rx_errors=rx_errors,
        rx_drops=rx_dropped + (get("rx_missed_errors") or 0),
        rx_fifo=get("rx_fifo_errors"),
        rx_frame=_sum(
            get(n)
            for n in ("rx_length_errors", "rx_over_errors", "rx_crc_errors", "rx_frame_errors")
        ),
        rx_compressed=get("rx_compressed"),
        rx_multicast=get("multicast"),
        tx_bytes=tx_bytes,
        tx_packets=tx_packets,
        tx_errors=tx_errors,
        tx_drops=tx_dropped,
        tx_fifo=get("tx_fifo_errors"),
        tx_collisions=get("collisions"),
        tx_carrier=_sum(
            get(n)
            for n in (
                "tx_carrier_errors",
                "tx_aborted_errors",
                "tx_window_errors",
                "tx_heartbeat_errors",
            )
        ),
        tx_compressed=get("tx_compressed"),
    )
