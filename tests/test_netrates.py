"""netrates: protocol rates, the retransmission ratio and per-interface loss, and their wiring."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.netrates import (
    interface_loss,
    interfaces_loss,
    network_stats_rates,
    retransmit_percent,
)
from darwin_metrics.rates import compute_rates
from darwin_metrics.records.net import Interface, InterfaceCounters
from darwin_metrics.records.netstats import NetworkStats, TCPStats, UDPStats
from darwin_metrics.records.snapshot import Snapshot


def _stats(out: int, retrans: int, opens: int = 0, no_ports: int = 0) -> NetworkStats:
    return NetworkStats(
        tcp=TCPStats(out_segments=out, retransmitted_segments=retrans, active_opens=opens),
        udp=UDPStats(no_ports=no_ports),
    )


def test_rates_and_retransmission_ratio() -> None:
    rates = network_stats_rates(_stats(1000, 10, 5, 2), _stats(3000, 50, 25, 2), 2.0)
    assert rates.interval == 2.0
    assert rates.tcp_out_segments == 1000.0
    assert rates.tcp_retransmitted_segments == 20.0
    assert rates.tcp_active_opens == 10.0
    assert rates.udp_no_ports == 0.0
    assert rates.tcp_retransmit_percent == pytest.approx(2.0)  # 40 of 2000 segments
    assert rates.tcp_in_segments is None  # not reported in either reading
    assert rates.ip_in_receives is None  # no IP section


def test_reset_and_idle() -> None:
    reset = network_stats_rates(_stats(3000, 50), _stats(100, 1), 1.0)
    assert reset.tcp_out_segments is None and reset.tcp_retransmit_percent is None
    idle = network_stats_rates(_stats(100, 1), _stats(100, 1), 1.0)
    assert idle.tcp_out_segments == 0.0 and idle.tcp_retransmit_percent is None
    assert network_stats_rates(_stats(1, 1), _stats(2, 2), 0.0).tcp_out_segments is None
    assert retransmit_percent(None, 5, 0, 10) is None
    assert retransmit_percent(0, 500, 0, 10) == 100.0  # clamped


def _iface(index: int, rx: int, rxd: int, rxe: int, tx: int, txd: int, txe: int) -> Interface:
    return Interface(
        name="eth0",
        index=index,
        kind="ethernet",
        is_up=True,
        is_running=True,
        counters=InterfaceCounters(
            rx_bytes=0,
            rx_packets=rx,
            rx_errors=rxe,
            rx_drops=rxd,
            tx_bytes=0,
            tx_packets=tx,
            tx_errors=txe,
            tx_drops=txd,
        ),
    )


def test_interface_loss() -> None:
    before = _iface(2, 1000, 0, 0, 500, 0, 0)
    after = _iface(2, 1990, 10, 0, 500, 0, 0)
    loss = interface_loss(before, after, 1.0)
    assert loss is not None
    assert loss.rx_drop_percent == pytest.approx(1.0)  # 10 of 1000 arriving packets
    assert loss.rx_error_percent == 0.0
    assert loss.tx_drop_percent is None  # nothing sent
    assert interface_loss(before, _iface(3, 0, 0, 0, 0, 0, 0), 1.0) is None  # re-created
    assert interfaces_loss([before], [after], 1.0) == (loss,)
    assert interfaces_loss([], [after], 1.0) == ()


def test_wired_into_rates() -> None:
    a = Snapshot(timestamp=0.0, platform="linux", network_stats=_stats(10, 0))
    b = Snapshot(timestamp=1.0, platform="linux", network_stats=_stats(110, 1))
    rates = compute_rates(a, b, 1.0)
    assert rates.network_stats is not None
    assert rates.network_stats.tcp_retransmit_percent == pytest.approx(1.0)
    assert rates.interface_loss is None  # no interfaces in these snapshots
    c = Snapshot(timestamp=0.0, platform="linux", interfaces=(_iface(2, 0, 0, 0, 100, 0, 0),))
    d = Snapshot(timestamp=1.0, platform="linux", interfaces=(_iface(2, 0, 0, 0, 190, 10, 0),))
    loss = compute_rates(c, d, 1.0).interface_loss
    assert loss is not None and loss[0].tx_drop_percent == pytest.approx(10.0)


counter = st.one_of(st.none(), st.integers(0, 2**64 - 1))


@given(counter, counter, counter, counter, st.floats(0, 1e6))
def test_never_negative(
    a: int | None, b: int | None, c: int | None, d: int | None, t: float
) -> None:
    pct = retransmit_percent(a, b, c, d)
    assert pct is None or 0.0 <= pct <= 100.0
    rates = network_stats_rates(
        NetworkStats(tcp=TCPStats(out_segments=a, retransmitted_segments=c)),
        NetworkStats(tcp=TCPStats(out_segments=b, retransmitted_segments=d)),
        t,
    )
    assert rates.tcp_out_segments is None or rates.tcp_out_segments >= 0
