"""The one-decode fast path of processes() gives the parsers' values, or declines.

``stat_numbers_text``, ``status_tokens``, ``io_tokens`` and ``decode_numbers`` must never give a
number the parsers (``parse_pid_stat``, ``parse_pid_status``, ``parse_pid_io``) would not give for
the same bytes: where the fast path answers, each value equals the parser's (and the parser does
not raise); where it declines (``None``), the reader runs the parsers. Checked on the captured
trees, the hand-made edge files, every process of this machine, and fuzzed layouts with the
separators, duplicates, brackets, commas and out-of-range numbers a hostile file could hold.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import process as process_module
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers.pidio import PidIO, io_tokens, parse_pid_io
from darwin_metrics.linux.parsers.pidnumbers import PidNumbers, decode_numbers
from darwin_metrics.linux.parsers.pidstat import parse_pid_stat, stat_numbers_text
from darwin_metrics.linux.parsers.pidstatus import parse_pid_status, status_tokens
from darwin_metrics.linux.process import ProcessReader
from tests.conftest import HANDMADE, Tree


def _fast(stat: bytes, status: bytes | None, io: bytes | None) -> PidNumbers | None:
    """What the reader's fast path decodes, or None where it hands the files to the parsers."""
    stat_text = stat_numbers_text(stat)
    status_texts = None if status is None else status_tokens(status)
    io_texts = None if io is None else io_tokens(io)
    if stat_text is None or (status is not None and status_texts is None):
        return None
    if io is not None and io_texts is None:
        return None
    return decode_numbers(stat_text[2], status_texts, io_texts)


def _check(stat: bytes, status: bytes | None, io: bytes | None) -> bool:
    """Where the fast path answers, its values are the parsers'; True when it answered."""
    numbers = _fast(stat, status, io)
    if numbers is None:
        return False
    parsed = parse_pid_stat(stat)  # must not raise where the fast path answered
    text = stat_numbers_text(stat)
    assert text is not None and (text[0], text[1]) == (parsed.comm, parsed.state)
    n = numbers.stat
    assert (n.pid, n.ppid, n.tty_nr, n.flags, n.utime, n.stime) == (
        parsed.pid,
        parsed.ppid,
        parsed.tty_nr,
        parsed.flags,
        parsed.utime,
        parsed.stime,
    )
    assert (n.cutime, n.cstime, n.nice, n.num_threads, n.starttime, n.vsize, n.rss) == (
        parsed.cutime,
        parsed.cstime,
        parsed.nice,
        parsed.num_threads,
        parsed.starttime,
        parsed.vsize,
        parsed.rss,
    )
    assert n.processor == parsed.processor
    if status is not None:
        s, p = numbers.status, parse_pid_status(status)
        assert s is not None
        assert (s.tgid, s.uid, s.euid, s.gid, s.egid) == (p.tgid, p.uid, p.euid, p.gid, p.egid)
        assert (s.voluntary_ctxt_switches, s.nonvoluntary_ctxt_switches) == (
            p.voluntary_ctxt_switches,
            p.nonvoluntary_ctxt_switches,
        )
        if p.vm_size is None:  # no address space: nothing shared or swapped
            assert (p.rss_file, p.rss_shmem, p.vm_swap) == (None, None, None)
            assert (s.rss_file_kib, s.rss_shmem_kib, s.vm_swap_kib) == (0, 0, 0)
        else:
            assert s.vm_size_kib * 1024 == p.vm_size
            assert (s.rss_file_kib * 1024, s.rss_shmem_kib * 1024, s.vm_swap_kib * 1024) == (
                p.rss_file,
                p.rss_shmem,
                p.vm_swap,
            )
    else:
        assert numbers.status is None
    if io is not None:
        assert numbers.io is not None
        assert msgspec.structs.astuple(numbers.io) == msgspec.structs.astuple(parse_pid_io(io))
    else:
        assert numbers.io is None
    return True


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _check_tree(proc: Path) -> int:
    answered = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read(entry / "stat")
        if stat is None:
            continue
        for status in (_read(entry / "status"), None):
            for io in (_read(entry / "io"), None):
                try:
                    answered += _check(stat, status, io)
                except ParseError:
                    pytest.fail(f"fast path answered where a parser raised: {entry}")
    return answered


def test_captured_trees(pf_tree: Tree, ne_tree: Tree) -> None:
    assert _check_tree(pf_tree.proc) > 0
    assert _check_tree(ne_tree.proc) > 0


