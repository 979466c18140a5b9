"""The pure parsers behind cpu() and memory(): captured files, hand-made edge files, fuzzing.

Expected numbers are read by hand from the captured trees (``ne_tree``: node_exporter's
``proc/``; ``pf_tree``: prometheus/procfs ``fixtures.ttar``) and from ``tests/data/cpu_memory``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.cpufreq import parse_khz
from darwin_metrics.linux.parsers.cpuinfo import parse_cpuinfo
from darwin_metrics.linux.parsers.cpulist import parse_cpulist
from darwin_metrics.linux.parsers.loadavg import parse_loadavg
from darwin_metrics.linux.parsers.meminfo import parse_meminfo
from darwin_metrics.linux.parsers.numbers import decimal, decimal_scaled, u64
from darwin_metrics.linux.parsers.pressure import parse_pressure
from darwin_metrics.linux.parsers.stat import parse_stat
from darwin_metrics.linux.parsers.vmstat import parse_vmstat
from darwin_metrics.records.cpu import CPUTimes, LoadAverage
from darwin_metrics.records.memory import PressureStall
from tests.conftest import HANDMADE, Tree

DATA = HANDMADE / "cpu_memory"
U64_MAX = 2**64 - 1


def _data(name: str) -> bytes:
    return (DATA / name).read_bytes()


# --------------------------------------------------------------------------------- /proc/stat


def test_stat_node_exporter(ne_tree: Tree) -> None:
    stat = parse_stat((ne_tree.proc / "stat").read_bytes(), "stat", ticks_per_second=100)
    # cpu  301854 612 111922 8979004 3552 2 3944 0 44 36
    assert stat.total == CPUTimes(
        user=3018.54,
        nice=6.12,
        system=1119.22,
        idle=89790.04,
        iowait=35.52,
        irq=0.02,
        softirq=39.44,
        steal=0.0,
        guest=0.44,
        guest_nice=0.36,
    )
    assert [n for n, _ in stat.per_cpu] == [0, 1, 2, 3, 4, 5, 6, 7]
    # cpu7 29098 268 10164 1139282 555 0 31 0 9 8
    assert stat.per_cpu[7][1] == CPUTimes(
        user=290.98,
        nice=2.68,
        system=101.64,
        idle=11392.82,
        iowait=5.55,
        irq=0.0,
        softirq=0.31,
        steal=0.0,
        guest=0.09,
        guest_nice=0.08,
    )
    assert stat.interrupts == 8885917
    assert stat.context_switches == 38014093
    assert stat.boot_time == 1418183276
    assert stat.forks == 26442
    assert stat.procs_running == 2
    assert stat.procs_blocked == 0
    assert stat.soft_interrupts == 5057579


def test_stat_procfs(pf_tree: Tree) -> None:
    stat = parse_stat((pf_tree.proc / "stat").read_bytes(), "stat", ticks_per_second=100)
    # cpu0 44490 19 21045 1087069 220 1 3410 0 0 0
    assert stat.per_cpu[0] == (
        0,
        CPUTimes(
            user=444.9,
            nice=0.19,
            system=210.45,
            idle=10870.69,
            iowait=2.2,
            irq=0.01,
            softirq=34.1,
            steal=0.0,
            guest=0.0,
            guest_nice=0.0,
        ),
    )
    assert stat.interrupts == 73777505
    assert stat.procs_blocked == 1
    assert stat.boot_time == 1418183276


def test_stat_ticks_per_second_is_the_divisor() -> None:
    stat = parse_stat(b"cpu  1024 0 0 0\ncpu0 1024 0 0 0\n", "s", ticks_per_second=1024)
    assert stat.total.user == 1.0


def test_stat_old_kernel_has_no_steal_or_guest() -> None:
    stat = parse_stat(_data("stat_linux26"), "stat_linux26", ticks_per_second=100)
    assert stat.total == CPUTimes(
        user=1.0, nice=0.0, system=0.5, idle=10.0, iowait=0.05, irq=0.01, softirq=0.02
    )
    assert stat.total.steal is None and stat.total.guest is None
    assert stat.soft_interrupts is None
    assert stat.boot_time == 1100000000


def test_stat_gaps_keep_cpu_numbers() -> None:
    stat = parse_stat(_data("stat_gaps"), "stat_gaps", ticks_per_second=100)
    assert [n for n, _ in stat.per_cpu] == [0, 2, 5]
    assert stat.soft_interrupts == 8


def test_stat_u64_max_is_a_value() -> None:
    stat = parse_stat(_data("stat_u64_max"), "stat_u64_max", ticks_per_second=100)
    assert stat.total.user == U64_MAX / 100
    assert stat.context_switches == U64_MAX
    assert stat.interrupts == U64_MAX


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("stat_u64_overflow", "64 bits"),
        ("stat_truncated", "columns"),
        ("stat_garbage", "no 'cpu' line"),
        ("empty", "no 'cpu' line"),
    ],
)
def test_stat_malformed_files(name: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason) as info:
        parse_stat(_data(name), name)
    assert info.value.source == name


@pytest.mark.parametrize(
    "data",
    [
        b"cpu  1 2 3 4\n",  # no per-CPU line
        b"cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu0 1 2 3 4\n",  # CPU twice
        b"cpu  1 2 3 4\ncpu 1 2 3 4\ncpu0 1 2 3 4\n",  # total twice
        b"cpu  1 2 3 4\ncpuX 1 2 3 4\n",
        b"cpu  1 -2 3 4\ncpu0 1 2 3 4\n",
        b"cpu  1 2 3 4\ncpu0 1 2 3 4\nctxt\n",
        b"cpu  1 2 3 4\ncpu0 1 2 3 4\nctxt 1 2\n",
        b"cpu  1 2 3 4\ncpu0 1 2 3 4\nintr\n",
        b"cpu  1 2 3 4\ncpu0 1 2 3 4\nbtime 1_000\n",
    ],
)
def test_stat_bad_lines(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_stat(data, "s")


# ------------------------------------------------------------------------------- /proc/cpuinfo


def test_cpuinfo_node_exporter(ne_tree: Tree) -> None:
    info = parse_cpuinfo((ne_tree.proc / "cpuinfo").read_bytes(), "cpuinfo")
    assert info.model == "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"
    assert info.vendor == "GenuineIntel"
    assert [p.index for p in info.processors] == list(range(8))
    first, last = info.processors[0], info.processors[7]
    assert (first.physical_id, first.core_id, first.cpu_cores) == (0, 0, 4)
    assert first.frequency == 799_998_000.0  # cpu MHz : 799.998
    assert (last.physical_id, last.core_id, last.frequency) == (0, 3, 800_030_000.0)


def test_cpuinfo_procfs(pf_tree: Tree) -> None:
    info = parse_cpuinfo((pf_tree.proc / "cpuinfo").read_bytes(), "cpuinfo")
    assert info.model == "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"
    assert len(info.processors) == 8
    assert info.processors[5].frequency == 800_083_000.0  # 800.083


def test_cpuinfo_arm64() -> None:
    info = parse_cpuinfo(_data("cpuinfo_arm64"), "cpuinfo_arm64")
    assert info.model is None
    assert info.vendor == "ARM"
    assert [p.index for p in info.processors] == [0, 1]
    assert info.processors[0].frequency is None


@pytest.mark.parametrize(
    ("data", "vendor"),
    [(b"CPU implementer\t: 0x61\n", "Apple"), (b"CPU implementer\t: 0x99\n", "implementer 0x99")],
)
def test_cpuinfo_implementers(data: bytes, vendor: str) -> None:
    assert parse_cpuinfo(data, "c").vendor == vendor


@pytest.mark.parametrize(
    "data",
    [
        _data("cpuinfo_no_colon"),
        _data("empty"),
        b"processor\t: 0\nprocessor\t: 0\n",
        b"processor\t: 0\ncore id\t: x\n",
        b"processor\t: 0\ncpu MHz\t\t: 8OO.1\n",
        b"CPU implementer\t: 41\n",
    ],
)
def test_cpuinfo_malformed(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_cpuinfo(data, "cpuinfo")


# ------------------------------------------------------------------------------- /proc/loadavg


def test_loadavg_trees(ne_tree: Tree, pf_tree: Tree) -> None:
    assert parse_loadavg((ne_tree.proc / "loadavg").read_bytes(), "l") == LoadAverage(
        one=0.21, five=0.37, fifteen=0.39
    )
    assert parse_loadavg((pf_tree.proc / "loadavg").read_bytes(), "l") == LoadAverage(
        one=0.02, five=0.04, fifteen=0.05
    )


@pytest.mark.parametrize("name", ["loadavg_truncated", "loadavg_garbage", "empty"])
def test_loadavg_malformed(name: str) -> None:
    with pytest.raises(ParseError):
        parse_loadavg(_data(name), name)


def test_loadavg_huge_is_finite() -> None:
    assert parse_loadavg(b"99999999.99 0 0 1/1 1\n", "l").one == 99999999.99
    with pytest.raises(ParseError):
        parse_loadavg(b"9" * 400 + b" 0 0\n", "l")


# ------------------------------------------------------------------------------- /proc/meminfo


def test_meminfo_node_exporter(ne_tree: Tree) -> None:
    info = parse_meminfo((ne_tree.proc / "meminfo").read_bytes(), "meminfo")
    assert info["MemTotal"] == 3742148 * 1024
    assert info["Active(anon)"] == 2020004 * 1024
    assert info["VmallocTotal"] == 34359738367 * 1024
    assert info["HugePages_Total"] == 0  # a count, no unit
    assert info["Hugepagesize"] == 2048 * 1024
    assert "MemAvailable" not in info


def test_meminfo_procfs(pf_tree: Tree) -> None:
    info = parse_meminfo((pf_tree.proc / "meminfo").read_bytes(), "meminfo")
    assert info["MemTotal"] == 15666184 * 1024
    assert info["Zswap"] == 22414 * 1024
    assert info["SwapTotal"] == 0


def test_meminfo_modern_and_huge() -> None:
    info = parse_meminfo(_data("meminfo_modern"), "m")
    assert info["MemAvailable"] == 8192000 * 1024
    assert info["HugePages_Total"] == 4
    huge = parse_meminfo(_data("meminfo_huge"), "m")
    assert huge["MemTotal"] == 18014398509481983 * 1024


@pytest.mark.parametrize(
    "data",
    [
        _data("meminfo_truncated"),
        _data("meminfo_bad_unit"),
        _data("empty"),
        _data("stat_garbage"),
        b"MemTotal 100 kB\n",
        b": 100 kB\n",
        b"MemTotal: -1 kB\n",
        b"MemTotal: 100 kB extra\n",
    ],
)
def test_meminfo_malformed(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_meminfo(data, "meminfo")


# -------------------------------------------------------------------------------- /proc/vmstat


def test_vmstat_node_exporter(ne_tree: Tree) -> None:
    counters = parse_vmstat((ne_tree.proc / "vmstat").read_bytes(), "vmstat")
    assert counters["pswpin"] == 1476
    assert counters["pswpout"] == 35045
    assert counters["pgpgin"] == 7344136


def test_vmstat_selected_keys(ne_tree: Tree) -> None:
    data = (ne_tree.proc / "vmstat").read_bytes()
    assert parse_vmstat(data, "vmstat", ("pswpin", "pswpout", "absent")) == {
        "pswpin": 1476,
        "pswpout": 35045,
    }
    assert parse_vmstat(b"pswpin 7", "v", ("pswpin",)) == {"pswpin": 7}
    with pytest.raises(ParseError):
        parse_vmstat(b"x 1\npswpin 1 2\n", "v", ("pswpin",))


@pytest.mark.parametrize("data", [_data("vmstat_truncated"), _data("empty"), b"a 1 2\n", b"a x\n"])
def test_vmstat_malformed(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_vmstat(data, "vmstat")


# ------------------------------------------------------------------------------------- PSI


def test_pressure_node_exporter(ne_tree: Tree) -> None:
    io = parse_pressure((ne_tree.proc / "pressure" / "io").read_bytes(), "io")
    assert io == PressureStall(
        some_avg10_percent=0.18,
        some_avg60_percent=0.34,
        some_avg300_percent=0.10,
        some_total=159.886802,
        full_avg10_percent=0.18,
        full_avg60_percent=0.34,
        full_avg300_percent=0.10,
        full_total=159.229614,
    )
    irq = parse_pressure((ne_tree.proc / "pressure" / "irq").read_bytes(), "irq")
    assert irq == PressureStall(
        full_avg10_percent=0.0, full_avg60_percent=0.0, full_avg300_percent=0.0, full_total=0.008494
    )
    cpu = parse_pressure((ne_tree.proc / "pressure" / "cpu").read_bytes(), "cpu")
    assert cpu.some_total == 14.036781
    assert cpu.full_total == 0.0


def test_pressure_procfs(pf_tree: Tree) -> None:
    cpu = parse_pressure((pf_tree.proc / "pressure" / "cpu").read_bytes(), "cpu")
    assert cpu == PressureStall(
        some_avg10_percent=0.10, some_avg60_percent=2.00, some_avg300_percent=3.85, some_total=15e-6
    )
    memory = parse_pressure((pf_tree.proc / "pressure" / "memory").read_bytes(), "memory")
    assert (memory.full_avg10_percent, memory.full_avg60_percent, memory.full_avg300_percent) == (
        0.20,
        3.00,
        4.95,
    )
    assert memory.full_total == 25e-6


def test_pressure_hand_made() -> None:
    cpu = parse_pressure(_data("pressure_cpu_some_only"), "cpu")
    assert cpu == PressureStall(
        some_avg10_percent=1.5,
        some_avg60_percent=0.75,
        some_avg300_percent=0.25,
        some_total=123.456789,
    )
    irq = parse_pressure(_data("pressure_irq_full_only"), "irq")
    assert irq.some_avg10_percent is None
    assert (irq.full_avg60_percent, irq.full_total) == (0.01, 0.008494)
    # An unknown extra field is ignored (forward compatible).
    extra = parse_pressure(b"some avg10=1.00 avg60=2.00 avg300=3.00 total=4 new=5\n", "p")
    assert extra.some_total == 4e-6


@pytest.mark.parametrize(
    "data",
    [
        _data("pressure_bad_avg"),
        _data("pressure_truncated"),
        _data("empty"),
        b"some avg10=0.00 avg60=0.00 avg300=0.00\n",
        b"some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",
        b"half avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",
        b"some avg10 avg60=0.00 avg300=0.00 total=1\n",
        b"some avg10=nan avg60=0.00 avg300=0.00 total=1\n",
        b"some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n",
    ],
)
def test_pressure_malformed(data: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse_pressure(data, "/proc/pressure/memory")
    assert info.value.source == "/proc/pressure/memory"


# -------------------------------------------------------------------------- cpu lists, cpufreq


@pytest.mark.parametrize(
    ("data", "cpus"),
    [
        (b"0-3\n", (0, 1, 2, 3)),
        (b"1,3-5,9\n", (1, 3, 4, 5, 9)),
        (b"\n", ()),
        (b"", ()),
        (b"0 1 2 3\n", (0, 1, 2, 3)),  # affected_cpus style
        (b"2,2,0-1", (0, 1, 2)),
        (b"65535", (65535,)),
    ],
)
def test_cpulist(data: bytes, cpus: tuple[int, ...]) -> None:
    assert parse_cpulist(data, "online") == cpus


def test_cpulist_trees(ne_tree: Tree, pf_tree: Tree) -> None:
    cpu = ne_tree.sys / "devices" / "system" / "cpu"
    assert parse_cpulist((cpu / "online").read_bytes(), "online") == (0, 1, 2, 3)
    assert parse_cpulist((cpu / "isolated").read_bytes(), "isolated") == (1, 3, 4, 5, 9)
    assert parse_cpulist((cpu / "offline").read_bytes(), "offline") == ()
    pf_cpu = pf_tree.sys / "devices" / "system" / "cpu"
    assert parse_cpulist((pf_cpu / "offline").read_bytes(), "offline") == (2,)


@pytest.mark.parametrize("data", [b"3-1", b"0-", b"-1", b"a", b"0-65536", b"1:2", b"0x1"])
def test_cpulist_malformed(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_cpulist(data, "online")


@pytest.mark.parametrize(
    ("data", "hertz"),
    [
        (b"1699981\n", 1_699_981_000.0),
        (b"<unknown>\n", None),
        (b"<unsupported>", None),
        (b"0\n", None),
        (b"", None),
    ],
)
def test_khz(data: bytes, hertz: float | None) -> None:
    assert parse_khz(data, "f") == hertz


@pytest.mark.parametrize("data", [b"<bogus>", b"1.5", b"-1", b"fast"])
def test_khz_malformed(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_khz(data, "f")


def test_numbers() -> None:
    assert u64(b"18446744073709551615", "s", "x") == U64_MAX
    assert decimal(b"3.85", "s", "x") == 3.85
    assert decimal(b"7", "s", "x") == 7.0
    assert decimal_scaled(b"799.9989999", 6, "s", "x") == 799_998_999
    assert decimal_scaled(b"800", 6, "s", "x") == 800_000_000
    for bad in (b"", b" 1", b"+1", b"1_0", b"\xd9\xa1", b"1" * 21):
        with pytest.raises(ParseError):
            u64(bad, "s", "x")
    for bad in (b"", b".5", b"1.", b"1e5", b"nan", b"-1.0", b"1.2.3"):
        with pytest.raises(ParseError):
            decimal(bad, "s", "x")


# -------------------------------------------------------------------------------- fuzzing

PARSERS: list[tuple[str, Callable[[bytes], Any]]] = [
    ("stat", lambda b: parse_stat(b, "f", ticks_per_second=100)),
    ("cpuinfo", lambda b: parse_cpuinfo(b, "f")),
    ("loadavg", lambda b: parse_loadavg(b, "f")),
    ("meminfo", lambda b: parse_meminfo(b, "f")),
    ("vmstat", lambda b: parse_vmstat(b, "f")),
    ("vmstat_keys", lambda b: parse_vmstat(b, "f", ("pswpin", "pswpout"))),
    ("pressure", lambda b: parse_pressure(b, "f")),
    ("cpulist", lambda b: parse_cpulist(b, "f")),
    ("khz", lambda b: parse_khz(b, "f")),
]

#: Fragments of the real formats, so that fuzzing reaches past the first check.
_TOKENS = [
    b"cpu",
    b"cpu0",
    b"cpu12",
    b"intr",
    b"ctxt",
    b"btime",
    b"softirq",
    b"processes",
    b"processor",
    b"model name",
    b"physical id",
    b"core id",
    b"cpu cores",
    b"cpu MHz",
    b"CPU implementer",
    b"0x41",
    b"MemTotal:",
    b"SwapFree:",
    b"kB",
    b"pswpin",
    b"some",
    b"full",
    b"avg10=",
    b"avg60=",
    b"avg300=",
    b"total=",
    b"<unknown>",
    b"0",
    b"42",
    b"0.37",
    b"18446744073709551615",
    b"18446744073709551616",
    b"-",
    b",",
    b":",
    b"\t",
    b" ",
    b"\n",
    b"=",
    b".",
    b"\x00",
    b"\xff",
]
near_valid = st.lists(st.sampled_from(_TOKENS), max_size=40).map(b"".join)


def _value_or_parse_error(parse: Callable[[bytes], Any], data: bytes) -> None:
    try:
        parse(data)
    except ParseError as exc:
        assert exc.source == "f"


@pytest.mark.parametrize(("name", "parse"), PARSERS, ids=[n for n, _ in PARSERS])
@given(data=st.binary(max_size=512))
def test_fuzz_arbitrary_bytes(name: str, parse: Callable[[bytes], Any], data: bytes) -> None:
    _value_or_parse_error(parse, data)


@pytest.mark.parametrize(("name", "parse"), PARSERS, ids=[n for n, _ in PARSERS])
@given(data=near_valid)
def test_fuzz_near_valid(name: str, parse: Callable[[bytes], Any], data: bytes) -> None:
    _value_or_parse_error(parse, data)


@pytest.mark.parametrize(("name", "parse"), PARSERS, ids=[n for n, _ in PARSERS])
@given(cut=st.integers(min_value=0, max_value=4096), flip=st.integers(0, 255))
def test_fuzz_mutated_captured_files(
    name: str, parse: Callable[[bytes], Any], cut: int, flip: int
) -> None:
    """Truncations and one-byte changes of the real files give a value or ParseError."""
    for source in _SAMPLES[name]:
        data = source[: cut % (len(source) + 1)]
        _value_or_parse_error(parse, data)
        if data:
            i = cut % len(data)
            _value_or_parse_error(parse, data[:i] + bytes([flip]) + data[i + 1 :])


def _samples() -> dict[str, list[bytes]]:
    files: dict[str, list[str]] = {
        "stat": ["stat_gaps", "stat_linux26"],
        "cpuinfo": ["cpuinfo_arm64"],
        "loadavg": [],
        "meminfo": ["meminfo_modern"],
        "vmstat": [],
        "vmstat_keys": [],
        "pressure": ["pressure_cpu_some_only", "pressure_irq_full_only"],
        "cpulist": [],
        "khz": [],
    }
    samples = {name: [(DATA / f).read_bytes() for f in names] for name, names in files.items()}
    samples["loadavg"].append(b"0.21 0.37 0.39 1/719 19737\n")
    samples["vmstat"].append(b"nr_free_pages 12345\npswpin 1476\npswpout 35045\n")
    samples["vmstat_keys"] = samples["vmstat"]
    samples["pressure"].append(b"some avg10=0.18 avg60=0.34 avg300=0.10 total=159886802\n")
    samples["cpulist"].append(b"0-3,8,10-11\n")
    samples["khz"].append(b"1699981\n")
    return samples


_SAMPLES = _samples()


def test_hand_made_readme_exists() -> None:
    assert Path(DATA / "README.md").read_text().startswith("# Hand-made")
