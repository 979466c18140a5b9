"""Pure functions for network loss indicators: protocol rates and per-interface drop/error ratios.

``(previous, current, elapsed seconds) -> record``; nothing here reads the system. Counters go
through :func:`darwin_metrics.rates.counter_delta`, so a counter that went backwards (namespace or
interface re-created, statistics cleared) gives ``None`` rather than a negative or absurd value.
The kernel's SNMP counters are ``unsigned long``: 64-bit on 64-bit kernels.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from darwin_metrics.rates import counter_delta, counter_rate
from darwin_metrics.records.net import Interface
from darwin_metrics.records.netstats import (
    InterfaceLoss,
    NetworkStats,
    NetworkStatsRates,
)

#: Modulus of the kernel's MIB counters (``unsigned long``) on this machine.
SNMP_MODULUS = 2**64 if sys.maxsize > 2**32 else 2**32

# NetworkStatsRates field -> (NetworkStats section, field)
_RATE_FIELDS: dict[str, tuple[str, str]] = {
    "tcp_active_opens": ("tcp", "active_opens"),
    "tcp_passive_opens": ("tcp", "passive_opens"),
    "tcp_attempt_fails": ("tcp", "attempt_fails"),
    "tcp_established_resets": ("tcp", "established_resets"),
    "tcp_in_segments": ("tcp", "in_segments"),
    "tcp_out_segments": ("tcp", "out_segments"),
    "tcp_retransmitted_segments": ("tcp", "retransmitted_segments"),
    "tcp_in_errors": ("tcp", "in_errors"),
    "tcp_out_resets": ("tcp", "out_resets"),
    "tcp_listen_overflows": ("tcp", "listen_overflows"),
    "tcp_listen_drops": ("tcp", "listen_drops"),
    "udp_in_datagrams": ("udp", "in_datagrams"),
    "udp_out_datagrams": ("udp", "out_datagrams"),
    "udp_no_ports": ("udp", "no_ports"),
    "udp_in_errors": ("udp", "in_errors"),
    "udp_receive_buffer_errors": ("udp", "receive_buffer_errors"),
    "udp_send_buffer_errors": ("udp", "send_buffer_errors"),
    "ip_in_receives": ("ip", "in_receives"),
    "ip_in_discards": ("ip", "in_discards"),
    "ip_out_discards": ("ip", "out_discards"),
    "ip_in_header_errors": ("ip", "in_header_errors"),
    "ip_in_address_errors": ("ip", "in_address_errors"),
    "icmp_in_errors": ("icmp", "in_errors"),
    "icmp_out_errors": ("icmp", "out_errors"),
}


def _get(stats: NetworkStats, section: str, name: str) -> int | None:
    part = getattr(stats, section)
    return getattr(part, name) if part is not None else None


def retransmit_percent(
    previous_retrans: int | None,
    current_retrans: int | None,
    previous_out: int | None,
    current_out: int | None,
) -> float | None:
    """Retransmitted segments as a percentage of segments sent in the interval (0-100).

    ``None`` when a counter is missing or reset, or no segment was sent.
    """
    retrans = counter_delta(previous_retrans, current_retrans, modulus=SNMP_MODULUS)
    sent = counter_delta(previous_out, current_out, modulus=SNMP_MODULUS)
    if retrans is None or not sent:
        return None
    return min(100.0, 100.0 * retrans / sent)


def network_stats_rates(
    previous: NetworkStats, current: NetworkStats, elapsed: float
) -> NetworkStatsRates:
    """Per-second rates of the main counters and the TCP retransmission ratio.

    ``tcp_retransmit_percent`` is ``RetransSegs`` growth over ``OutSegs`` growth: the kernel
    counts a retransmitted segment in both, so this is the share of sent segments that were
    retransmissions.
    """
    values: dict[str, float | None] = {
        field: counter_rate(
            _get(previous, section, name),
            _get(current, section, name),
            elapsed,
            modulus=SNMP_MODULUS,
        )
        for field, (section, name) in _RATE_FIELDS.items()
    }
    return NetworkStatsRates(
        interval=elapsed,
        tcp_retransmit_percent=retransmit_percent(
            _get(previous, "tcp", "retransmitted_segments"),
            _get(current, "tcp", "retransmitted_segments"),
            _get(previous, "tcp", "out_segments"),
            _get(current, "tcp", "out_segments"),
        ),
        **values,
    )


def _ratio(events: float | None, packets: float | None) -> float | None:
    """``events`` as a percentage of ``packets + events`` (events are not counted as packets)."""
    if events is None or packets is None:
        return None
    total = packets + events
    return 100.0 * events / total if total > 0 else None


def interface_loss(previous: Interface, current: Interface, elapsed: float) -> InterfaceLoss | None:
    """Drop and error percentages of one interface between two readings.

    ``None`` when the interface was re-created (its index changed) or either reading lacks
    counters. The kernel counts dropped and errored packets apart from ``rx_packets`` and
    ``tx_packets``, so each ratio is ``events / (packets + events)``.
    """
    if previous.index != current.index or previous.counters is None or current.counters is None:
        return None
    a, b = previous.counters, current.counters
    rx = counter_delta(a.rx_packets, b.rx_packets)
    tx = counter_delta(a.tx_packets, b.tx_packets)
    return InterfaceLoss(
        name=current.name,
        interval=elapsed,
        rx_drop_percent=_ratio(counter_delta(a.rx_drops, b.rx_drops), rx),
        rx_error_percent=_ratio(counter_delta(a.rx_errors, b.rx_errors), rx),
        tx_drop_percent=_ratio(counter_delta(a.tx_drops, b.tx_drops), tx),
        tx_error_percent=_ratio(counter_delta(a.tx_errors, b.tx_errors), tx),
    )


def interfaces_loss(
    previous: Iterable[Interface], current: Iterable[Interface], elapsed: float
) -> tuple[InterfaceLoss, ...]:
    """:func:`interface_loss` of every interface present (and not re-created) in both readings."""
    before = {iface.name: iface for iface in previous}
    out = []
    for iface in current:
        old = before.get(iface.name)
        if old is None:
            continue
        loss = interface_loss(old, iface, elapsed)
        if loss is not None:
            out.append(loss)
    return tuple(out)
