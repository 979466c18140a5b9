"""Hypothesis fuzz of the sensor, fan, throttle and fan-state parsers, and of the collectors over
sysfs files holding arbitrary bytes: a value or ParseError (collectors: ``None``), nothing else."""

from __future__ import annotations

import itertools
import re
import string
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.fans import read_fans
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers import sensors as p
from darwin_metrics.linux.parsers.fanstate import PwmState, format_state, parse_state
from darwin_metrics.linux.parsers.thermal import CPUThrottleReading, deduplicate
from darwin_metrics.linux.sensors import read_temperatures
from darwin_metrics.linux.thermal import read_cpu_throttle
from darwin_metrics.records.sensors import SensorKind

KINDS = set(get_args(SensorKind))
TEXT_PARSERS: list[Callable[[str, str], Any]] = [
    p.parse_int,
    p.parse_millicelsius,
    p.parse_limit,
    p.parse_flag,
    p.parse_rpm,
    p.parse_pwm,
    p.parse_cooling_state,
    p.parse_trip_type,
]
#: Text that looks like sysfs numbers, to reach the range checks as well as the syntax checks.
numberish = st.one_of(
    st.integers(min_value=-(10**22), max_value=10**22).map(str),
    st.from_regex(r"\A-?[0-9]{1,25}\n?\Z"),
    st.text(alphabet=string.digits + "-+ \n\t._xe", max_size=30),
)
any_text = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")),
    numberish,
)


@pytest.mark.parametrize("parse", TEXT_PARSERS, ids=lambda f: f.__name__)
@given(text=any_text)
def test_text_parsers_return_value_or_parse_error(
    parse: Callable[[str, str], Any], text: str
) -> None:
    try:
        value = parse(text, "/sys/x")
    except ParseError as exc:
        assert exc.source == "/sys/x"
        return
    if parse is p.parse_pwm:
        assert 0 <= value <= 255
    if parse is p.parse_rpm:
        assert value >= 0
    if parse is p.parse_cooling_state:
        assert value is None or value >= 0


@given(text=any_text)
def test_names_and_classification(text: str) -> None:
    parts = p.split_attribute(text)
    if parts is not None:
        assert parts[0] in ("temp", "fan", "pwm", "power", "energy") and parts[1] >= 0
    trip = p.split_trip_point(text)
    if trip is not None:
        assert trip[1] in ("temp", "type", "hyst")
    cleaned = p.clean_id(text)
    assert set(cleaned) <= set(string.ascii_lowercase + string.digits + ":_")
    assert isinstance(p.chip_id(text or None, text, "/sys/class/hwmon/" + text), str)
    assert p.classify_sensor(text, text, index=1, sensor_type=6) in KINDS
    assert p.classify_sensor(text, None) in KINDS
    assert p.classify_zone(text) in KINDS


#: What split_attribute accepts, written as a pattern (an independent statement of the rule).
_ATTRIBUTE = re.compile(r"(temp|fan|pwm|power|energy)([0-9]{1,6})(?:_([a-z0-9_]+))?")
_PIECES = ["temp", "fan", "pwm", "power", "energy", "in", "curr", "1", "0", "89", "٣", "_"]
_PIECES += ["input", "label", "cap_max", "x", "A", "", "-", "1234567", "\n"]
_attribute_names = st.one_of(
    st.text(),
    st.builds(
        "".join,
        st.lists(
            st.sampled_from(_PIECES),
            max_size=6,
        ),
    ),
)


@given(name=_attribute_names)
def test_split_attribute_follows_the_rule(name: str) -> None:
    match = _ATTRIBUTE.fullmatch(name)
    expected = None if match is None else (match[1], int(match[2]), match[3] or "")
    assert p.split_attribute(name) == expected


def test_split_attribute_examples() -> None:
    assert p.split_attribute("power1_cap_max") == ("power", 1, "cap_max")
    assert p.split_attribute("energy12_input") == ("energy", 12, "input")
    assert p.split_attribute("pwm1_auto_point1_temp") == ("pwm", 1, "auto_point1_temp")
    assert p.split_attribute("temp0") == ("temp", 0, "")
    assert p.split_attribute("fan9_input") == ("fan", 9, "input")
    assert p.split_attribute("temp123456") == ("temp", 123456, "")
    assert p.split_attribute("temp1234567") is None
    for rejected in ("power", "power_state", "temp1_", "in0_input", "temp1a_input", "energy_uj"):
        assert p.split_attribute(rejected) is None


@given(
    value=st.integers(min_value=-(2**40), max_value=2**40),
    chip=st.sampled_from([None, "nct6775", "pwmfan"]),
)
def test_mode_decoders(value: int, chip: str | None) -> None:
    assert p.fan_mode(value, chip) in (None, "full", "manual", "automatic")
    assert p.fan_drive(value) in (None, "dc", "pwm")


@given(percent=st.floats(allow_nan=True, allow_infinity=True))
def test_percent_to_pwm(percent: float) -> None:
    try:
        pwm = p.percent_to_pwm(percent)
    except ValueError:
        assert not 0.0 <= percent <= 100.0
        return
    assert 0 <= pwm <= 255


def test_pwm_round_trip() -> None:
    assert all(p.percent_to_pwm(p.pwm_to_percent(v)) == v for v in range(256))


# -- the fan-control state file ------------------------------------------------------------------

states = st.builds(
    PwmState,
    fan=st.text(max_size=40),
    pwm_path=st.text(max_size=40).map(lambda s: "/" + s.replace("\0", "")),
    enable_path=st.none() | st.text(max_size=40).map(lambda s: "/" + s.replace("\0", "")),
    pwm=st.none() | st.integers(0, 255),
    enable=st.none() | st.integers(-1, 255),
    enable_is_mode=st.booleans(),
    pid=st.integers(1, 2**22),
    start_time=st.none() | st.integers(0, 2**63),
    created=st.floats(0, 2e9),
)


