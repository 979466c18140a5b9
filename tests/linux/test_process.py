"""processes(), process(), threads() and process_tree() on captured and hand-made /proc trees.

Expected numbers are read by hand from the captured trees (``pf_tree``: prometheus/procfs
``fixtures.ttar``, btime 1418183276; ``ne_tree``: node_exporter's ``proc/``, same btime). Sizes
from ``stat`` are pages, so they are written as ``pages * PAGE``.
"""

from __future__ import annotations

import errno
import logging
import os
import pwd
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from darwin_metrics.errors import AccessDenied, NoSuchProcess, ParseError
from darwin_metrics.linux import process as process_module
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.process import ProcessReader
from darwin_metrics.records.process import (
    Process,
    ProcessCPUTimes,
    ProcessIO,
    ProcessMemory,
    Thread,
)
from tests.conftest import HANDMADE, Tree

PAGE = os.sysconf("SC_PAGE_SIZE")
DATA = HANDMADE / "process"


# ------------------------------------------------------------------------- captured: procfs


def test_pf_processes_lists_pids_with_a_stat(pf_tree: Tree) -> None:
    # 26233 and 26234 have no stat, 26235 only a status: a process without stat is gone.
    procs = ProcessReader(pf_tree.roots).processes()
    assert [p.pid for p in procs] == [584, 26231, 26232, 27079]


def test_pf_26231_full_record(pf_tree: Tree) -> None:
    proc = ProcessReader(pf_tree.roots).process(26231)
    assert proc == Process(
        pid=26231,
        ppid=5392,
        name="vim",
        exe="/usr/bin/vim",
        cmdline=("vim", "test.go", "+10"),
        status="running",
        username=None,  # a captured tree's uids are not this machine's users
        uid=1000,
        gid=1001,
        create_time=1418183276 + 82375 / 100,
        nice=0,
        terminal=34835,
        cpu_times=ProcessCPUTimes(
            user=16.77, system=0.44, children_user=1.58, children_system=0.99
        ),
        memory=ProcessMemory(
            rss=1981 * PAGE,
            vms=56274944,
            shared=(4624 + 0) * 1024,
            swap=660 * 1024,
        ),
        num_threads=1,
        num_fds=5,
        # cancelled_write_bytes is -1024 in the file: not a count, so None.
        io=ProcessIO(
            read_bytes=1024,
            write_bytes=2048,
            read_chars=750339,
            write_chars=818609,
            read_syscalls=7405,
            write_syscalls=5245,
            cancelled_write_bytes=None,
        ),
        voluntary_ctx_switches=4742839,
        involuntary_ctx_switches=1727500,
        last_cpu=0,
    )


def test_pf_26232_without_status_or_io(pf_tree: Tree) -> None:
    proc = ProcessReader(pf_tree.roots).process(26232)
    assert (proc.pid, proc.ppid, proc.name, proc.status) == (26232, 2, "ata_sff", "sleeping")
    assert proc.exe is None  # no exe link in the tree
    assert proc.cmdline == ()  # empty cmdline file, as for a kernel thread
    assert (proc.uid, proc.gid, proc.username) == (None, None, None)
    assert proc.io is None
    assert (proc.voluntary_ctx_switches, proc.involuntary_ctx_switches) == (None, None)
    # cutime -2^63 cannot be a time; cstime 2^63-1 ticks is printed, so kept.
    assert proc.cpu_times == ProcessCPUTimes(
        user=0.0, system=0.0, children_user=None, children_system=(2**63 - 1) / 100
    )
    assert proc.memory == ProcessMemory(rss=0, vms=0, shared=None, swap=None)
    assert (proc.nice, proc.num_threads, proc.terminal, proc.num_fds) == (-20, 1, None, 5)
    assert proc.create_time == 1418183276 + 5 / 100
    assert proc.last_cpu == 2**63 - 1