@pytest.mark.parametrize("name", sorted(p.name for p in (HANDMADE / "process").iterdir()))
def test_hand_made_edge_files(name: str) -> None:
    data = (HANDMADE / "process" / name).read_bytes()
    stat = b"1 (x) S 0 1 1 0 -1 4194560 " + b"0 " * 30 + b"0\n"
    status = b"Name:\tx\nTgid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
    status += b"voluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t2\n"
    for files in ((data, None, None), (stat, data, None), (stat, None, data)):
        try:
            _check(*files)
        except ParseError:
            pytest.fail(f"fast path answered where a parser raised: {name}")


@pytest.mark.live
def test_every_process_of_this_machine() -> None:
    assert _check_tree(Path("/proc")) > 0


@pytest.mark.live
def test_reader_fast_and_parser_paths_give_equal_records() -> None:
    reader = ProcessReader(Roots())
    reader.processes()  # boot time, user names
    pids = sorted(int(n) for n in os.listdir("/proc") if n.isdigit())
    files = []
    for pid in pids:
        try:
            read = reader._read_files(f"/proc/{pid}/", None, process_module._FULL)
        except OSError:
            continue
        if read is not None:
            files.append((pid, read))
    full = process_module._FULL
    numbers = [process_module._fast_numbers(f) for _, f in files]
    assert all(n is not None for n in numbers)  # this kernel's layouts take the fast path
    fast = [
        reader._build(pid, f"/proc/{pid}/", f, False, full, n)
        for (pid, f), n in zip(files, numbers, strict=True)
    ]
    slow = [reader._build(pid, f"/proc/{pid}/", f, False, full, None) for pid, f in files]
    assert fast == slow


# --------------------------------------------------------------------- fuzzed layouts

_ODD_NUMBER = st.sampled_from(
    ["007", "+1", "-0", "1e3", "1.0", "1,2", "[1", "1]", "[]", "{}", "null", '"1"', ""]
)


@st.composite
def _number(draw: st.DrawFn, rare: int = 12) -> str:
    """Mostly a natural number, now and then one out of some field's range or a text that is
    not an integer."""
    if draw(st.integers(min_value=0, max_value=rare)) == 0:
        return draw(_ODD_NUMBER)
    if draw(st.integers(min_value=0, max_value=rare)) == 0:  # out of range for some fields
        return str(draw(st.sampled_from([-1, -(2**63) - 1, 2**64, 2**64 - 1, 2**70])))
    return str(draw(st.integers(min_value=0, max_value=2**40)))


def _rarely(draw: st.DrawFn, usual: str, odd: list[str], rare: int = 15) -> str:
    if draw(st.integers(min_value=0, max_value=rare)) == 0:
        return draw(st.sampled_from(odd))
    return usual


@st.composite
def _stat_line(draw: st.DrawFn) -> bytes:
    count = draw(st.integers(min_value=34, max_value=52))
    parts = [draw(_number(40)), " (", draw(st.sampled_from(["x", "a b", "(c)", "d) S 1"])), ") "]
    parts.append(_rarely(draw, "S", [" ", "é", "Z", "SS"]))
    for _ in range(count):
        parts += (_rarely(draw, " ", ["  ", "\t", " \t", ",", "\n"], 60), draw(_number(60)))
    parts.append(_rarely(draw, "\n", ["", "\n\n", "\nx 1\n"]))
    return "".join(parts).encode()


_STATUS_KEYS = [
    "Tgid",
    "Uid",
    "Gid",
    "VmSize",
    "RssFile",
    "RssShmem",
    "VmSwap",
    "voluntary_ctxt_switches",
    "nonvoluntary_ctxt_switches",
]


@st.composite
def _status_value(draw: st.DrawFn, key: str) -> str:
    if key in ("Uid", "Gid"):
        return "\t".join(draw(_number(30)) for _ in range(draw(st.sampled_from([4, 4, 4, 1, 2]))))
    if key.startswith(("Vm", "Rss")):
        return f"{_rarely(draw, '   ', ['', ' '])}{draw(_number(30))}{_rarely(draw, ' kB', ['', 'kB'])}"
    return draw(_number(30))


