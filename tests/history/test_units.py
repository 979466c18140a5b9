"""Durations, times, units by field name, human formatting, the default database path."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.history import paths
from darwin_metrics.history.durations import format_duration, parse_duration, parse_time
from darwin_metrics.history.units import format_value, scale_for, unit_of

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("15m", 900),
        ("1h", 3600),
        ("1.5h", 5400),
        ("7d", 604800),
        ("2w", 1209600),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "0", "0s", "-1h", "1y", "1 h x", "nan", "inf"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_times() -> None:
    assert parse_time("1h", now=NOW) == NOW - 3600
    assert parse_time("now", now=NOW) == NOW
    assert parse_time("1699990000.5", now=NOW) == 1699990000.5
    assert parse_time("2023-11-14T22:13:20+00:00", now=NOW) == NOW
    with pytest.raises(ValueError, match="not a time"):
        parse_time("yesterday", now=NOW)


@given(st.integers(1, 10**6))
def test_format_duration_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("path", "unit"),
    [
        ("cpu.percent", "%"),
        ("cpu.cores[3].modes.user", ""),
        ("interfaces[eth0].rx_bytes_per_second", "B/s"),
        ("interfaces[*].rx_bytes_per_second.sum", "B/s"),
        ("disks[sda].reads_per_second", "/s"),
        ("wifi[wlan0].tx_bits_per_second", "bit/s"),
        ("temperatures.sensors[k10temp/Tctl].celsius", "°C"),
        ("temperatures[*].max", ""),
        ("cpu.cores[0].frequency.hertz", "Hz"),
        ("power[package-0].watts", "W"),
        ("memory.available", "B"),
        ("memory.swap.used", "B"),
        ("volumes[/].total", "B"),
        ("interfaces[eth0].counters.rx_bytes", "B"),
        ("cpu.times.user", "s"),
        ("fans[0].rpm", "rpm"),
        ("cpu.cores[*].percent.count", ""),
        ("volumes[/mnt/a.b].used_percent", "%"),
        ("socket_stats.tcp.memory", "B"),
        ("socket_stats.tcp.memory_pages", ""),
        ("socket_stats.tcp.in_use", ""),
    ],
)
def test_units_by_field_name(path: str, unit: str) -> None:
    assert unit_of(path) == unit


def test_human_values() -> None:
    assert format_value(1536, "B") == "1.5 KiB"
    assert format_value(3 * 2**30, "B/s") == "3.0 GiB/s"
    assert format_value(512, "B") == "512 B"
    assert format_value(2.4e9, "Hz") == "2.40 GHz"
    assert format_value(12.345, "%") == "12.3 %"
    assert format_value(None, "W") == "-"
    assert format_value(float("nan"), "W") == "-"
    assert scale_for("B/s", 5 * 2**20) == (2**20, "Mi")
    assert scale_for("%", 5000) == (1.0, "")
    assert scale_for("W", 1500) == (1000, "k")


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(paths.sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert paths.default_db_path() == tmp_path / "darwin-metrics" / "history.db"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert paths.default_db_path() == Path.home() / ".local/share/darwin-metrics/history.db"
    monkeypatch.setattr(paths.sys, "platform", "darwin")
    assert paths.default_db_path() == (
        Path.home() / "Library/Application Support/darwin-metrics/history.db"
    )