def test_pf_27079_and_584(pf_tree: Tree) -> None:
    reader = ProcessReader(pf_tree.roots)
    proc = reader.process(27079)
    # 27079 (pthread_load) S 1 27079 1 34816 ... 58125 15 0 0 20 0 5 0 4289574 36282368 138 ... 17 2
    assert (proc.name, proc.ppid, proc.status, proc.num_threads) == (
        "pthread_load",
        1,
        "sleeping",
        5,
    )
    assert proc.cpu_times == ProcessCPUTimes(
        user=581.25, system=0.15, children_user=0.0, children_system=0.0
    )
    assert proc.memory.rss == 138 * PAGE and proc.memory.vms == 36282368
    assert proc.create_time == 1418183276 + 4289574 / 100
    assert (proc.terminal, proc.last_cpu) == (34816, 2)
    odd = reader.process(584)
    assert (odd.pid, odd.name, odd.ppid, odd.status) == (584, "(a b ) ( c d) ", 28378, "running")
    assert odd.create_time == 1418183276 + 10839175 / 100


def test_pf_threads(pf_tree: Tree) -> None:
    assert ProcessReader(pf_tree.roots).threads(27079) == (
        Thread(tid=27079, name="pthread_load", status="sleeping", user=0.0, system=0.0),
        Thread(tid=27080, name="pthread_load", status="running", user=341.36, system=0.03),
        Thread(tid=27081, name="pthread_load", status="sleeping", user=136.8, system=0.04),
        Thread(tid=27082, name="pthread_load", status="sleeping", user=68.59, system=0.03),
        Thread(tid=27083, name="pthread_load", status="sleeping", user=34.52, system=0.04),
    )


def test_pf_missing_pids(pf_tree: Tree) -> None:
    reader = ProcessReader(pf_tree.roots)
    for pid in (26235, 26233, 27080, 99999):
        with pytest.raises(NoSuchProcess) as info:
            reader.process(pid)
        assert info.value.pid == pid
    with pytest.raises(NoSuchProcess):
        reader.threads(99999)
    with pytest.raises(NoSuchProcess):
        reader.process(0)


def test_pf_tree_all_roots(pf_tree: Tree) -> None:
    roots = LinuxBackend(procfs=pf_tree.roots.procfs, sysfs=pf_tree.roots.sysfs).process_tree()
    # None of the parents (28378, 5392, 2, 1) is in the tree.
    assert [(n.process.pid, n.children) for n in roots] == [
        (584, ()),
        (26231, ()),
        (26232, ()),
        (27079, ()),
    ]


# ------------------------------------------------------------------- captured: node_exporter


def test_ne_processes(ne_tree: Tree) -> None:
    procs = {p.pid: p for p in ProcessReader(ne_tree.roots).processes()}
    assert sorted(procs) == [1, 10, 11]
    one = procs[1]
    # 1 (systemd) S 0 1 1 0 -1 4194560 9061 9416027 94 2620 36 98 54406 13885 20 0 1 0 29 109604864 2507
    assert one == Process(
        pid=1,
        ppid=0,
        name="systemd",
        exe=None,
        cmdline=None,
        status="sleeping",
        create_time=1418183276 + 29 / 100,
        nice=0,
        terminal=None,
        cpu_times=ProcessCPUTimes(
            user=0.36, system=0.98, children_user=544.06, children_system=138.85
        ),
        memory=ProcessMemory(rss=2507 * PAGE, vms=109604864, shared=None, swap=None),
        num_threads=1,
        num_fds=None,
        io=None,
        last_cpu=0,
    )
    # proc/10/stat is khungtaskd's (pid 17 inside); the directory names the process.
    assert (procs[10].name, procs[10].ppid, procs[10].cpu_times.user) == ("khungtaskd", 2, 0.14)
    assert (procs[11].name, procs[11].status, procs[11].cpu_times.system) == (
        "rcu_preempt",
        "idle",
        3.46,
    )
    assert procs[11].create_time == 1418183276 + 32 / 100


