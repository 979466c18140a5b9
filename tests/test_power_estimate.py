"""Estimated per-process share of package power."""

from __future__ import annotations

import pytest

from darwin_metrics.power_estimate import estimate_process_power


def test_shares_follow_cpu_time() -> None:
    # 4 CPUs, 50 % busy overall = 2 CPUs' worth; one process used 1.5 CPUs, another 0.5.
    result = estimate_process_power(
        [(10, "a", 150.0), (20, "b", 50.0), (30, "idle", 0.0)],
        system_busy_percent=50.0,
        logical_count=4,
        package_watts=40.0,
    )
    assert [(e.pid, e.name) for e in result] == [(10, "a"), (20, "b")]
    assert result[0].estimated_share_percent == pytest.approx(75.0)
    assert result[0].estimated_watts == pytest.approx(30.0)
    assert result[1].estimated_watts == pytest.approx(10.0)


def test_no_package_power_gives_shares_only() -> None:
    (only,) = estimate_process_power(
        [(1, "x", 100.0)], system_busy_percent=25.0, logical_count=4, package_watts=None
    )
    assert only.estimated_share_percent == pytest.approx(100.0)
    assert only.estimated_watts is None


def test_idle_machine() -> None:
    assert (
        estimate_process_power(
            [(1, "x", 5.0)], system_busy_percent=0.0, logical_count=2, package_watts=3.0
        )
        == ()
    )
