"""Thermal decoders: pressure level names (OSThermalNotification.h macOS values), the CPU speed
limit and the throttling summary."""

from __future__ import annotations

import pytest

from darwin_metrics.darwin.decode import thermal


@pytest.mark.parametrize(
    ("state", "name"),
    [(0, "nominal"), (1, "moderate"), (2, "heavy"), (3, "trapping"), (4, "sleeping"), (10, None),
     (None, None)],
)  # fmt: skip
def test_pressure_levels(state: int | None, name: str | None) -> None:
    assert thermal.pressure_level(state) == name


def test_speed_limit() -> None:
    assert thermal.speed_limit({"CPU_Speed_Limit": 100}) == 100.0
    assert thermal.speed_limit({"CPU_Speed_Limit": 63}) == 63.0
    assert thermal.speed_limit({"CPU_Speed_Limit": 0}) is None  # not a limit anyone runs at
    assert thermal.speed_limit({"CPU_Speed_Limit": 250}) is None
    assert thermal.speed_limit({"CPU_Scheduler_Limit": 100}) is None
    assert thermal.speed_limit(None) is None


def test_summary() -> None:
    assert thermal.thermal(None, None).throttling is None  # no source at all
    calm = thermal.thermal("nominal", 100.0)
    assert (calm.throttling, calm.sources) == (False, ())
    both = thermal.thermal("trapping", 50.0)
    assert both.throttling is True
    assert both.sources == ("thermal-pressure:trapping", "cpu-speed-limit:50")