def test_ne_tree_shape(ne_tree: Tree) -> None:
    roots = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs).process_tree()
    # 1 has ppid 0; 10 and 11 have ppid 2, which is absent: three roots.
    assert [n.process.pid for n in roots] == [1, 10, 11]


# --------------------------------------------------------------------- hand-made trees


def _stat_line(pid: int, ppid: int, comm: str = "proc", state: str = "S", start: int = 100) -> str:
    return (
        f"{pid} ({comm}) {state} {ppid} {pid} {pid} 0 -1 4194304 10 0 0 0 50 25 0 0 20 0 1 0 "
        f"{start} 4096000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
    )


def _status(pid: int, uid: int = 0, vm: bool = True) -> str:
    memory = "VmSize:\t    4000 kB\nRssFile:\t     200 kB\nRssShmem:\t      56 kB\nVmSwap:\t       8 kB\n"
    return (
        f"Name:\tproc\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\n"
        f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{uid}\t{uid}\t{uid}\t{uid}\n"
        + (memory if vm else "")
        + "Threads:\t1\nvoluntary_ctxt_switches:\t3\nnonvoluntary_ctxt_switches:\t4\n"
    )


def _add(proc: Path, pid: int, ppid: int, **files: str | bytes) -> Path:
    base = proc / str(pid)
    base.mkdir(parents=True)
    (base / "fd").mkdir()
    files.setdefault("stat", _stat_line(pid, ppid))
    files.setdefault("status", _status(pid))
    files.setdefault("cmdline", f"proc-{pid}\0")
    for name, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (base / name).write_bytes(data)
    return base


@pytest.fixture
def proc_root(tmp_path: Path) -> Path:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "stat").write_text("cpu 1 2 3 4\nbtime 1000000000\n")
    (proc / "self").symlink_to("1")
    return proc


