"""The shortcuts the collectors take for speed give exactly what the full parsers give.

Each shortcut (reading only the needed lines of a file, reading only the head of ``/proc/vmstat``,
the kernel-layout fast path of the PSI parser, reusing a record when its input bytes are the same as
last time, converting a file's numbers in one msgspec decode) is checked against the full path on
the captured trees, on hand-made files, and under hypothesis (arbitrary bytes: a value or
ParseError, nothing else).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import disk, fs, memory, volumes
from darwin_metrics.linux._files import read_head
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers import pidstatus
from darwin_metrics.linux.parsers.cpuinfo import parse_cpu_mhz, parse_cpuinfo
from darwin_metrics.linux.parsers.diskstats import diskstats_row, parse_diskstats
from darwin_metrics.linux.parsers.meminfo import parse_meminfo
from darwin_metrics.linux.parsers.pidstat import int_fields
from darwin_metrics.linux.parsers.pidstatus import PidStatus, parse_pid_status
from darwin_metrics.linux.parsers.pressure import _line, parse_pressure
from darwin_metrics.linux.parsers.vmstat import parse_vmstat
from tests.conftest import HANDMADE, Tree

CPU_MEMORY = HANDMADE / "cpu_memory"
DISK = HANDMADE / "disk"


# --- /proc/cpuinfo "cpu MHz" ------------------------------------------------------------------


def _full_mhz(data: bytes) -> dict[int, float]:
    info = parse_cpuinfo(data, "cpuinfo")
    return {p.index: p.frequency for p in info.processors if p.frequency is not None}


def test_cpu_mhz_equals_the_full_parse(ne_tree: Tree, pf_tree: Tree) -> None:
    for path in (ne_tree.proc / "cpuinfo", pf_tree.proc / "cpuinfo", CPU_MEMORY / "cpuinfo_arm64"):
        data = path.read_bytes()
        assert parse_cpu_mhz(data, "cpuinfo") == _full_mhz(data)
    # procfs's capture: eight blocks, "cpu MHz : 800.037" for processor 1
    assert parse_cpu_mhz((pf_tree.proc / "cpuinfo").read_bytes())[1] == 800_037_000.0


def test_cpu_mhz_last_line_of_a_block_and_errors() -> None:
    data = b"processor\t: 0\ncpu MHz\t\t: 1.5\ncpu MHzX: 9\ncpu MHz\t\t: 2.25\n\nprocessor\t: 1\n"
    assert parse_cpu_mhz(data) == {0: 2_250_000.0} == _full_mhz(data)
    with pytest.raises(ParseError, match="twice"):
        parse_cpu_mhz(b"processor : 0\nprocessor : 0\n")
    with pytest.raises(ParseError):
        parse_cpu_mhz(b"processor : 0\ncpu MHz : fast\n")


kernel_cpuinfo = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=999),
        st.lists(
            st.sampled_from(
                [
                    b"model name\t: Some CPU",
                    b"cpu MHz\t\t: 800.083",
                    b"cpu MHz\t\t: 3400",
                    b"core id\t\t: 1",
                    b"flags\t\t: fpu vme",
                ]
            ),
            max_size=5,
        ),
    ),
    max_size=6,
    unique_by=lambda block: block[0],
)


@given(kernel_cpuinfo)
def test_fuzz_cpu_mhz_agrees_with_the_full_parse(blocks: list[tuple[int, list[bytes]]]) -> None:
    data = b"\n\n".join(b"processor\t: %d\n" % n + b"\n".join(lines) for n, lines in blocks)
    try:
        expected = _full_mhz(data)
    except ParseError:
        return
    assert parse_cpu_mhz(data) == expected


@given(st.binary(max_size=300))
def test_fuzz_cpu_mhz(data: bytes) -> None:
    try:
        result = parse_cpu_mhz(data)
    except ParseError:
        return
    assert all(hz >= 0 for hz in result.values())


# --- /proc/meminfo keys -----------------------------------------------------------------------


def test_meminfo_keys_equal_the_full_parse(ne_tree: Tree, pf_tree: Tree) -> None:
    for path in (
        ne_tree.proc / "meminfo",
        pf_tree.proc / "meminfo",
        CPU_MEMORY / "meminfo_modern",
        CPU_MEMORY / "meminfo_huge",
    ):
        data = path.read_bytes()
        full = parse_meminfo(data, "m")
        keys = [*full, "Absent"]
        assert parse_meminfo(data, "m", keys) == full
        assert parse_meminfo(data, "m", reversed(keys)) == full  # any order, same answer
    assert parse_meminfo((ne_tree.proc / "meminfo").read_bytes(), "m", ["MemTotal"]) == {
        "MemTotal": 3742148 * 1024
    }


def test_meminfo_keys_check_the_lines_they_read() -> None:
    with pytest.raises(ParseError):
        parse_meminfo((CPU_MEMORY / "meminfo_truncated").read_bytes(), "m", ["Buffers"])
    with pytest.raises(ParseError):
        parse_meminfo((CPU_MEMORY / "meminfo_bad_unit").read_bytes(), "m", ["MemTotal"])
    with pytest.raises(ParseError, match="empty"):
        parse_meminfo(b"\n", "m", ["MemTotal"])
    # Only what is asked for is looked at.
    assert parse_meminfo(b"MemTotal: 1 kB\nBad line\n", "m", ["MemTotal"]) == {"MemTotal": 1024}


@given(st.binary(max_size=300), st.lists(st.sampled_from(["MemTotal", "A", "B:", ""]), max_size=3))
def test_fuzz_meminfo_keys(data: bytes, keys: list[str]) -> None:
    try:
        result = parse_meminfo(data, "m", keys)
    except ParseError:
        return
    assert set(result) <= set(keys) and all(v >= 0 for v in result.values())


# --- /proc/vmstat head ------------------------------------------------------------------------


def test_read_head_stops_after_the_wanted_lines(tmp_path: Path, ne_tree: Tree) -> None:
    full = (ne_tree.proc / "vmstat").read_bytes()
    path = tmp_path / "vmstat"
    path.write_bytes(full * 3)  # pswpin is near the start, far from the end
    head = read_head(str(path), (b"pswpin ", b"pswpout "))
    assert head is not None and full.startswith(head[: len(full)]) and len(head) < len(full) * 3
    keys = ("pswpin", "pswpout")
    assert (
        parse_vmstat(head, "v", keys)
        == parse_vmstat(full, "v", keys)
        == {
            "pswpin": 1476,
            "pswpout": 35045,
        }
    )
    # A key the file lacks: read to the end.
    assert read_head(str(path), (b"absent ",)) == full * 3
    assert read_head(str(tmp_path / "missing"), (b"x ",)) is None


@pytest.mark.live
def test_read_head_live() -> None:
    head = read_head("/proc/vmstat", (b"pswpin ", b"pswpout "))
    assert head is not None
    ours = parse_vmstat(head, "v", ("pswpin", "pswpout"))
    full = parse_vmstat(Path("/proc/vmstat").read_bytes(), "v", ("pswpin", "pswpout"))
    assert set(ours) == set(full) == {"pswpin", "pswpout"}
    assert all(0 <= full[k] - ours[k] <= 1_000_000 for k in ours)


# --- PSI --------------------------------------------------------------------------------------


def _general(data: bytes) -> dict[bytes, tuple[float, float, float, float]]:
    """The general line parser alone (what every line went through before the fast path)."""
    found = {}
    for line in data.split(b"\n"):
        fields = line.split()
        if fields:
            found[fields[0]] = _line(fields[1:], "p")
    return found


decimal_text = st.builds(
    lambda whole, frac: f"{whole}.{frac:02d}".encode(),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=99),
)


@given(decimal_text, decimal_text, decimal_text, st.integers(min_value=0, max_value=2**64 - 1))
def test_fuzz_pressure_fast_path_agrees(a: bytes, b: bytes, c: bytes, total: int) -> None:
    line = b"some avg10=%s avg60=%s avg300=%s total=%d" % (a, b, c, total)
    stall = parse_pressure(line + b"\n", "p")
    assert (
        stall.some_avg10_percent,
        stall.some_avg60_percent,
        stall.some_avg300_percent,
        stall.some_total,
    ) == _general(line)[b"some"]


def test_pressure_captured_files_agree(ne_tree: Tree) -> None:
    for name in ("cpu", "io", "memory", "irq"):
        data = (ne_tree.proc / "pressure" / name).read_bytes()
        stall = parse_pressure(data, name)
        general = _general(data)
        if b"some" in general:
            assert stall.some_total == general[b"some"][3]
        if b"full" in general:
            assert stall.full_avg60_percent == general[b"full"][1]


def test_pressure_memo_parses_changed_files(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    (proc / "pressure").mkdir(parents=True)
    psi = proc / "pressure" / "memory"
    psi.write_text("some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n")
    roots = Roots(procfs=str(proc), sysfs=str(tmp_path / "sys"))
    assert memory.read_pressure(roots)["memory"].some_avg10_percent == 1.0  # type: ignore[union-attr]
    psi.write_text("some avg10=5.00 avg60=2.00 avg300=3.00 total=4\n")
    assert memory.read_pressure(roots)["memory"].some_avg10_percent == 5.0  # type: ignore[union-attr]
    psi.write_text("some avg10=x avg60=2.00 avg300=3.00 total=4\n")
    with pytest.raises(ParseError):
        memory.read_pressure(roots)


# --- /proc/PID/stat, status and io: numbers converted in one go ---------------------------------


_TOKENS = st.lists(
    st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(lambda n: str(n).encode()),
        st.sampled_from(
            [b"007", b"+5", b"-0", b"1,2", b"[1", b"2]", b"1e3", b"1.5", b"null", b'"3"', b"0x1f"]
        ),
        st.sampled_from([b" 7", b"8\n", b"\x0b9", b"1_000", b"", b",", b"[]", b"-", b"\xd9\xa1"]),
    ),
    max_size=14,
)


def _each_int(tokens: list[bytes]) -> list[int] | None:
    try:
        return [int(t) for t in tokens]
    except ValueError:
        return None


@given(_TOKENS)
def test_int_fields_is_int_of_each_token(tokens: list[bytes]) -> None:
    """The one-decode conversion gives exactly what int() of each token gives, or ValueError."""
    expected = _each_int(tokens)
    if expected is None:
        with pytest.raises(ValueError):
            int_fields(tokens)
    else:
        assert int_fields(tokens) == expected


def _status_field_by_field(data: bytes) -> PidStatus | None:
    """The status parse with each value converted on its own (the path for partial files)."""
    tgid, uids, gids, size, rss_file, rss_shmem, swap, vol, invol = pidstatus._lines(b"\n" + data)
    try:
        assert tgid is not None and uids is not None and gids is not None
        u = uids.split(None, 2)
        g = gids.split(None, 2)
        return PidStatus(
            pidstatus._natural(tgid),
            pidstatus._natural(u[0]),
            pidstatus._natural(u[1]) if len(u) > 1 else None,
            pidstatus._natural(g[0]),
            pidstatus._natural(g[1]) if len(g) > 1 else None,
            pidstatus._kib(size),
            pidstatus._kib(rss_file),
            pidstatus._kib(rss_shmem),
            pidstatus._kib(swap),
            pidstatus._count(vol),
            pidstatus._count(invol),
        )
    except (AssertionError, ValueError, IndexError):
        return None


def test_status_in_one_conversion_equals_field_by_field(pf_tree: Tree, ne_tree: Tree) -> None:
    files = [*pf_tree.proc.glob("[0-9]*/status"), *ne_tree.proc.glob("[0-9]*/status")]
    files += [p for p in (HANDMADE / "process").iterdir() if p.name.startswith("status")]
    assert len(files) >= 5
    for path in files:
        data = path.read_bytes()
        expected = _status_field_by_field(data)
        if expected is None:
            with pytest.raises(ParseError):
                parse_pid_status(data)
        else:
            assert parse_pid_status(data) == expected, path


_STATUS_VALUE = st.one_of(
    st.integers(min_value=-2, max_value=2**66).map(str), st.sampled_from(["0x10", "+1", "1 2"])
)


@given(
    st.lists(_STATUS_VALUE, min_size=11, max_size=11),
    st.lists(st.booleans(), min_size=9, max_size=9),
)
def test_status_like_the_kernel_prints_it(values: list[str], present: list[bool]) -> None:
    """Kernel-ordered files with any values and any lines missing: one conversion or field by
    field, the same answer (or ParseError for both)."""
    tgid, uid, euid, gid, egid, size, rss_file, rss_shmem, swap, vol, invol = values
    lines = [
        ("Name", "x"),
        ("Tgid", tgid),
        ("Uid", f"{uid}\t{euid}\t0\t0"),
        ("Gid", f"{gid}\t{egid}\t0\t0"),
        ("VmSize", f"{size} kB"),
        ("RssFile", f"{rss_file} kB"),
        ("RssShmem", f"{rss_shmem} kB"),
        ("VmSwap", f"{swap} kB"),
        ("voluntary_ctxt_switches", vol),
        ("nonvoluntary_ctxt_switches", invol),
    ]
    kept = [lines[0]] + [line for line, keep in zip(lines[1:], present, strict=True) if keep]
    data = "".join(f"{key}:\t{value}\n" for key, value in kept).encode()
    expected = _status_field_by_field(data)
    if expected is None:
        with pytest.raises(ParseError):
            parse_pid_status(data)
    else:
        assert parse_pid_status(data) == expected


# --- /proc/diskstats --------------------------------------------------------------------------


def test_diskstats_rows_equal_the_records(ne_tree: Tree) -> None:
    data = (ne_tree.proc / "diskstats").read_bytes()
    rows = [diskstats_row(line, "d") for line in data.splitlines()]
    assert [(s.major, s.minor, s.name, s.counters) for s in parse_diskstats(data, "d")] == [
        row for row in rows if row is not None
    ]


def test_unchanged_lines_reuse_their_records(tmp_path: Path) -> None:
    shutil.copytree(DISK / "proc", tmp_path / "proc")
    roots = Roots(procfs=str(tmp_path / "proc"), sysfs=str(DISK / "sys"))
    first = {d.name: d for d in disk.read_disks(roots)}
    second = {d.name: d for d in disk.read_disks(roots)}
    assert first == second
    assert all(second[n] is first[n] for n in first)  # every device here is classified by sysfs
    path = tmp_path / "proc" / "diskstats"
    lines = path.read_bytes().splitlines(keepends=True)
    changed = list(lines)
    sdx = next(i for i, line in enumerate(lines) if b" sdx " in line)
    fields = lines[sdx].split()
    fields[3] = str(int(fields[3]) + 7).encode()
    changed[sdx] = b" ".join(fields) + b"\n"
    path.write_bytes(b"".join(changed))
    third = {d.name: d for d in disk.read_disks(roots)}
    assert third["sdx"].reads == first["sdx"].reads + 7
    assert third["sdx1"] is first["sdx1"]
    assert third == {
        d.name: d for d in disk.read_disks(Roots(procfs=roots.procfs, sysfs=roots.sysfs))
    }


def test_name_rule_lines_are_not_reused(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "diskstats").write_text(
        "   8       0 sdq 1 0 2 3 4 0 5 6 0 7 8\n   8       1 sdq1 1 0 2 3 4 0 5 6 0 7 8\n"
    )
    roots = Roots(procfs=str(proc), sysfs=str(tmp_path / "sys"))  # no sysfs: the name rule
    first = disk.read_disks(roots)
    assert [(d.name, d.is_partition, d.parent) for d in first] == [
        ("sdq", False, None),
        ("sdq1", True, "sdq"),
    ]
    (proc / "diskstats").write_text("   8       1 sdq1 1 0 2 3 4 0 5 6 0 7 8\n")
    (only,) = disk.read_disks(roots)
    assert (only.name, only.is_partition, only.parent) == ("sdq1", False, None)


@given(st.binary(max_size=200))
def test_fuzz_diskstats_row(line: bytes) -> None:
    try:
        row = diskstats_row(line, "d")
    except ParseError:
        return
    assert row is None or (row[0] >= 0 and row[1] >= 0 and all(c >= 0 for c in row[3]))


# --- /proc/filesystems ------------------------------------------------------------------------


def test_pseudo_types_follow_the_file(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "filesystems").write_text("nodev\tsysfs\n\text4\n")
    roots = Roots(procfs=str(proc))
    assert volumes.pseudo_types(roots) == frozenset({"sysfs"})
    (proc / "filesystems").write_text("nodev\tsysfs\nnodev\tfuse\n\text4\n")
    assert volumes.pseudo_types(roots) == frozenset({"sysfs", "fuse"})
    (proc / "filesystems").unlink()
    assert volumes.pseudo_types(roots) == volumes.PSEUDO_FS_TYPES
    assert fs.read_optional(str(proc / "filesystems")) is None
