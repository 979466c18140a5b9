"""The pure parsers behind processes() and threads(): captured files, hand-made edge files, fuzzing.

Expected numbers are read by hand from the captured trees (``pf_tree``: prometheus/procfs
``fixtures.ttar``; ``ne_tree``: node_exporter's ``proc/``) and from ``tests/data/process``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.btime import parse_btime
from darwin_metrics.linux.parsers.cmdline import parse_cmdline
from darwin_metrics.linux.parsers.pidio import PidIO, parse_pid_io
from darwin_metrics.linux.parsers.pidstat import PidStat, parse_pid_stat, state_name
from darwin_metrics.linux.parsers.pidstatus import PidStatus, parse_pid_status
from darwin_metrics.linux.parsers.statm import Statm, parse_statm
from tests.conftest import HANDMADE, Tree

DATA = HANDMADE / "process"
U64_MAX = 2**64 - 1


def _data(name: str) -> bytes:
    return (DATA / name).read_bytes()


# ------------------------------------------------------------------------------ /proc/PID/stat


def test_stat_pf_26231(pf_tree: Tree) -> None:
    stat = parse_pid_stat((pf_tree.proc / "26231" / "stat").read_bytes(), "26231/stat")
    assert stat == PidStat(
        pid=26231,
        comm="vim",
        state="R",
        ppid=5392,
        tty_nr=34835,
        flags=4218880,
        utime=1677,
        stime=44,
        cutime=158,
        cstime=99,
        nice=0,
        num_threads=1,
        starttime=82375,
        vsize=56274944,
        rss=1981,
        processor=0,
    )


def test_stat_pf_26232_extreme_children_times(pf_tree: Tree) -> None:
    # 33 (ata_sff) S 2 0 0 0 -1 69238880 0 0 0 0 0 0 -9223372036854775808 9223372036854775807 0 -20 1 0 5 0 0
    stat = parse_pid_stat((pf_tree.proc / "26232" / "stat").read_bytes())
    assert (stat.pid, stat.comm, stat.state, stat.ppid) == (33, "ata_sff", "S", 2)
    assert (stat.utime, stat.stime) == (0, 0)
    assert (stat.cutime, stat.cstime) == (-(2**63), 2**63 - 1)
    assert (stat.nice, stat.num_threads, stat.starttime, stat.vsize, stat.rss) == (-20, 1, 5, 0, 0)
    assert stat.tty_nr == 0
    # exit_signal and processor hold -2^63 and 2^63-1 in this file too.
    assert stat.processor == 2**63 - 1


def test_stat_pf_584_comm_with_parens_and_second_line(pf_tree: Tree) -> None:
    # 1020 ((a b ) ( c d) ) R 28378 1020 28378 34842 1020 4218880 286 0 0 0 0 0 0 0 20 0 1 0
    # 10839175 10395648 155 ... 17 5 ...   followed by a line "#!/bin/cat /proc/self/stat"
    stat = parse_pid_stat((pf_tree.proc / "584" / "stat").read_bytes())
    assert stat.pid == 1020
    assert stat.comm == "(a b ) ( c d) "
    assert (stat.state, stat.ppid, stat.tty_nr) == ("R", 28378, 34842)
    assert (stat.starttime, stat.vsize, stat.rss, stat.processor) == (10839175, 10395648, 155, 5)


def test_stat_pf_threads(pf_tree: Tree) -> None:
    task = pf_tree.proc / "27079" / "task"
    got = {
        tid: parse_pid_stat((task / tid / "stat").read_bytes())
        for tid in ("27079", "27080", "27081", "27082", "27083")
    }
    assert {t: (s.state, s.utime, s.stime, s.processor) for t, s in got.items()} == {
        "27079": ("S", 0, 0, 2),
        "27080": ("R", 34136, 3, 0),
        "27081": ("S", 13680, 4, 5),
        "27082": ("S", 6859, 3, 1),
        "27083": ("S", 3452, 4, 4),
    }


def test_stat_ne_tree(ne_tree: Tree) -> None:
    one = parse_pid_stat((ne_tree.proc / "1" / "stat").read_bytes())
    # 1 (systemd) S 0 1 1 0 -1 4194560 9061 9416027 94 2620 36 98 54406 13885 20 0 1 0 29 109604864 2507
    assert one == PidStat(
        pid=1,
        comm="systemd",
        state="S",
        ppid=0,
        tty_nr=0,
        flags=4194560,
        utime=36,
        stime=98,
        cutime=54406,
        cstime=13885,
        nice=0,
        num_threads=1,
        starttime=29,
        vsize=109604864,
        rss=2507,
        processor=0,
    )
    # 11 (rcu_preempt) I 2 0 0 0 -1 2129984 0 0 0 0 0 346 0 0 -2 0 1 0 32 0 0 ... 17 2
    eleven = parse_pid_stat((ne_tree.proc / "11" / "stat").read_bytes())
    assert (eleven.comm, eleven.state, eleven.ppid, eleven.stime, eleven.nice) == (
        "rcu_preempt",
        "I",
        2,
        346,
        0,
    )
    assert (eleven.starttime, eleven.processor) == (32, 2)
    # proc/10/stat describes pid 17 (khungtaskd) and has no final newline.
    ten = parse_pid_stat((ne_tree.proc / "10" / "stat").read_bytes())
    assert (ten.pid, ten.comm, ten.ppid, ten.utime, ten.starttime) == (17, "khungtaskd", 2, 14, 24)


def test_stat_comm_with_spaces_and_parens() -> None:
    stat = parse_pid_stat(_data("stat_comm_parens"))
    assert stat.comm == "a) (b c)) "
    assert (stat.pid, stat.ppid, stat.utime, stat.stime, stat.cutime, stat.cstime) == (
        4242,
        1,
        250,
        125,
        3,
        4,
    )
    assert (stat.nice, stat.num_threads, stat.starttime, stat.vsize, stat.rss) == (
        5,
        2,
        1000,
        8192000,
        300,
    )
    assert stat.processor == 3


def test_stat_comm_with_newline() -> None:
    stat = parse_pid_stat(_data("stat_comm_newline"))
    assert stat.comm == "two\nlines"
    assert (stat.state, stat.tty_nr, stat.utime, stat.stime, stat.starttime) == (
        "R",
        34816,
        7,
        8,
        77,
    )


def test_stat_without_processor_field() -> None:
    stat = parse_pid_stat(_data("stat_no_processor"))
    assert (stat.pid, stat.comm, stat.rss, stat.processor) == (4245, "old", 2, None)


def test_stat_huge_values() -> None:
    stat = parse_pid_stat(_data("stat_huge"))
    assert (stat.utime, stat.stime, stat.starttime, stat.vsize, stat.rss) == (U64_MAX,) * 5


@pytest.mark.parametrize("name", ["stat_truncated", "stat_garbage", "stat_negative_utime", "empty"])
def test_stat_malformed(name: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_pid_stat(_data(name), f"/proc/9/{name}")
    assert info.value.source == f"/proc/9/{name}"


def test_state_names() -> None:
    assert [state_name(c) for c in "RSDTtXxZPIKW"] == [
        "running",
        "sleeping",
        "disk-sleep",
        "stopped",
        "tracing-stop",
        "dead",
        "dead",
        "zombie",
        "parked",
        "idle",
        "wake-kill",
        "waking",
    ]
    assert state_name("Q") == "unknown"


# ---------------------------------------------------------------------------- /proc/PID/status


def test_status_pf_26231(pf_tree: Tree) -> None:
    status = parse_pid_status((pf_tree.proc / "26231" / "status").read_bytes())
    assert status == PidStatus(
        tgid=26231,
        uid=1000,
        euid=1000,
        gid=1001,
        egid=1001,
        vm_size=58440 * 1024,
        rss_file=4624 * 1024,
        rss_shmem=0,
        vm_swap=660 * 1024,
        voluntary_ctxt_switches=4742839,
        nonvoluntary_ctxt_switches=1727500,
    )


def test_status_pf_26235_spaces_not_tabs(pf_tree: Tree) -> None:
    status = parse_pid_status((pf_tree.proc / "26235" / "status").read_bytes())
    assert status == PidStatus(
        tgid=26235,
        uid=0,
        euid=0,
        gid=0,
        egid=0,
        vm_size=758200 * 1024,
        rss_file=17800 * 1024,
        rss_shmem=0,
        vm_swap=0,
        voluntary_ctxt_switches=4742839,
        nonvoluntary_ctxt_switches=1727500,
    )


def test_status_thread_without_memory() -> None:
    status = parse_pid_status(_data("status_thread"))
    assert (status.tgid, status.uid, status.euid, status.gid, status.egid) == (
        4242,
        1000,
        0,
        100,
        100,
    )
    assert (status.vm_size, status.rss_file, status.rss_shmem, status.vm_swap) == (None,) * 4
    assert (status.voluntary_ctxt_switches, status.nonvoluntary_ctxt_switches) == (5, 6)


def test_status_linux26() -> None:
    status = parse_pid_status(_data("status_linux26"))
    assert (status.tgid, status.uid, status.gid, status.vm_size) == (7, 0, 0, 2000 * 1024)
    assert (status.rss_file, status.rss_shmem, status.vm_swap) == (None, None, None)
    assert status.voluntary_ctxt_switches is None


@pytest.mark.parametrize("name", ["status_no_uid", "status_bad_unit", "empty", "stat_garbage"])
def test_status_malformed(name: str) -> None:
    with pytest.raises(ParseError, match=name):
        parse_pid_status(_data(name), name)


# -------------------------------------------------------------------------------- /proc/PID/io


def test_io_pf_26231(pf_tree: Tree) -> None:
    # cancelled_write_bytes is -1024 in this captured file: kept as found.
    assert parse_pid_io((pf_tree.proc / "26231" / "io").read_bytes()) == PidIO(
        rchar=750339,
        wchar=818609,
        syscr=7405,
        syscw=5245,
        read_bytes=1024,
        write_bytes=2048,
        cancelled_write_bytes=-1024,
    )


def test_io_reordered_and_huge() -> None:
    assert parse_pid_io(_data("io_reordered")) == PidIO(1, 2, 3, 4, 5, 6, 7)
    assert parse_pid_io(_data("io_huge")) == PidIO(*([U64_MAX] * 7))


@pytest.mark.parametrize("name", ["io_missing_key", "io_garbage", "empty", "stat_garbage"])
def test_io_malformed(name: str) -> None:
    with pytest.raises(ParseError, match=name):
        parse_pid_io(_data(name), name)


# ----------------------------------------------------------------------- statm, cmdline, btime


def test_statm(pf_tree: Tree) -> None:
    # 149919 12547 18446744073709551615 19864 0 14531 0 (shared is a wrapped counter)
    assert parse_statm((pf_tree.proc / "26231" / "statm").read_bytes()) == Statm(
        149919, 12547, U64_MAX, 19864, 0, 14531, 0
    )
    assert parse_statm(_data("statm_linux26")) == Statm(2000, 300, 250, 20, 0, 188, 0)
    for name in ("statm_truncated", "empty", "stat_garbage"):
        with pytest.raises(ParseError):
            parse_statm(_data(name), name)


def test_cmdline(pf_tree: Tree) -> None:
    assert parse_cmdline((pf_tree.proc / "26231" / "cmdline").read_bytes()) == (
        "vim",
        "test.go",
        "+10",
    )
    assert parse_cmdline((pf_tree.proc / "26232" / "cmdline").read_bytes()) == ()
    # com.github.uiautomator followed by many NULs
    assert parse_cmdline((pf_tree.proc / "26233" / "cmdline").read_bytes()) == (
        "com.github.uiautomator",
    )
    assert parse_cmdline(_data("cmdline_trailing_nuls")) == ("postgres",)
    assert parse_cmdline(_data("cmdline_retitled")) == (
        "nginx: worker process                                        ",
    )
    assert parse_cmdline(b"a\0\0b\0") == ("a", "", "b")
    assert parse_cmdline(b"caf\xe9\0") == ("caf\udce9",)


def test_btime(pf_tree: Tree, ne_tree: Tree) -> None:
    assert parse_btime((pf_tree.proc / "stat").read_bytes()) == 1418183276
    assert parse_btime((ne_tree.proc / "stat").read_bytes()) == 1418183276
    assert parse_btime(b"btime 5") == 5
    for bad in (b"", b"cpu 1 2 3\n", b"btime x\n", b"btime -3\n"):
        with pytest.raises(ParseError):
            parse_btime(bad, "stat")


# ---------------------------------------------------------------------------------- fuzzing

_PARSERS: list[Callable[[bytes, str], Any]] = [
    parse_pid_stat,
    parse_pid_status,
    parse_pid_io,
    parse_statm,
    parse_cmdline,
    parse_btime,
]


@pytest.mark.parametrize("parser", _PARSERS, ids=lambda p: p.__name__)
@given(data=st.binary(max_size=600))
def test_fuzz_arbitrary_bytes(parser: Callable[[bytes, str], Any], data: bytes) -> None:
    try:
        parser(data, "fuzz")
    except ParseError as exc:
        assert exc.source == "fuzz"


_STAT_LIKE = st.lists(
    st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(["R", "S", "(", ")", "", "\n", "x y"]),
    ),
    max_size=60,
).map(lambda parts: " ".join(parts).encode())


@given(data=_STAT_LIKE)
def test_fuzz_stat_like(data: bytes) -> None:
    try:
        stat = parse_pid_stat(b"12 (" + data + b") " + data, "fuzz")
    except ParseError:
        return
    assert stat.pid == 12 and stat.utime >= 0 and stat.ppid >= 0 and len(stat.state) == 1


_STATUS_LINE = st.tuples(
    st.sampled_from(["Tgid", "Uid", "Gid", "VmSize", "RssFile", "VmSwap", "Name", "x"]),
    st.sampled_from([":", ":\t", ": "]),
    st.lists(
        st.one_of(st.integers(min_value=-5, max_value=2**66).map(str), st.just("kB")),
        max_size=5,
    ).map(" ".join),
).map(lambda t: "".join(t))


@given(lines=st.lists(_STATUS_LINE, max_size=12))
def test_fuzz_status_like(lines: list[str]) -> None:
    try:
        status = parse_pid_status("\n".join(lines).encode(), "fuzz")
    except ParseError:
        return
    assert status.tgid >= 0 and status.uid >= 0 and status.gid >= 0
    assert status.vm_swap is None or status.vm_swap >= 0


@given(values=st.lists(st.integers(min_value=-3, max_value=2**65), min_size=7, max_size=7))
def test_fuzz_io_like(values: list[int]) -> None:
    text = "".join(f"{k}: {v}\n" for k, v in zip(PidIO.__struct_fields__, values, strict=True))
    try:
        io = parse_pid_io(text.encode(), "fuzz")
    except ParseError:
        assert min(values[:6]) < 0
        return
    assert list(msgspec.structs.astuple(io)) == values