def test_malformed_process_is_skipped_and_logged(
    proc_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _add(proc_root, 1, 0)
    _add(proc_root, 5, 1, stat=(DATA / "stat_garbage").read_bytes())
    _add(proc_root, 6, 1, status=(DATA / "status_no_uid").read_bytes())
    _add(proc_root, 7, 1, io=(DATA / "io_garbage").read_bytes())
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    with caplog.at_level(logging.WARNING, logger="darwin_metrics.linux.process"):
        procs = reader.processes()
    assert [p.pid for p in procs] == [1]
    logged = caplog.text
    for pid, name in ((5, "stat"), (6, "status"), (7, "io")):
        assert f"skipping process {pid}" in logged
        assert f"{proc_root}/{pid}/{name}" in logged
    with pytest.raises(ParseError) as info:
        reader.process(5)
    assert info.value.source == f"{proc_root}/5/stat"


def test_hand_made_record_values(proc_root: Path) -> None:
    _add(
        proc_root,
        1,
        0,
        io="rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\ncancelled_write_bytes: 7\n",
    )
    (proc_root / "1" / "exe").symlink_to("/usr/bin/true")
    for n in range(3):
        (proc_root / "1" / "fd" / str(n)).symlink_to("/dev/null")
    proc = ProcessReader(Roots(procfs=str(proc_root))).process(1)
    assert proc == Process(
        pid=1,
        ppid=0,
        name="proc",
        exe="/usr/bin/true",
        cmdline=("proc-1",),
        status="sleeping",
        username=None,
        uid=0,
        gid=0,
        create_time=1000000001.0,
        nice=0,
        terminal=None,
        cpu_times=ProcessCPUTimes(user=0.5, system=0.25, children_user=0.0, children_system=0.0),
        memory=ProcessMemory(rss=100 * PAGE, vms=4096000, shared=256 * 1024, swap=8 * 1024),
        num_threads=1,
        num_fds=3,
        io=ProcessIO(
            read_bytes=5,
            write_bytes=6,
            read_chars=1,
            write_chars=2,
            read_syscalls=3,
            write_syscalls=4,
            cancelled_write_bytes=7,
        ),
        voluntary_ctx_switches=3,
        involuntary_ctx_switches=4,
        last_cpu=1,
    )


def test_old_kernel_shared_from_statm(proc_root: Path) -> None:
    _add(
        proc_root,
        7,
        1,
        status=(DATA / "status_linux26").read_bytes(),
        statm=(DATA / "statm_linux26").read_bytes(),
    )
    proc = ProcessReader(Roots(procfs=str(proc_root))).process(7)
    assert proc.memory.shared == 250 * PAGE
    assert proc.memory.swap is None
    assert proc.voluntary_ctx_switches is None


def test_wrapped_statm_shared_is_none(proc_root: Path, pf_tree: Tree) -> None:
    _add(
        proc_root,
        7,
        1,
        status=(DATA / "status_linux26").read_bytes(),
        statm=(pf_tree.proc / "26231" / "statm").read_bytes(),
    )
    assert ProcessReader(Roots(procfs=str(proc_root))).process(7).memory.shared is None


def test_no_address_space_has_zero_shared_and_swap(proc_root: Path) -> None:
    _add(proc_root, 2, 0, status=_status(2, vm=False), cmdline="")
    proc = ProcessReader(Roots(procfs=str(proc_root))).process(2)
    assert proc.memory.shared == 0 and proc.memory.swap == 0
    assert proc.cmdline == ()


def test_thread_id_is_not_a_process(proc_root: Path) -> None:
    # /proc/TID exists for a thread (though not listed); its status says Tgid is the process.
    _add(proc_root, 42, 1, status=(DATA / "status_thread").read_bytes().replace(b"4243", b"42"))
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    with pytest.raises(NoSuchProcess):
        reader.process(42)
    with pytest.raises(NoSuchProcess):
        reader.threads(42)


def test_terminal_numbers(proc_root: Path) -> None:
    line = _stat_line(3, 1).replace(" 3 3 0 -1 ", " 3 3 -2147450624 -1 ")
    _add(proc_root, 3, 1, stat=line)
    assert ProcessReader(Roots(procfs=str(proc_root))).process(3).terminal == 2**31 + 33024


def _fail(
    monkeypatch: pytest.MonkeyPatch,
    suffixes: tuple[str, ...],
    code: int,
    hook: Callable[[str], None] | None = None,
) -> None:
    real = os.open

    def fake(path: str, *args: int, **kwargs: int) -> int:
        if str(path).endswith(suffixes):
            if hook is not None:
                hook(str(path))
            raise OSError(code, os.strerror(code), path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(process_module.os, "open", fake)


def test_permission_denied_gives_none(proc_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = _add(proc_root, 1, 0, io=(DATA / "io_reordered").read_bytes())
    (base / "exe").symlink_to("/bin/sh")
    _fail(monkeypatch, ("/io", "/status", "/cmdline"), errno.EACCES)
    real_readlink, real_listdir = os.readlink, os.listdir

    def deny_link(path: str) -> str:
        if path.endswith("/exe"):
            raise PermissionError(errno.EACCES, "denied", path)
        return real_readlink(path)

    def deny_dir(path: str) -> list[str]:
        if path.endswith("/fd"):
            raise PermissionError(errno.EACCES, "denied", path)
        return real_listdir(path)

    monkeypatch.setattr(process_module.os, "readlink", deny_link)
    monkeypatch.setattr(process_module.os, "listdir", deny_dir)
    proc = ProcessReader(Roots(procfs=str(proc_root))).process(1)
    assert (proc.io, proc.exe, proc.cmdline, proc.num_fds, proc.uid, proc.username) == (None,) * 6
    assert proc.cpu_times.user == 0.5  # what stat gives is still there


def test_stat_denied(proc_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _add(proc_root, 1, 0)
    _add(proc_root, 2, 1)
    _fail(monkeypatch, ("/2/stat",), errno.EACCES)
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    assert [p.pid for p in reader.processes()] == [1]
    with pytest.raises(AccessDenied):
        reader.process(2)


@pytest.mark.parametrize("code", [errno.ENOENT, errno.ESRCH])
@pytest.mark.parametrize("name", ["stat", "status"])
def test_vanishing_process_is_skipped(
    proc_root: Path, monkeypatch: pytest.MonkeyPatch, code: int, name: str
) -> None:
    _add(proc_root, 1, 0)
    _add(proc_root, 9, 1)
    _fail(
        monkeypatch,
        (f"/9/{name}",),
        code,
        hook=lambda path: shutil.rmtree(os.path.dirname(path)),
    )
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    assert [p.pid for p in reader.processes()] == [1]
    with pytest.raises(NoSuchProcess):
        reader.process(9)


def test_exe_reread_after_exec(proc_root: Path) -> None:
    base = _add(proc_root, 1, 0)
    (base / "exe").symlink_to("/bin/sh")
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    assert reader.process(1).exe == "/bin/sh"
    (base / "exe").unlink()
    (base / "exe").symlink_to("/usr/bin/python3")
    # Same start time and name: the same program image, so the link is not read again.
    assert reader.process(1).exe == "/bin/sh"
    # exec changes the name (and clears PF_FORKNOEXEC): the link is read again.
    (base / "stat").write_text(_stat_line(1, 0, comm="python3"))
    assert reader.process(1).exe == "/usr/bin/python3"


def test_tree_attaches_orphans_to_nearest_living_ancestor(proc_root: Path) -> None:
    # 1 -> 10 -> 20 -> 30; 10 and 20 exit, and 30 was read before the kernel re-parented it.
    _add(proc_root, 1, 0)
    _add(proc_root, 10, 1)
    _add(proc_root, 20, 10)
    _add(proc_root, 30, 20)
    _add(proc_root, 40, 1)
    backend = LinuxBackend(procfs=str(proc_root))
    backend.processes()
    shutil.rmtree(proc_root / "10")
    shutil.rmtree(proc_root / "20")
    roots = backend.process_tree()
    assert len(roots) == 1
    top = roots[0]
    assert top.process.pid == 1
    assert [c.process.pid for c in top.children] == [30, 40]
    assert backend._process_reader().known_parents()[20] == 10


def test_known_parents_forgets_after_a_few_enumerations(proc_root: Path) -> None:
    _add(proc_root, 1, 0)
    _add(proc_root, 10, 1)
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    reader.processes()
    shutil.rmtree(proc_root / "10")
    for _ in range(process_module.PARENT_MEMORY - 1):
        reader.processes()
        assert reader.known_parents()[10] == 1
    reader.processes()
    assert 10 not in reader.known_parents()


def test_a_captured_table_has_uids_and_no_user_names(proc_root: Path) -> None:
    """Another machine's uids are not this machine's users: no name is looked up for them."""
    for pid in (1, 2):
        _add(proc_root, pid, 0, status=_status(pid, uid=0))
    procs = ProcessReader(Roots(procfs=str(proc_root))).processes()
    assert [(p.uid, p.username) for p in procs] == [(0, None), (0, None)]


def test_user_names_are_cached(proc_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for pid in range(1, 6):
        _add(proc_root, pid, 0, status=_status(pid, uid=0))
    calls: list[int] = []
    real = pwd.getpwuid

    def counting(uid: int) -> pwd.struct_passwd:
        calls.append(uid)
        return real(uid)

    monkeypatch.setattr(process_module.pwd, "getpwuid", counting)
    reader = ProcessReader(Roots(procfs=str(proc_root)))
    reader._users.lookup = True  # as for this machine's own /proc
    assert {p.username for p in reader.processes()} == {"root"}
    reader.processes()
    assert calls == [0]


def test_missing_procfs(tmp_path: Path) -> None:
    from darwin_metrics.errors import NotSupported

    with pytest.raises(NotSupported):
        ProcessReader(Roots(procfs=str(tmp_path / "nothing"))).processes()