@given(state=states)
def test_state_round_trip(state: PwmState) -> None:
    assert parse_state(format_state(state), "s") == state


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.dictionaries(
            st.sampled_from(
                [
                    "version",
                    "fan",
                    "pwm_path",
                    "enable_path",
                    "pwm",
                    "enable",
                    "enable_is_mode",
                    "pid",
                    "start_time",
                    "created",
                ]
            ),
            json_values,
        ).map(lambda d: __import__("json").dumps(d).encode()),
    )
)
def test_parse_state_fuzz(data: bytes) -> None:
    try:
        state = parse_state(data, "s")
    except ParseError:
        return
    assert state.pwm_path.startswith("/") and state.pid > 0


# -- throttle de-duplication and the tracker ------------------------------------------------------

readings = st.lists(
    st.builds(
        CPUThrottleReading,
        cpu=st.integers(0, 64),
        package=st.integers(0, 3),
        core=st.integers(0, 8),
        core_count=st.none() | st.integers(0, 10**6),
        core_total_ms=st.none() | st.integers(0, 10**9),
        core_max_ms=st.none() | st.integers(0, 10**9),
        package_count=st.none() | st.integers(0, 10**6),
        package_total_ms=st.none() | st.integers(0, 10**9),
        package_max_ms=st.none() | st.integers(0, 10**9),
    ),
    max_size=20,
    unique_by=lambda r: r.cpu,
)


@given(values=readings)
def test_deduplicate(values: list[CPUThrottleReading]) -> None:
    packages, cores = deduplicate(values)
    assert [x.package for x in packages] == sorted(
        {r.package for r in values if r.package_count is not None}
    )
    assert [(c.package, c.core) for c in cores] == sorted(
        {(r.package, r.core) for r in values if r.core_count is not None}
    )
    for pkg in packages:
        first = min(
            (r for r in values if r.package == pkg.package and r.package_count is not None),
            key=lambda r: r.cpu,
        )
        assert pkg.count == first.package_count and pkg.cpus[0] == first.cpu


@given(history=st.lists(readings, min_size=2, max_size=5))
def test_rates_throttle_iff_a_counter_rose(history: list[list[CPUThrottleReading]]) -> None:
    from darwin_metrics.hwrates import rose, thermal_rates, throttle_counters
    from darwin_metrics.records.thermal import Thermal

    states = []
    for values in history:
        packages, cores = deduplicate(values)
        states.append(Thermal(throttling=False, packages=packages, cores=cores))
    for before, after in itertools.pairwise(states):
        rates = thermal_rates(before, after, 1.0)
        old = throttle_counters(before.packages or (), before.cores or ())
        new = throttle_counters(after.packages or (), after.cores or ())
        expected = [n for n, v in new.items() if n in old and rose(old[n], v)]
        assert rates.sources == tuple(expected)
        assert rates.throttling == bool(expected)


# -- the collectors over arbitrary file contents -------------------------------------------------

HWMON_FILES = [
    "name",
    "temp1_input",
    "temp1_label",
    "temp1_max",
    "temp1_min",
    "temp1_crit",
    "temp1_crit_hyst",
    "temp1_emergency",
    "temp1_alarm",
    "temp1_crit_alarm",
    "temp1_type",
    "fan1_input",
    "fan1_min",
    "fan1_max",
    "fan1_target",
    "fan1_label",
    "fan1_alarm",
    "fan1_manual",
    "fan1_output",
    "pwm1",
    "pwm1_enable",
    "pwm1_mode",
    "pwm1_min",
    "pwm1_start",
    "pwm1_floor",
]
ZONE_FILES = [
    "type",
    "temp",
    "mode",
    "policy",
    "trip_point_0_temp",
    "trip_point_0_type",
    "trip_point_0_hyst",
]
COOLING_FILES = ["type", "cur_state", "max_state"]
CPU_FILES = [
    "topology/physical_package_id",
    "topology/core_id",
    "thermal_throttle/core_throttle_count",
    "thermal_throttle/package_throttle_count",
    "thermal_throttle/core_throttle_total_time_ms",
    "thermal_throttle/package_throttle_max_time_ms",
]
contents = st.one_of(st.binary(max_size=40), numberish.map(str.encode))


@settings(max_examples=60, deadline=None)
@given(
    hwmon=st.fixed_dictionaries(dict.fromkeys(HWMON_FILES, contents)),
    zone=st.fixed_dictionaries(dict.fromkeys(ZONE_FILES, contents)),
    cooling=st.fixed_dictionaries(dict.fromkeys(COOLING_FILES, contents)),
    cpu=st.fixed_dictionaries(dict.fromkeys(CPU_FILES, contents)),
)
def test_collectors_never_raise(
    hwmon: dict[str, bytes],
    zone: dict[str, bytes],
    cooling: dict[str, bytes],
    cpu: dict[str, bytes],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for directory, files in (
            (base / "class/hwmon/hwmon0", hwmon),
            (base / "class/thermal/thermal_zone0", zone),
            (base / "class/thermal/cooling_device0", cooling),
            (base / "devices/system/cpu/cpu0", cpu),
        ):
            for name, data in files.items():
                path = directory / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        roots = Roots(procfs=str(base), sysfs=str(base))
        temps = read_temperatures(roots)
        assert len(temps.zones) == 1 and len(temps.cooling_devices) == 1
        assert len(temps.sensors) <= 1
        fans = read_fans(roots)
        assert all(f.duty_percent is None or 0 <= f.duty_percent <= 100 for f in fans)
        read_cpu_throttle(roots)