@st.composite
def _status_file(draw: st.DrawFn) -> bytes:
    keys = ["Name", "Umask", *_STATUS_KEYS[:3], "Groups", *_STATUS_KEYS[3:7], "Threads"]
    keys += _STATUS_KEYS[7:]
    if draw(st.booleans()):  # no address space
        keys = [k for k in keys if not k.startswith(("Vm", "Rss"))]
    lines = [f"{k}:\t{draw(_status_value(k))}" for k in keys]
    if draw(st.integers(min_value=0, max_value=3)) == 0:  # a duplicate, a stray or a lost line
        at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        key = draw(st.sampled_from(_STATUS_KEYS))
        what = draw(st.sampled_from(["insert", "replace", "drop"]))
        if what == "drop":
            del lines[at]
        else:
            line = f"{key}:{_rarely(draw, chr(9), [' ', ''], 2)}{draw(_status_value(key))}"
            lines.insert(at, line) if what == "insert" else lines.__setitem__(at, line)
    return ("\n".join(lines) + _rarely(draw, "\n", [""])).encode()


@st.composite
def _io_file(draw: st.DrawFn) -> bytes:
    keys = list(PidIO.__struct_fields__)
    if draw(st.integers(min_value=0, max_value=10)) == 0:
        keys = draw(st.permutations(keys))
    sep = _rarely(draw, ": ", [":\t", ":", ": ,"])
    return "".join(f"{k}{sep}{draw(_number(30))}\n" for k in keys).encode()


@settings(max_examples=400)
@given(
    stat=_stat_line(),
    status=st.one_of(st.none(), _status_file()),
    io=st.one_of(st.none(), _io_file()),
)
def test_fuzzed_files_give_the_parsers_values_or_none(
    stat: bytes, status: bytes | None, io: bytes | None
) -> None:
    try:
        _check(stat, status, io)
    except ParseError as exc:
        pytest.fail(f"fast path answered where a parser raised: {exc}")


def test_kernel_layouts_take_the_fast_path() -> None:
    stat = b"42 (a b) S 1 42 42 0 -1 4194560 " + b"7 " * 45 + b"3\n"
    status = (
        b"Name:\ta b\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nNgid:\t0\nPid:\t42\n"
        b"PPid:\t1\nTracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\nGid:\t100\t100\t100\t100\n"
        b"FDSize:\t64\nGroups:\t100 \nVmPeak:\t    5000 kB\nVmSize:\t    4000 kB\n"
        b"RssAnon:\t      10 kB\nRssFile:\t     200 kB\nRssShmem:\t      56 kB\n"
        b"VmSwap:\t       8 kB\nThreads:\t1\nvoluntary_ctxt_switches:\t3\n"
        b"nonvoluntary_ctxt_switches:\t4\n"
    )
    kernel_thread = (
        b"Name:\tkworker/0:1\nTgid:\t9\nPid:\t9\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
        b"Threads:\t1\nvoluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t6\n"
    )
    io = (
        b"rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\n"
        b"cancelled_write_bytes: -7\n"
    )
    assert _check(stat, status, io)
    assert _check(stat, kernel_thread, None)
    numbers = _fast(stat, status, io)
    assert numbers is not None and numbers.status is not None and numbers.io is not None
    assert (numbers.stat.pid, numbers.stat.processor, numbers.stat.utime) == (42, 7, 7)
    assert (numbers.status.uid, numbers.status.rss_shmem_kib, numbers.io.cancelled_write_bytes) == (
        1000,
        56,
        -7,
    )


@pytest.mark.parametrize(
    ("stat", "why"),
    [
        (b"1 (x) S 1 2\n", "fewer fields than processor"),
        (b"1 (x) S " + b"1  2 " * 20 + b"\n", "two spaces"),
        (b"1 (x) S " + b"1,2 " * 20 + b"\n", "a comma"),
        (b"1 (x) S " + b"1 " * 40, "no line feed at the end"),
        (b"1 (x) S " + b"1 " * 40 + b"\n2\n", "a second line"),
    ],
)
def test_other_stat_layouts_go_to_the_parser(stat: bytes, why: str) -> None:
    assert _fast(stat, None, None) is None, why


def test_out_of_range_numbers_go_to_the_parser() -> None:
    stat = b"1 (x) S 1 1 1 0 -1 0 " + b"0 " * 40 + b"0\n"
    io = "".join(f"{k}: {2**64 if k == 'rchar' else 1}\n" for k in PidIO.__struct_fields__)
    assert _fast(stat, None, None) is not None
    assert _fast(stat, None, io.encode()) is None
    assert _fast(stat.replace(b"1 (x) S 1 ", b"1 (x) S -1 ", 1), None, None) is None
    with pytest.raises(ParseError):
        parse_pid_io(io.encode())
