"""processes(fields=...): only the asked fields are read and filled, the same values as a full read.

On the captured trees every field set gives, for its fields, exactly what the full read gives, and
``None`` elsewhere (``pid``, ``ppid``, ``name``, ``status`` always filled); hypothesis draws field
sets and call orders on one reader, so the per-field-set memo is exercised in every order.
Hand-made trees check which files are opened and that a record built from fewer files never
answers a call asking for more.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import darwin_metrics
from darwin_metrics.linux import process as process_module
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.process import MEMO_FIELD_SETS, ProcessReader
from darwin_metrics.procfields import ALWAYS_FILLED, PROCESS_FIELDS, field_set, only_fields
from darwin_metrics.records.process import Process, ProcessCPUTimes, ProcessMemory
from darwin_metrics.sampler import Sampler
from tests.conftest import HANDMADE, Tree
from tests.linux.test_process import _add, _stat_line, _status

DASHBOARD = frozenset({"cpu_times", "memory", "io"})
#: Representative sets: each field alone, the dashboard's, none beyond the identity, all.
FIELD_SETS = [
    frozenset(),
    DASHBOARD,
    PROCESS_FIELDS,
    *(frozenset({name}) for name in sorted(PROCESS_FIELDS - ALWAYS_FILLED)),
]


def _expected(full: tuple[Process, ...], fields: frozenset[str]) -> tuple[Process, ...]:
    """The full records with every field outside ``fields`` and the identity set to None."""
    blank = dict.fromkeys(PROCESS_FIELDS - fields - ALWAYS_FILLED)
    return tuple(msgspec.structs.replace(p, **blank) for p in full)


def _check_tree(tree: Tree, sets: list[frozenset[str]]) -> None:
    full = ProcessReader(tree.roots).processes()
    reader = ProcessReader(tree.roots)
    for fields in sets:
        assert reader.processes(fields) == _expected(full, fields), sorted(fields)
        assert reader.processes(None) == full


@pytest.mark.parametrize("fields", FIELD_SETS, ids=lambda f: ",".join(sorted(f)) or "identity")
def test_pf_tree_field_set_matches_full_read(pf_tree: Tree, fields: frozenset[str]) -> None:
    _check_tree(pf_tree, [fields, fields])


@pytest.mark.parametrize("fields", FIELD_SETS, ids=lambda f: ",".join(sorted(f)) or "identity")
def test_ne_tree_field_set_matches_full_read(ne_tree: Tree, fields: frozenset[str]) -> None:
    _check_tree(ne_tree, [fields, fields])


@given(st.lists(st.frozensets(st.sampled_from(sorted(PROCESS_FIELDS))), min_size=1, max_size=6))
def test_any_field_sets_in_any_order(pf_tree: Tree, sets: list[frozenset[str]]) -> None:
    _check_tree(pf_tree, sets)


def test_dashboard_values_on_captured_process(pf_tree: Tree) -> None:
    (proc,) = (p for p in ProcessReader(pf_tree.roots).processes(DASHBOARD) if p.pid == 26231)
    page = os.sysconf("SC_PAGE_SIZE")
    assert proc.cpu_times == ProcessCPUTimes(
        user=16.77, system=0.44, children_user=1.58, children_system=0.99
    )
    assert proc.memory == ProcessMemory(
        rss=1981 * page, vms=56274944, shared=4624 * 1024, swap=660 * 1024
    )
    assert proc.io is not None and proc.io.read_chars == 750339
    assert (proc.pid, proc.ppid, proc.name, proc.status) == (26231, 5392, "vim", "running")
    assert proc.create_time is None and proc.cmdline is None and proc.exe is None
    assert proc.uid is None and proc.username is None and proc.num_fds is None


# --------------------------------------------------------------------- which files are read


@pytest.fixture
def proc_root(tmp_path: Path) -> Path:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "stat").write_text("cpu 1 2 3 4\nbtime 1000000000\n")
    (proc / "self").symlink_to("1")
    io = "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\n"
    _add(proc, 1, 0, io=io + "cancelled_write_bytes: 0\n")
    (proc / "1" / "exe").symlink_to("/usr/bin/true")
    return proc


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    """The leaf names of every file, link and directory the reader touches under ``tmp_path``."""
    seen: list[str] = []
    root = str(tmp_path)
    real_open, real_readlink, real_stat, real_listdir = os.open, os.readlink, os.stat, os.listdir

    def note(path: object) -> None:
        if str(path).startswith(root):
            seen.append(str(path).rsplit("/", 1)[1])

    def open_(path: str, *args: int, **kwargs: int) -> int:
        note(path)
        return real_open(path, *args, **kwargs)

    def readlink(path: str) -> str:
        note(path)
        return real_readlink(path)

    def stat(path: str, *args: object, **kwargs: object) -> os.stat_result:
        note(path)
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    def listdir(path: str) -> list[str]:
        note(path)
        return real_listdir(path)

    monkeypatch.setattr(process_module.os, "open", open_)
    monkeypatch.setattr(process_module.os, "readlink", readlink)
    monkeypatch.setattr(process_module.os, "stat", stat)
    monkeypatch.setattr(process_module.os, "listdir", listdir)
    yield seen


@pytest.mark.parametrize(
    ("fields", "files"),
    [
        ({"cpu_times"}, {"stat"}),
        ({"create_time", "nice", "terminal", "num_threads", "last_cpu"}, {"stat"}),
        ({"memory"}, {"stat", "status"}),
        ({"uid"}, {"stat", "status"}),
        ({"username", "voluntary_ctx_switches"}, {"stat", "status"}),
        ({"io"}, {"stat", "io"}),
        ({"cmdline"}, {"stat", "cmdline"}),
        ({"exe"}, {"stat", "exe"}),
        ({"num_fds"}, {"stat", "fd"}),
        (DASHBOARD, {"stat", "status", "io"}),
        (None, {"stat", "status", "io", "cmdline", "exe", "fd"}),
    ],
)
def test_only_needed_files_are_read(
    proc_root: Path, opened: list[str], fields: set[str] | None, files: set[str]
) -> None:
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    reader.processes(frozenset({"pid"}))  # boot time and the fd-count check are read once
    opened.clear()
    (proc,) = reader.processes(None if fields is None else frozenset(fields))
    assert set(opened) - {"proc"} == files
    assert (proc.pid, proc.ppid, proc.name, proc.status) == (1, 0, "proc", "sleeping")


def test_memory_on_an_old_kernel_reads_statm_only_when_asked(
    tmp_path: Path, opened: list[str]
) -> None:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "stat").write_text("cpu 1 2 3 4\nbtime 1000000000\n")
    data = HANDMADE / "process"
    _add(
        proc,
        7,
        1,
        status=(data / "status_linux26").read_bytes(),
        statm=(data / "statm_linux26").read_bytes(),
    )
    reader = ProcessReader(Roots(procfs=str(proc)))
    opened.clear()
    (without,) = reader.processes(frozenset({"uid"}))
    assert "statm" not in opened and without.memory is None and without.uid is not None
    (with_memory,) = reader.processes(frozenset({"memory"}))
    assert "statm" in opened
    assert with_memory.memory == ProcessReader(Roots(procfs=str(proc))).process(7).memory
    assert with_memory.memory is not None and with_memory.memory.shared is not None


def test_malformed_file_not_read_does_not_skip_the_process(proc_root: Path) -> None:
    _add(proc_root, 7, 1, io=(HANDMADE / "process" / "io_garbage").read_bytes())
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    assert [p.pid for p in reader.processes()] == [1]
    assert [p.pid for p in reader.processes(frozenset({"cpu_times"}))] == [1, 7]


# --------------------------------------------------------------------- the memo per field set


def test_partial_record_never_answers_a_fuller_call(proc_root: Path) -> None:
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    fresh = ProcessReader(Roots(procfs=str(proc_root))).processes()
    for _ in range(3):  # alternate, with every file unchanged (each memo hits from round 2 on)
        (cpu_only,) = reader.processes(frozenset({"cpu_times"}))
        assert cpu_only.io is None and cpu_only.cmdline is None and cpu_only.memory is None
        assert reader.processes() == fresh
        (dash,) = reader.processes(DASHBOARD)
        assert dash.io == fresh[0].io and dash.memory == fresh[0].memory
        assert dash.cmdline is None and dash.uid is None
        assert reader.processes(frozenset(PROCESS_FIELDS)) == fresh


def test_changes_show_in_every_field_set(proc_root: Path) -> None:
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    sets = [None, DASHBOARD, frozenset({"cpu_times"}), frozenset({"uid", "cmdline"})]
    for fields in sets:
        reader.processes(fields)
    (proc_root / "1" / "status").write_text(_status(1, uid=4242))
    (proc_root / "1" / "cmdline").write_bytes(b"renamed\0")
    assert reader.processes(None)[0].uid == 4242
    assert reader.processes(DASHBOARD)[0].uid is None
    (both,) = reader.processes(frozenset({"uid", "cmdline"}))
    assert (both.uid, both.cmdline) == (4242, ("renamed",))


def test_memo_keeps_a_few_field_sets(proc_root: Path) -> None:
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    names = sorted(PROCESS_FIELDS - ALWAYS_FILLED)
    for name in names:
        reader.processes(frozenset({name}))
        assert len(reader._memos) <= MEMO_FIELD_SETS
    assert list(reader._memos) == [frozenset({n}) for n in names[-MEMO_FIELD_SETS:]]


def test_memo_of_every_field_set_forgets_gone_pids(proc_root: Path) -> None:
    _add(proc_root, 2, 1)
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    reader.processes(DASHBOARD)
    reader.processes(None)
    for leaf in ("stat", "status", "cmdline"):
        (proc_root / "2" / leaf).unlink()
    (proc_root / "2" / "fd").rmdir()
    (proc_root / "2").rmdir()
    assert [p.pid for p in reader.processes(frozenset({"cpu_times"}))] == [1]
    assert all(set(memo) == {1} for memo in reader._memos.values())


# --------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ("cpu_times", TypeError),
        (b"io", TypeError),
        (5, TypeError),
        ([1], TypeError),
        (["cpu_times", "cpu_percent"], ValueError),
        ({"memory_info"}, ValueError),
    ],
)
def test_bad_fields(fields: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        darwin_metrics.processes(fields)  # type: ignore[arg-type]
    with pytest.raises(error):
        darwin_metrics.Sampler(process_fields=fields)  # type: ignore[arg-type]


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError) as info:
        field_set(["cpu_percent"])
    assert "cpu_percent" in str(info.value)
    assert all(name in str(info.value) for name in PROCESS_FIELDS)


@given(st.lists(st.sampled_from(sorted(PROCESS_FIELDS))))
def test_field_set_accepts_any_iterable_of_names(names: list[str]) -> None:
    expected = frozenset(names)
    assert field_set(names) == expected
    assert field_set(iter(names)) == expected
    assert field_set(tuple(names)) == expected
    assert field_set(None) is None


def test_public_names() -> None:
    assert frozenset(Process.__struct_fields__) == darwin_metrics.PROCESS_FIELDS
    assert "PROCESS_FIELDS" in darwin_metrics.__all__
    assert ALWAYS_FILLED <= PROCESS_FIELDS


def test_only_fields_for_backends_that_read_whole_records(pf_tree: Tree) -> None:
    full = ProcessReader(pf_tree.roots).processes()
    assert only_fields(full, None) == full
    assert only_fields(full, PROCESS_FIELDS) == full
    assert only_fields(full, DASHBOARD) == _expected(full, DASHBOARD)


# --------------------------------------------------------------------- the Sampler


@pytest.mark.parametrize(
    ("fields", "cpu", "io"),
    [
        ({"cpu_times"}, True, False),
        ({"io"}, False, True),
        ({"memory"}, False, False),
        (DASHBOARD, True, True),
        (None, True, True),
    ],
)
def test_sampler_rates_follow_the_fields(
    proc_root: Path, fields: set[str] | None, cpu: bool, io: bool
) -> None:
    backend = LinuxBackend(procfs=str(proc_root), sysfs=str(proc_root))
    sampler = Sampler(backend, families={"processes"}, process_fields=fields)
    first = sampler.sample()
    assert first.snapshot.processes is not None
    (proc,) = first.snapshot.processes
    assert proc.create_time == 1000000001.0  # always read: rates tell processes apart by it
    assert (proc.cpu_times is not None, proc.io is not None) == (cpu, io)
    (proc_root / "1" / "stat").write_text(_stat_line(1, 0).replace(" 50 25 ", " 150 25 "))
    (proc_root / "1" / "io").write_text(
        "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 6\n"
        "cancelled_write_bytes: 0\n"
    )
    second = sampler.sample()
    assert second.rates is not None and second.rates.processes is not None
    (rates,) = second.rates.processes
    assert (rates.pid, rates.create_time) == (1, 1000000001.0)
    assert (rates.cpu_percent is not None) == cpu
    assert rates.cpu_percent is None or rates.cpu_percent > 0
    assert (rates.read_bytes_per_second is not None) == io
    if io:
        assert rates.read_bytes_per_second is not None and rates.read_bytes_per_second > 0
        assert rates.write_bytes_per_second == 0.0


def test_sampler_keeps_checked_fields() -> None:
    sampler = Sampler(process_fields=["cpu_times"])
    assert sampler.process_fields == frozenset({"cpu_times", "create_time"})
    assert Sampler().process_fields is None


# --------------------------------------------------------------------- live


@pytest.mark.live
def test_live_dashboard_fields_against_psutil() -> None:
    psutil = pytest.importorskip("psutil")
    me = psutil.Process()
    sum(range(200_000))  # some CPU time of our own
    before_cpu, before_io = me.cpu_times(), me.io_counters()
    procs = darwin_metrics.processes(DASHBOARD)
    after_cpu, after_io, rss = me.cpu_times(), me.io_counters(), me.memory_info().rss
    mine = next(p for p in procs if p.pid == os.getpid())
    tick = 1 / os.sysconf("SC_CLK_TCK")
    assert mine.cpu_times is not None and mine.memory is not None and mine.io is not None
    # psutil reads the same stat counters: ours lie between its two readings (one tick of slack)
    assert before_cpu.user - tick <= mine.cpu_times.user <= after_cpu.user + tick
    assert before_cpu.system - tick <= mine.cpu_times.system <= after_cpu.system + tick
    assert before_io.read_chars <= mine.io.read_chars <= after_io.read_chars
    assert abs(mine.memory.rss - rss) < 16 * 2**20  # RSS moves a little between the reads
    assert mine.memory.shared is not None and mine.memory.swap is not None
    assert mine.cmdline is None and mine.uid is None and mine.num_fds is None
    assert (mine.ppid, mine.name, mine.status) == (me.ppid(), me.name(), "running")
    # identity of the others as psutil sees them, for those alive through both reads; other
    # sessions on a shared machine spawn processes (forked, not yet exec'd: another name)
    ours = {p.pid: (p.ppid, p.name) for p in procs}
    theirs = {
        p.pid: (p.info["ppid"], p.info["name"]) for p in psutil.process_iter(attrs=["ppid", "name"])
    }
    still = {pid for pid in ours if psutil.pid_exists(pid)} & set(theirs)
    assert still
    same = sum(ours[pid] == theirs[pid] for pid in still)
    assert same >= 0.9 * len(still)
