"""Threshold rules: the rule text, the path check at subscription time, and the state machine
(direction, hysteresis, minimum duration) on hand-built snapshots."""

from __future__ import annotations

import pytest

from darwin_metrics.metricpath import PathError
from darwin_metrics.monitor.rules import ThresholdRule
from darwin_metrics.records.disk import Volume
from darwin_metrics.records.snapshot import Snapshot


def _volumes(**used: float) -> Snapshot:
    volumes = tuple(
        Volume(
            device=f"/dev/{name}",
            mount_point="/" if name == "root" else f"/{name}",
            fs_type="ext4",
            options=(),
            read_only=False,
            used_percent=value,
        )
        for name, value in used.items()
    )
    return Snapshot(timestamp=0.0, platform="linux", volumes=volumes)


def test_rule_text_is_parsed() -> None:
    rule = ThresholdRule.from_text("cpu.percent>90 for 5s hysteresis 2")
    assert (str(rule.path), rule.threshold, rule.direction) == ("cpu.percent", 90.0, "above")
    assert (rule.duration, rule.hysteresis, rule.inclusive) == (5.0, 2.0, False)
    rule = ThresholdRule.from_text("memory.available<=1e9 for 250ms")
    assert (rule.direction, rule.inclusive, rule.duration) == ("below", True, 0.25)
    assert ThresholdRule.from_text("cpu.percent > 5 for 2m").duration == 120.0
    rule = ThresholdRule.from_text("connection_counts[state=SYN_RECV].count.sum>=100")
    assert (str(rule.path), rule.threshold, rule.inclusive) == (
        "connection_counts[state=SYN_RECV].count.sum",
        100.0,
        True,
    )


@pytest.mark.parametrize(
    "text",
    ["cpu.bogus>1", "cpu.percent", "cpu.percent>>3", "cpu.percent>3 for soon", "volumes[.x>1"],
)
def test_bad_rules_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(PathError) as info:
        ThresholdRule.from_text(text)
    assert str(info.value)


def test_make_needs_exactly_one_direction() -> None:
    with pytest.raises(ValueError):
        ThresholdRule.make("cpu.percent")
    with pytest.raises(ValueError):
        ThresholdRule.make("cpu.percent", above=1, below=2)
    with pytest.raises(PathError):
        ThresholdRule.make("cpu.nothing", above=1)


def test_above_with_hysteresis_fires_once_and_clears_once() -> None:
    rule = ThresholdRule.make("volumes[/].used_percent", above=90, hysteresis=5)
    seen = []
    for t, value in enumerate([80, 91, 95, 89, 86, 85.5, 85, 92, 70]):
        seen += [(t, e.active, e.value) for e in rule.evaluate(_volumes(root=value), t, t)]
    assert seen == [(1, True, 91), (6, False, 85), (7, True, 92), (8, False, 70)]


def test_duration_requires_the_condition_to_hold() -> None:
    rule = ThresholdRule.from_text("volumes[/].used_percent>50 for 3s")
    events = []
    for t, value in [(0, 60), (2, 60), (2.5, 40), (3, 60), (5.9, 61), (6, 62), (7, 63)]:
        events += [(t, e.active) for e in rule.evaluate(_volumes(root=value), t, t)]
    assert events == [(6, True)]


def test_below_and_each_concrete_path_on_its_own() -> None:
    rule = ThresholdRule.make("volumes[*].used_percent", below=10)
    first = rule.evaluate(_volumes(root=5, home=50), 0, 0)
    assert [(e.path, e.active, e.direction) for e in first] == [
        ("volumes[/].used_percent", True, "below")
    ]
    second = rule.evaluate(_volumes(root=5, home=9), 1, 1)
    assert [(e.path, e.active) for e in second] == [("volumes[/home].used_percent", True)]
    assert rule.evaluate(_volumes(root=10, home=9), 2, 2)[0].active is False


def test_missing_value_keeps_the_state() -> None:
    rule = ThresholdRule.make("volumes[/].used_percent", above=1)
    assert rule.evaluate(_volumes(root=5), 0, 0)[0].active
    assert rule.evaluate(Snapshot(timestamp=1.0, platform="linux"), 1, 1) == []
    assert rule.evaluate(_volumes(root=6), 2, 2) == []


def test_a_sum_over_nothing_is_zero_and_clears_the_rule() -> None:
    rule = ThresholdRule.from_text("volumes[*].used_percent.sum>50")
    assert rule.evaluate(_volumes(root=60), 0, 0)[0].active
    cleared = rule.evaluate(Snapshot(timestamp=1.0, platform="linux", volumes=()), 1, 1)
    assert [(e.active, e.value) for e in cleared] == [(False, 0.0)]
