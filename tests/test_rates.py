"""Rates from two readings: counter wraps and resets, CPU percent, interfaces, disks, processes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.rates import (
    MS_WRAP_SECONDS,
    SECTOR_WRAP_BYTES,
    WRAP_32,
    compute_rates,
    core_percents,
    counter_delta,
    counter_rate,
    cpu_mode_percents,
    cpu_percent,
    cpu_rates,
    disk_rates,
    interface_rates,
    process_cpu_percents,
    process_rates,
)
from darwin_metrics.records import DiskRates, Interface, Rates, Snapshot
from tests.support import make

# -- counters -----------------------------------------------------------------------------------


def test_counter_grows() -> None:
    assert counter_delta(1000, 1500) == 500
    assert counter_delta(7, 7) == 0


def test_counter_32bit_wrap() -> None:
    # 100 below the top of a 32-bit counter, then 50 past zero: 150 counted.
    assert counter_delta(WRAP_32 - 100, 50) == 150
    assert counter_rate(WRAP_32 - 100, 50, 2.0) == 75.0


def test_counter_reset_is_none() -> None:
    # 1000 -> 10: the wrapped delta would be ~4.29e9, more than half the range: a reset.
    assert counter_delta(1000, 10) is None
    assert counter_rate(1000, 10, 1.0) is None


def test_64bit_counter_going_back_is_a_reset() -> None:
    assert counter_delta(WRAP_32 + 5, 3) is None
    assert counter_delta(10**15, 10**14) is None


def test_wrap_bounded_by_max_delta() -> None:
    assert counter_delta(WRAP_32 - 10, 10, max_delta=30) == 20
    assert counter_delta(WRAP_32 - 10, 10, max_delta=5) is None


def test_counter_missing_value() -> None:
    assert counter_delta(None, 5) is None
    assert counter_delta(5, None) is None


@pytest.mark.parametrize("elapsed", [0.0, -1.0, math.nan])
def test_zero_or_bad_elapsed_gives_none(elapsed: float) -> None:
    assert counter_rate(0, 100, elapsed) is None
    before = [make.iface("eth0", rx_bytes=0)]
    after = [make.iface("eth0", rx_bytes=100)]
    rates = interface_rates(before, after, elapsed)["eth0"]
    assert rates is not None
    assert rates.rx_bytes_per_second is None
    disk = disk_rates([make.disk("sda")], [make.disk("sda", reads=5, busy_time=0.5)], elapsed)
    assert disk["sda"] == DiskRates(name="sda")
    assert process_cpu_percents([make.proc(1)], [make.proc(1, user=1.0)], elapsed) == {
        (1, 1000.0): None
    }


# -- CPU ----------------------------------------------------------------------------------------


def test_cpu_percent_busy_over_total() -> None:
    before = make.times(user=10, system=5, idle=80, iowait=5)
    after = make.times(user=13, system=6, idle=84, iowait=7)
    # busy 3 + 1 = 4 of 4 + 4 + 2 = 10 seconds
    assert cpu_percent(before, after) == pytest.approx(40.0)
    modes = cpu_mode_percents(before, after)
    assert modes is not None
    assert (modes.user, modes.system, modes.idle, modes.iowait) == pytest.approx(
        (30.0, 10.0, 40.0, 20.0)
    )
    assert modes.nice == 0.0
    assert modes.steal == 0.0


def test_idle_going_backwards_is_clamped() -> None:
    # The kernel's idle/iowait can step back (NO_HZ, hotplug); that mode counts as 0 seconds.
    before = make.times(user=10, system=10, idle=100, iowait=20)
    after = make.times(user=12, system=11, idle=99.5, iowait=21)
    # deltas: user 2, system 1, idle 0 (clamped), iowait 1 -> busy 3 of 4
    assert cpu_percent(before, after) == pytest.approx(75.0)


def test_everything_backwards_gives_none() -> None:
    before = make.times(user=10, system=10, idle=100)
    after = make.times(user=9, system=9, idle=99)
    assert cpu_percent(before, after) is None
    assert cpu_mode_percents(before, after) is None


def test_no_time_accounted_gives_none() -> None:
    t = make.times(user=1, system=1, idle=1)
    assert cpu_percent(t, t) is None


def test_absent_modes_are_none() -> None:
    before = make.times(user=0, system=0, idle=0, iowait=None, irq=None, softirq=None, steal=None)
    after = make.times(user=1, system=1, idle=2, iowait=None, irq=None, softirq=None, steal=None)
    modes = cpu_mode_percents(before, after)
    assert modes is not None
    assert modes.iowait is None
    assert modes.idle == pytest.approx(50.0)
    assert cpu_percent(before, after) == pytest.approx(50.0)


def test_guest_time_is_not_counted_twice() -> None:
    before = make.times(user=10, idle=10, guest=0)
    after = make.times(user=11, idle=11, guest=1)
    assert cpu_percent(before, after) == pytest.approx(50.0)


def test_core_percents_keyed_by_index() -> None:
    before = [make.core(0, user=0, idle=0), make.core(2, user=0, idle=0)]
    after = [
        make.core(0, user=1, idle=3),
        make.core(2, user=2, idle=2),
        make.core(5, user=9, idle=9),  # came online since: no previous reading
    ]
    assert core_percents(before, after) == {0: pytest.approx(25.0), 2: pytest.approx(50.0)}


def test_cpu_rates_record() -> None:
    before = make.cpu([make.core(1, user=0, idle=0), make.core(0, user=0, idle=0)])
    after = make.cpu([make.core(1, user=1, idle=1), make.core(0, user=3, idle=1)])
    rates = cpu_rates(before.times, after.times, before.cores, after.cores)
    assert rates.percent == pytest.approx(100.0 * 4 / 6)
    assert [c.index for c in rates.cores] == [0, 1]
    assert rates.per_core_percent == (pytest.approx(75.0), pytest.approx(50.0))


# -- interfaces ---------------------------------------------------------------------------------


def test_interface_rates_per_second() -> None:
    before = [make.iface("eth0", rx_bytes=1000, tx_bytes=500, rx_packets=10, tx_drops=1)]
    after = [make.iface("eth0", rx_bytes=3000, tx_bytes=900, rx_packets=30, tx_drops=3)]
    rates = interface_rates(before, after, 2.0)["eth0"]
    assert rates is not None
    assert rates.rx_bytes_per_second == 1000.0
    assert rates.tx_bytes_per_second == 200.0
    assert rates.rx_packets_per_second == 10.0
    assert rates.tx_drops_per_second == 1.0
    assert rates.rx_errors_per_second == 0.0


def test_interface_32bit_wrap_and_single_counter_reset() -> None:
    before = [make.iface("wlan0", rx_bytes=WRAP_32 - 1000, tx_bytes=5_000_000)]
    after = [make.iface("wlan0", rx_bytes=3000, tx_bytes=100)]
    rates = interface_rates(before, after, 1.0)["wlan0"]
    assert rates is not None
    assert rates.rx_bytes_per_second == 4000.0
    assert rates.tx_bytes_per_second is None  # 5e6 -> 100 is no plausible wrap: a reset


def test_recreated_interface_is_none() -> None:
    before = [make.iface("veth0", index=7, rx_bytes=10**9)]
    after = [make.iface("veth0", index=9, rx_bytes=10)]
    assert interface_rates(before, after, 1.0) == {"veth0": None}


def test_new_and_gone_interfaces_left_out() -> None:
    before = [make.iface("old0", index=3)]
    after = [make.iface("new0", index=4)]
    assert interface_rates(before, after, 1.0) == {}


def test_interface_without_counters() -> None:
    before = [make.iface("x0")]
    after = [Interface(name="x0", index=2, kind="other", is_up=False, is_running=False)]
    rates = interface_rates(before, after, 1.0)["x0"]
    assert rates is not None
    assert rates.rx_bytes_per_second is None


# -- disks --------------------------------------------------------------------------------------


def test_disk_rates() -> None:
    before = [
        make.disk(
            "sda", reads=100, read_bytes=4096 * 100, writes=50, write_bytes=8192, busy_time=10.0
        )
    ]
    after = [
        make.disk(
            "sda",
            reads=300,
            read_bytes=4096 * 300,
            writes=70,
            write_bytes=8192 * 3,
            busy_time=10.25,
        )
    ]
    rates = disk_rates(before, after, 0.5)["sda"]
    assert rates is not None
    assert rates.reads_per_second == 400.0
    assert rates.writes_per_second == 40.0
    assert rates.read_bytes_per_second == 4096 * 200 / 0.5
    assert rates.write_bytes_per_second == 8192 * 2 / 0.5
    assert rates.busy_percent == pytest.approx(50.0)


def test_disk_busy_clamped_to_100() -> None:
    before = [make.disk("nvme0n1", busy_time=1.0)]
    after = [make.disk("nvme0n1", busy_time=2.2)]  # 1.2 s busy in 1 s of wall time: clock skew
    rates = disk_rates(before, after, 1.0)["nvme0n1"]
    assert rates is not None
    assert rates.busy_percent == 100.0


def test_disk_ms_and_sector_wraps() -> None:
    before = [
        make.disk("sdb", busy_time=MS_WRAP_SECONDS - 0.25, read_bytes=SECTOR_WRAP_BYTES - 512)
    ]
    after = [make.disk("sdb", busy_time=0.25, read_bytes=1024)]
    rates = disk_rates(before, after, 1.0)["sdb"]
    assert rates is not None
    assert rates.busy_percent == pytest.approx(50.0)
    assert rates.read_bytes_per_second == 1536.0


def test_disk_reset_and_recreated() -> None:
    before = [make.disk("sdc", busy_time=500.0, reads=10**6), make.disk("loop0", 7, 0)]
    after = [make.disk("sdc", busy_time=0.1, reads=5), make.disk("loop0", 7, 3)]
    rates = disk_rates(before, after, 1.0)
    sdc = rates["sdc"]
    assert sdc is not None
    assert sdc.busy_percent is None
    assert sdc.reads_per_second is None
    assert rates["loop0"] is None


def test_disk_without_busy_time() -> None:
    before = [make.disk("md0", busy_time=None)]
    after = [make.disk("md0", busy_time=None, reads=10)]
    rates = disk_rates(before, after, 1.0)["md0"]
    assert rates is not None
    assert rates.busy_percent is None
    assert rates.reads_per_second == 10.0


# -- processes ----------------------------------------------------------------------------------


def test_process_cpu_percent_of_one_cpu() -> None:
    before = [make.proc(10, user=1.0, system=0.5), make.proc(11, user=5.0)]
    after = [make.proc(10, user=1.5, system=0.75), make.proc(11, user=8.0)]
    percents = process_cpu_percents(before, after, 1.0)
    assert percents[(10, 1000.0)] == pytest.approx(75.0)
    assert percents[(11, 1000.0)] == pytest.approx(300.0)  # three CPUs busy: like top


def test_reused_pid_is_a_new_process() -> None:
    before = [make.proc(42, user=100.0, create_time=1000.0)]
    after = [make.proc(42, user=0.1, create_time=2000.0)]
    assert process_cpu_percents(before, after, 1.0) == {}
    assert process_rates(before, after, 1.0) == {}


def test_process_cpu_going_back_is_none() -> None:
    before = [make.proc(5, user=10.0, create_time=None)]
    after = [make.proc(5, user=9.0, create_time=None)]
    assert process_cpu_percents(before, after, 1.0) == {(5, None): None}


def test_process_io_rates() -> None:
    before = [make.proc(7, read_bytes=1000, write_bytes=0), make.proc(8, read_bytes=None)]
    after = [make.proc(7, read_bytes=5000, write_bytes=2000), make.proc(8, read_bytes=None)]
    rates = process_rates(before, after, 2.0)
    assert rates[(7, 1000.0)].read_bytes_per_second == 2000.0
    assert rates[(7, 1000.0)].write_bytes_per_second == 1000.0
    assert rates[(8, 1000.0)].read_bytes_per_second is None
    assert rates[(8, 1000.0)].cpu_percent == 0.0


# -- whole snapshots ----------------------------------------------------------------------------


def test_compute_rates_missing_families_are_none() -> None:
    a = Snapshot(timestamp=1.0, platform="linux")
    b = Snapshot(timestamp=2.0, platform="linux", interfaces=(make.iface("eth0"),))
    rates = compute_rates(a, b, 1.0)
    assert rates == Rates(elapsed=1.0)


def test_compute_rates_leaves_out_recreated_items() -> None:
    a = Snapshot(
        timestamp=1.0,
        platform="linux",
        interfaces=(make.iface("eth0", rx_bytes=0), make.iface("tap0", index=5)),
        disks=(make.disk("sda"),),
        processes=(make.proc(1, user=1.0),),
    )
    b = Snapshot(
        timestamp=2.0,
        platform="linux",
        interfaces=(make.iface("eth0", rx_bytes=10), make.iface("tap0", index=6)),
        disks=(make.disk("sda", reads=4),),
        processes=(make.proc(1, user=1.5),),
    )
    rates = compute_rates(a, b, 0.5)
    assert [r.name for r in rates.interfaces or ()] == ["eth0"]
    assert rates.interface("eth0") is not None
    assert rates.interface("eth0").rx_bytes_per_second == 20.0  # type: ignore[union-attr]
    assert rates.interface("tap0") is None
    assert rates.disk("sda").reads_per_second == 8.0  # type: ignore[union-attr]
    assert rates.process(1).cpu_percent == pytest.approx(100.0)  # type: ignore[union-attr]
    assert rates.process(1, 999.0) is None


# -- properties ---------------------------------------------------------------------------------

_seconds = st.floats(min_value=0, max_value=1e9, allow_nan=False)
_optional_seconds = st.one_of(st.none(), _seconds)
_counter = st.integers(min_value=0, max_value=2**64 - 1)
_elapsed = st.one_of(st.floats(min_value=-1, max_value=1e6), st.just(math.nan))


@st.composite
def _times(draw: st.DrawFn) -> object:
    return make.times(
        user=draw(_seconds),
        nice=draw(_optional_seconds),
        system=draw(_seconds),
        idle=draw(_seconds),
        iowait=draw(_optional_seconds),
        irq=draw(_optional_seconds),
        softirq=draw(_optional_seconds),
        steal=draw(_optional_seconds),
        guest=draw(_optional_seconds),
    )


@given(_times(), _times())
def test_cpu_percent_within_0_100(before: object, after: object) -> None:
    value = cpu_percent(before, after)  # type: ignore[arg-type]
    assert value is None or 0.0 <= value <= 100.0
    modes = cpu_mode_percents(before, after)  # type: ignore[arg-type]
    if modes is not None:
        for mode in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"):
            share = getattr(modes, mode)
            assert share is None or 0.0 <= share <= 100.0


@given(_counter, _counter, _elapsed)
def test_counter_rate_never_negative(before: int, after: int, elapsed: float) -> None:
    rate = counter_rate(before, after, elapsed)
    assert rate is None or rate >= 0
    delta = counter_delta(before, after)
    assert delta is None or 0 <= delta < 2**64
    if delta is not None and after < before:
        assert delta <= WRAP_32 // 2  # a followed wrap is never absurd


@given(
    st.lists(st.tuples(_counter, _counter), min_size=8, max_size=8),
    st.integers(1, 3),
    st.integers(1, 3),
    _elapsed,
)
def test_interface_rates_never_negative(
    pairs: list[tuple[int, int]], index_a: int, index_b: int, elapsed: float
) -> None:
    names = (
        "rx_bytes",
        "rx_packets",
        "rx_errors",
        "rx_drops",
        "tx_bytes",
        "tx_packets",
        "tx_errors",
        "tx_drops",
    )
    before = make.iface("e", index=index_a, **{n: p[0] for n, p in zip(names, pairs, strict=True)})
    after = make.iface("e", index=index_b, **{n: p[1] for n, p in zip(names, pairs, strict=True)})
    rates = interface_rates([before], [after], elapsed)["e"]
    if index_a != index_b:
        assert rates is None
        return
    assert rates is not None
    for n in names:
        value = getattr(rates, f"{n}_per_second")
        assert value is None or value >= 0


@given(
    st.floats(0, 1e7, allow_nan=False),
    st.floats(0, 1e7, allow_nan=False),
    _counter,
    _counter,
    _elapsed,
)
def test_disk_rates_bounded(
    busy_a: float, busy_b: float, reads_a: int, reads_b: int, elapsed: float
) -> None:
    before = make.disk("d", busy_time=busy_a, reads=reads_a, read_bytes=reads_a)
    after = make.disk("d", busy_time=busy_b, reads=reads_b, read_bytes=reads_b)
    rates = disk_rates([before], [after], elapsed)["d"]
    assert rates is not None
    assert rates.busy_percent is None or 0.0 <= rates.busy_percent <= 100.0
    for value in (rates.reads_per_second, rates.read_bytes_per_second):
        assert value is None or value >= 0


@given(_seconds, _seconds, _seconds, _seconds, _elapsed)
def test_process_rates_never_negative(
    user_a: float, user_b: float, read_a: float, read_b: float, elapsed: float
) -> None:
    before = make.proc(3, user=user_a, read_bytes=int(read_a))
    after = make.proc(3, user=user_b, read_bytes=int(read_b))
    (rates,) = process_rates([before], [after], elapsed).values()
    assert rates.cpu_percent is None or rates.cpu_percent >= 0
    assert rates.read_bytes_per_second is None or rates.read_bytes_per_second >= 0
