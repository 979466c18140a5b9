"""Metric paths: the grammar, its checks against the record types, and resolution on samples."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics import metricpath
from darwin_metrics.metricpath import PathError, flatten, parse, resolve
from darwin_metrics.records import (
    ConnectionCount,
    ConnectionCounts,
    CoreRates,
    CPURates,
    InterfaceRates,
    ProcessRates,
    Rates,
    Sample,
    Snapshot,
    Temperatures,
    TemperatureSensor,
)
from tests.support import make


def _sensor(chip: str, sensor: str, kind: str, celsius: float) -> TemperatureSensor:
    fields = set(TemperatureSensor.__struct_fields__)
    value_field = "celsius" if "celsius" in fields else "current"
    return TemperatureSensor(chip=chip, sensor=sensor, kind=kind, **{value_field: celsius})  # type: ignore[arg-type]


def _sample() -> Sample:
    snapshot = Snapshot(
        timestamp=10.0,
        platform="linux",
        cpu=make.cpu([make.core(0, user=1, idle=3), make.core(1, user=3, idle=1)]),
        memory=make.memory(total=16 << 30, available=6 << 30),
        volumes=(make.volume("/", used=40 << 30), make.volume("/home", used=90 << 30)),
        interfaces=(make.iface("eth0", rx_bytes=5000), make.iface("lo", index=1, rx_bytes=70)),
        processes=(make.proc(10, name="postgres"), make.proc(11, name="postgres"), make.proc(12)),
        temperatures=Temperatures(
            sensors=(
                _sensor("coretemp", "temp1", "cpu", 55.0),
                _sensor("coretemp", "temp2", "cpu", 71.5),
                _sensor("nvme", "temp1", "storage", 40.0),
            )
        ),
        connection_counts=ConnectionCounts(
            counts=(
                ConnectionCount(protocol="tcp", family="ipv4", state="TIME_WAIT", count=30),
                ConnectionCount(protocol="tcp", family="ipv6", state="TIME_WAIT", count=12),
                ConnectionCount(protocol="tcp", family="ipv4", state="ESTABLISHED", count=5),
            ),
            listening=(),
            total=47,
        ),
    )
    rates = Rates(
        elapsed=1.0,
        cpu=CPURates(
            percent=62.5,
            cores=(CoreRates(index=0, percent=25.0), CoreRates(index=1, percent=100.0)),
        ),
        interfaces=(InterfaceRates(name="eth0", rx_bytes_per_second=2048.0),),
        processes=(
            ProcessRates(pid=10, create_time=1.0, cpu_percent=30.0),
            ProcessRates(pid=11, create_time=1.0, cpu_percent=12.5),
            ProcessRates(pid=12, create_time=1.0, cpu_percent=1.0),
        ),
    )
    return Sample(timestamp=10.0, snapshot=snapshot, elapsed=1.0, rates=rates)


def test_plain_fields_of_rates_and_snapshot() -> None:
    sample = _sample()
    assert resolve("cpu.percent", sample) == {"cpu.percent": 62.5}
    assert resolve("memory.available", sample) == {"memory.available": float(6 << 30)}
    assert parse("memory.used").value(sample) == float(10 << 30)


def test_selectors_merge_rates_with_snapshot_items() -> None:
    sample = _sample()
    assert resolve("interfaces[eth0].rx_bytes_per_second", sample) == {
        "interfaces[eth0].rx_bytes_per_second": 2048.0
    }
    # the counter comes from the snapshot's record of the same interface
    assert resolve("interfaces[eth0].counters.rx_bytes", sample) == {
        "interfaces[eth0].counters.rx_bytes": 5000.0
    }
    assert resolve("cpu.cores[1].percent", sample) == {"cpu.cores[1].percent": 100.0}
    assert resolve("cpu[1].percent", sample) == {"cpu[1].percent": 100.0}


def test_star_gives_one_series_per_item() -> None:
    got = resolve("volumes[*].used_percent", _sample())
    assert got == {"volumes[/].used_percent": 40.0, "volumes[/home].used_percent": 90.0}


def test_key_value_selector_and_reducers() -> None:
    sample = _sample()
    assert resolve("temperatures[kind=cpu].max", sample) == {"temperatures[kind=cpu].max": 71.5}
    assert resolve("temperatures[kind=cpu].mean", sample) == {"temperatures[kind=cpu].mean": 63.25}
    # the selector matches on the snapshot's process (name), the value comes from its rates
    assert resolve("processes[name=postgres].cpu_percent.sum", sample) == {
        "processes[name=postgres].cpu_percent.sum": 42.5
    }
    assert resolve("processes[*].cpu_percent.count", sample) == {
        "processes[*].cpu_percent.count": 3.0
    }


def test_a_field_named_like_a_reducer_is_the_field() -> None:
    path = parse("connection_counts[state=TIME_WAIT].count")
    assert path.reducer is None
    assert resolve(path, _sample()) == {
        "connection_counts[tcp:ipv4:TIME_WAIT].count": 30.0,
        "connection_counts[tcp:ipv6:TIME_WAIT].count": 12.0,
    }
    total = parse("connection_counts[state=TIME_WAIT].count.sum")
    assert total.reducer == "sum" and total.value(_sample()) == 42.0


def test_missing_values_give_nothing() -> None:
    sample = _sample()
    assert resolve("volumes[/nowhere].used_percent", sample) == {}
    assert resolve("gpus[*].utilization_percent", sample) == {}
    assert resolve("temperatures[kind=gpu].max", sample) == {}
    assert parse("cpu.percent").value(Sample(timestamp=1.0, snapshot=sample.snapshot)) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("nosuchfamily.x", "not a family"),
        ("cpu.nosuchfield", "no field 'nosuchfield'"),
        ("volumes.used_percent", "is a collection"),
        ("memory[x].total", "not a collection"),
        ("volumes[/.used_percent", "'[' without ']'"),
        ("volumes]x[.used_percent", "']' without '['"),
        ("volumes[nosuch=1].used_percent", "have no field 'nosuch'"),
        ("cpu.times", "not on a number"),
        ("cpu.9x", "is not NAME"),
    ],
)
def test_bad_paths_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(PathError, match=re_escape(reason)):
        parse(text)


def re_escape(text: str) -> str:
    import re

    return re.escape(text)


def test_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse(3)  # type: ignore[arg-type]


def test_flatten_names_every_value_by_a_path_that_resolves_back() -> None:
    sample = _sample()
    flat = flatten(sample)
    assert "processes[10].cpu_percent" not in flat  # processes only when asked
    assert flat["cpu.percent"] == 62.5
    assert flat["volumes[/home].used_percent"] == 90.0
    assert flat["interfaces[eth0].rx_bytes_per_second"] == 2048.0
    for concrete, value in flat.items():
        assert resolve(concrete, sample) == {concrete: value}, concrete
    with_procs = flatten(sample, families=["processes"])
    assert with_procs["processes[10].cpu_percent"] == 30.0
    assert all(k.startswith("processes[") for k in with_procs)


@given(st.text(max_size=40))
def test_parse_never_raises_anything_but_path_error(text: str) -> None:
    try:
        parse(text)
    except PathError:
        pass


def test_reducers_fold_as_documented() -> None:
    values = [1.0, 2.0, 6.0]
    folded = {name: fn(values) for name, fn in metricpath.REDUCERS.items()}
    assert folded == {"max": 6.0, "min": 1.0, "sum": 9.0, "mean": 3.0, "count": 3}
    assert math.isclose(folded["mean"], 3.0)
