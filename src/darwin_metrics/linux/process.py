"""Processes and threads from ``/proc/PID/*``.

Per process the reader opens ``stat`` (identity, state, times, sizes), ``status`` (ids, swap,
shared memory, context switches), ``io`` and ``cmdline``, reads the ``exe`` link, and counts open
files with one ``stat`` of ``fd/`` where the kernel reports the count as the directory size
(Linux 6.2 and later) or one listing of it elsewhere. Nothing is read twice, and user names come
from :mod:`pwd` through a cache keyed by uid, so ``/etc/passwd`` is not read per process.

Every file is read on every call; what is skipped is work that cannot change the answer. When all
that was read for a pid is byte for byte what was read for it in the previous ``processes()`` call
(an idle process), the record built from those bytes then is returned again instead of parsing
them anew. A kernel thread's ``cmdline`` (always empty: it has no user memory) is not read again
while its ``stat`` is unchanged. The ``exe`` link is read again whenever the process may have run
``exec`` (its start time, name or "forked, not exec'd" flag changed).

The table is read by the calling thread alone: helper threads reading runs of pids at once were
measured slower on an idle 2-CPU machine (1000 extra processes: 55 ms against 39 ms for the
typical table, 115 ms against 79 ms with every record rebuilt), since the Python work between the
system calls holds the GIL, and slower still on a busy one.

A process that vanishes while it is read is skipped; a file the caller may not read gives ``None``
for its fields; a malformed file raises :class:`ParseError` naming it, and :meth:`processes`
skips that process and logs a warning.
"""

from __future__ import annotations

import errno
import os
import pwd
import time
from _thread import allocate_lock
from collections.abc import Iterable, Mapping

import msgspec

from darwin_metrics.errors import AccessDenied, NoSuchProcess, NotSupported, ParseError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.linux.fs import DENIED_ERRNOS, MAX_FILE_BYTES, Roots
from darwin_metrics.linux.parsers.btime import parse_btime
from darwin_metrics.linux.parsers.cmdline import parse_cmdline
from darwin_metrics.linux.parsers.pidio import PidIO, parse_pid_io
from darwin_metrics.linux.parsers.pidstat import (
    PF_FORKNOEXEC,
    STATES,
    PidStat,
    parse_pid_stat,
    state_name,
)
from darwin_metrics.linux.parsers.pidstatus import parse_pid_status
from darwin_metrics.linux.parsers.statm import parse_statm
from darwin_metrics.records.process import (
    Process,
    ProcessCPUTimes,
    ProcessIO,
    ProcessMemory,
    Thread,
)

log = get_logger(__name__)

#: errno values that mean the process (or thread) is gone.
_GONE = frozenset({errno.ENOENT, errno.ESRCH, errno.ENOTDIR})
#: errno values after which a field is simply absent (gone, denied, or not provided here).
_ABSENT = _GONE | DENIED_ERRNOS | frozenset({errno.EINVAL, errno.EIO, errno.ENODATA})

#: Task states whose process has no program image any more (zombie, dead).
_NO_IMAGE = frozenset({"Z", "X", "x"})
#: ``PF_KTHREAD`` in the ``flags`` field of ``stat``: a kernel thread, which has no user memory
#: and so an empty command line (the kernel answers a read of its ``cmdline`` with nothing).
PF_KTHREAD = 0x00200000
#: Not a user name (the user cache maps unknown uids to None).
_NO_NAME = object()
_BUFSIZE = 8192
_O_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
#: How long a uid → user name answer is trusted, in seconds.
USER_CACHE_TTL = 60.0
#: How many enumerations a vanished process's parent link is remembered for the tree.
PARENT_MEMORY = 3


def _read(path: str) -> bytes:
    """One procfs file. A short read is the whole file for procfs, so most files take one read."""
    fd = os.open(path, _O_READ)
    try:
        data = os.read(fd, _BUFSIZE)
        if len(data) < _BUFSIZE:
            return data
        chunks = [data]
        while True:
            data = os.read(fd, 65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)
            if len(chunks) > MAX_FILE_BYTES // 65536:  # an endless file (a device)
                raise OSError(errno.EFBIG, "file larger than the read limit", path)
    finally:
        os.close(fd)


def _io_record(io: PidIO) -> ProcessIO:
    return ProcessIO(
        read_bytes=io.read_bytes,
        write_bytes=io.write_bytes,
        read_chars=io.rchar,
        write_chars=io.wchar,
        read_syscalls=io.syscr,
        write_syscalls=io.syscw,
        cancelled_write_bytes=io.cancelled_write_bytes if io.cancelled_write_bytes >= 0 else None,
    )


class _Files(msgspec.Struct, frozen=True, gc=False):
    """What :meth:`ProcessReader.processes` reads for one pid: the raw ``stat``, ``status``,
    ``io`` and ``cmdline`` (``None`` where absent or denied) and the open-descriptor count.
    Equal ``_Files`` parse into equal records."""

    stat: bytes
    status: bytes | None
    io: bytes | None
    cmdline: bytes | None
    num_fds: int | None


class _Remembered(msgspec.Struct, frozen=True, gc=False):
    """Per live pid, for the next call: what was read, the record made of it, and whether the
    process is a kernel thread (whose empty ``cmdline`` is then not read again)."""

    files: _Files
    record: Process
    kernel_thread: bool


class _UserNames:
    """uid → user name through :func:`pwd.getpwuid`, remembered for :data:`USER_CACHE_TTL` s."""

    def __init__(self) -> None:
        #: uid → name (``None``: the user database has no such uid), read by the process reader.
        self.names: dict[int, str | None] = {}
        self._since = time.monotonic()

    def expire(self) -> None:
        """Forget every answer once they are older than the TTL (called once per enumeration)."""
        if time.monotonic() - self._since > USER_CACHE_TTL:
            self.names = {}
            self._since = time.monotonic()

    def name(self, uid: int) -> str | None:
        try:
            return self.names[uid]
        except KeyError:
            pass
        try:
            found: str | None = pwd.getpwuid(uid).pw_name
        except (KeyError, OverflowError):
            found = None
        self.names[uid] = found
        return found


class ProcessReader:
    """Reads processes and threads under ``roots.procfs``; one per backend, safe across threads.

    It keeps five small caches: the boot time (read once, so a process's ``create_time`` is stable
    from call to call), uid → user name (:data:`USER_CACHE_TTL`), the executable path of each
    process keyed by (pid, start time, name, exec state) so it is re-read after an exec, the
    pid → ppid links of the last :data:`PARENT_MEMORY` enumerations for :meth:`known_parents`, and
    per live pid the bytes last read and the record made of them (see the module docstring).
    """

    def __init__(self, roots: Roots) -> None:
        self.roots = roots
        self._proc = roots.procfs
        self._clk_tck = float(os.sysconf("SC_CLK_TCK"))
        self._page_size = os.sysconf("SC_PAGE_SIZE")
        self._btime: int | None = None
        self._users = _UserNames()
        self._exe: dict[int, tuple[tuple[int, str, bool], str | None]] = {}
        #: pid → what was read for it, the record made of it, whether it is a kernel thread.
        self._memo: dict[int, _Remembered] = {}
        self._fd_count_by_size: bool | None = None
        self._lock = allocate_lock()
        self._parents: dict[int, tuple[int, int]] = {}
        self._generation = 0

    # -- public API ------------------------------------------------------------------------

    def processes(self) -> tuple[Process, ...]:
        """Every process visible in the process table, sorted by pid.

        Processes that vanish while being read are left out; one whose files are malformed is
        left out and logged (warning); one whose ``stat`` the caller may not read is left out and
        logged (debug).
        """
        try:
            names = os.listdir(self._proc)
        except FileNotFoundError:
            raise NotSupported(f"no process table at {self._proc}") from None
        self._prepare()
        pids = sorted(int(n) for n in names if n.isdigit() and n.isascii())
        found = self._collect(pids, strict=False)
        self._remember(found)
        return tuple(found)

    def process(self, pid: int) -> Process:
        """One process by pid. Raises :class:`NoSuchProcess` when there is none (a thread id is
        not a process), :class:`AccessDenied` when its ``stat`` may not be read, and
        :class:`ParseError` when one of its files is malformed."""
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            raise NoSuchProcess(pid if isinstance(pid, int) else -1, f"invalid pid {pid!r}")
        self._prepare()
        found = self._collect((pid,), strict=True)
        if not found:
            raise NoSuchProcess(pid)
        return found[0]

    def threads(self, pid: int) -> tuple[Thread, ...]:
        """The threads of process ``pid`` from ``/proc/PID/task/TID/stat``, sorted by thread id.

        Raises :class:`NoSuchProcess` when ``pid`` is not a process. Threads that end while being
        read are left out; one with a malformed ``stat`` is left out and logged.
        """
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            raise NoSuchProcess(pid if isinstance(pid, int) else -1, f"invalid pid {pid!r}")
        if not self._is_process(pid):
            raise NoSuchProcess(pid)
        task_dir = f"{self._proc}/{pid}/task"
        try:
            names = os.listdir(task_dir)
        except OSError as exc:
            if exc.errno in _GONE:
                raise NoSuchProcess(pid) from None
            if exc.errno in DENIED_ERRNOS:
                raise AccessDenied(f"cannot list {task_dir}", path=task_dir) from None
            raise
        tick = self._clk_tck
        found: list[Thread] = []
        for tid in sorted(int(n) for n in names if n.isdigit() and n.isascii()):
            path = f"{task_dir}/{tid}/stat"
            try:
                stat = parse_pid_stat(_read(path), path)
            except OSError as exc:
                if exc.errno not in _ABSENT:  # not a file (a directory, a loop): skip it too
                    log.debug("skipping thread %d of %d: %s", tid, pid, exc)
                continue
            except ParseError as exc:
                log.warning("skipping thread %d of %d: %s", tid, pid, exc)
                continue
            found.append(
                Thread(
                    tid=tid,
                    name=stat.comm,
                    status=state_name(stat.state),
                    user=stat.utime / tick,
                    system=stat.stime / tick,
                )
            )
        if not found and not os.path.isdir(f"{self._proc}/{pid}"):
            raise NoSuchProcess(pid)
        return tuple(found)

    def known_parents(self) -> Mapping[int, int]:
        """pid → ppid for every process seen in the last :data:`PARENT_MEMORY` enumerations."""
        with self._lock:
            return {pid: ppid for pid, (ppid, _) in self._parents.items()}

    # -- internals -------------------------------------------------------------------------

    def _prepare(self) -> None:
        """Per-call set-up: boot time, user-name expiry, the fd-counting method."""
        self._users.expire()
        if self._btime is None:
            path = f"{self._proc}/stat"
            try:
                self._btime = parse_btime(_read(path), path)
            except (OSError, ParseError) as exc:
                log.debug("no boot time, create_time will be None: %s", exc)
        if self._fd_count_by_size is None:
            self._fd_count_by_size = self._detect_fd_count_by_size()

    def _detect_fd_count_by_size(self) -> bool:
        """True when ``stat("/proc/PID/fd").st_size`` is the number of open files (Linux >= 6.2).

        Only trusted for the live procfs of this process's pid namespace: the check holds an fd
        open, so a kernel that reports the count gives at least 1 where an older one gives 0, and
        the count must match a listing (which holds one more fd). Other threads opening files
        meanwhile can spoil one comparison, hence a few tries; a miss only costs speed.
        """
        self_fd = f"{self._proc}/self/fd"
        try:
            if os.readlink(f"{self._proc}/self") != str(os.getpid()):
                return False
            fd = os.open(self_fd, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                for _ in range(3):
                    size = os.stat(self_fd).st_size
                    if size == 0:
                        return False
                    if size == len(os.listdir(self_fd)) - 1:
                        return True
                return False
            finally:
                os.close(fd)
        except OSError:
            return False

    def _remember(self, found: list[Process]) -> None:
        with self._lock:
            self._generation += 1
            gen = self._generation
            parents = self._parents
            for proc in found:
                parents[proc.pid] = (proc.ppid, gen)
            oldest = gen - PARENT_MEMORY
            for pid in [p for p, (_, g) in parents.items() if g <= oldest]:
                del parents[pid]
            alive = {proc.pid for proc in found}
            # list() copies the keys in one step, while other threads may add entries.
            for pid in [p for p in list(self._exe) if p not in alive]:
                self._exe.pop(pid, None)
            for pid in [p for p in list(self._memo) if p not in alive]:
                self._memo.pop(pid, None)

    def _is_process(self, pid: int) -> bool:
        """Whether ``pid`` names a process (not a thread of one) now."""
        path = f"{self._proc}/{pid}/status"
        try:
            return parse_pid_status(_read(path), path).tgid == pid
        except OSError as exc:
            if exc.errno not in _ABSENT:
                raise
        except ParseError:
            pass
        return os.path.exists(f"{self._proc}/{pid}/stat")

    def _gone(self, base: str) -> bool:
        """Whether the process directory ``base`` has disappeared."""
        try:
            os.stat(base)
        except OSError as exc:
            return exc.errno in _GONE
        return False

    def _collect(self, pids: Iterable[int], strict: bool) -> list[Process]:
        """The processes among ``pids`` that exist, in the given order.

        Not ``strict`` (``processes()``): a process whose ``stat`` is denied or whose files are
        malformed is left out and logged. ``strict`` (``process(pid)``): those raise, and a thread
        id (its ``status`` names another thread group) is left out.

        Per pid: :meth:`_read_files`; when all of it is byte for byte what was read for the pid
        last time (an idle process), the record built from those bytes then is the answer again,
        since parsing the same bytes gives the same record; otherwise :meth:`_build` parses and
        builds it. This runs for every process on every call.
        """
        proc = self._proc
        memo = None if strict else self._memo
        user_names = self._users.names
        found: list[Process] = []
        append = found.append
        for pid in pids:
            base = f"{proc}/{pid}/"
            previous = None if memo is None else memo.get(pid)
            try:
                files = self._read_files(base, previous)
                if files is None:
                    continue
                if previous is not None and previous.files == files:
                    last = previous.record
                    # ... unless the user database has since named the uid differently.
                    if last.uid is None or user_names.get(last.uid, _NO_NAME) == last.username:
                        append(last)
                        continue
                built = self._build(pid, base, files, strict)
            except ParseError as exc:
                if strict:
                    raise
                log.warning("skipping process %d: %s", pid, exc)
                continue
            except AccessDenied as exc:
                if strict:
                    raise
                log.debug("skipping process %d: %s", pid, exc)
                continue
            except (OSError, ValueError, OverflowError) as exc:
                # a file that cannot be read as one (a directory, a symlink loop) or a value
                # out of any range: this process is unusable, the others are not
                if strict:
                    raise ParseError(f"{base}stat", f"{type(exc).__name__}: {exc}") from exc
                log.debug("skipping process %d: %s", pid, exc)
                continue
            if built is None:
                continue
            record, kernel_thread, from_statm = built
            # Kept for the next processes() call, which forgets the pids that have gone; not by
            # process(pid), which would keep every pid ever asked for. statm is not in the key.
            if memo is not None and not from_statm:
                memo[pid] = _Remembered(files, record, kernel_thread)
            append(record)
        return found

    # -- read ------------------------------------------------------------------------------

    def _read_files(self, base: str, previous: _Remembered | None) -> _Files | None:
        """Everything :meth:`processes` reads for the process directory ``base`` (one ``stat``
        ends in ``/``); ``None`` when the process has gone. A file the caller may not read, or
        that this kernel lacks, is ``None``; a ``stat`` the caller may not read raises
        :class:`AccessDenied`."""
        stat_path = base + "stat"
        try:
            stat_data = _read(stat_path)
        except OSError as exc:
            if exc.errno in _GONE:
                return None
            if exc.errno in DENIED_ERRNOS:
                raise AccessDenied(f"cannot read {stat_path}", path=stat_path) from None
            raise
        try:
            status_data: bytes | None = _read(base + "status")
        except OSError as exc:
            if exc.errno not in _ABSENT:
                raise
            if exc.errno in _GONE and self._gone(base):
                return None
            status_data = None
        try:
            io_data: bytes | None = _read(base + "io")
        except OSError as exc:
            if exc.errno not in _ABSENT:
                raise
            io_data = None
        # A kernel thread's command line is always empty: not read again while its stat is
        # unchanged (the same kernel thread).
        cmdline_data: bytes | None = b""
        if previous is None or not previous.kernel_thread or previous.files.stat != stat_data:
            try:
                cmdline_data = _read(base + "cmdline")
            except OSError as exc:
                if exc.errno not in _ABSENT:
                    raise
                cmdline_data = None
        # Open descriptors: the size of fd/ where the kernel reports the count there, else a
        # listing of it.
        num_fds: int | None
        try:
            if self._fd_count_by_size:
                num_fds = os.stat(base + "fd").st_size
            else:
                num_fds = len(os.listdir(base + "fd"))
        except OSError as exc:
            if exc.errno not in _ABSENT:
                raise
            num_fds = None
        return _Files(stat_data, status_data, io_data, cmdline_data, num_fds)

    # -- parse and build -------------------------------------------------------------------

    def _build(
        self, pid: int, base: str, files: _Files, strict: bool
    ) -> tuple[Process, bool, bool] | None:
        """The record for ``files`` with whether the process is a kernel thread and whether
        its shared memory came from ``statm`` (outside ``files``, so the record is not kept);
        ``None`` in ``strict`` mode for a thread id. :class:`ParseError` for a malformed file."""
        stat = parse_pid_stat(files.stat, base + "stat")
        status = None if files.status is None else parse_pid_status(files.status, base + "status")
        if strict and status is not None and status.tgid != pid:
            return None
        io = None if files.io is None else _io_record(parse_pid_io(files.io, base + "io"))
        # Shared and swapped memory from status; from statm (outside files, so the record is
        # not kept) for kernels whose status lacks RssFile.
        shared: int | None = None
        swap: int | None = None
        uid: int | None = None
        username: str | None = None
        if status is not None:
            uid = status.uid
            try:
                username = self._users.names[uid]
            except KeyError:
                username = self._users.name(uid)
            if status.vm_size is None:
                # No address space (kernel thread, zombie): nothing shared or swapped.
                shared = swap = 0
            else:
                swap = status.vm_swap
                if status.rss_file is not None:
                    shared = status.rss_file + (status.rss_shmem or 0)
        from_statm = shared is None and (status is None or status.vm_size is not None)
        if from_statm:
            shared = self._statm_shared(base)
        tick = self._clk_tck
        btime = self._btime
        tty_nr = stat.tty_nr
        cutime = stat.cutime
        cstime = stat.cstime
        rss = stat.rss
        processor = stat.processor
        record = Process(
            pid=pid,
            ppid=stat.ppid,
            name=stat.comm,
            exe=self._exe_path(pid, base, stat),
            cmdline=None if files.cmdline is None else parse_cmdline(files.cmdline),
            status=STATES.get(stat.state, "unknown"),
            username=username,
            uid=uid,
            gid=None if status is None else status.gid,
            create_time=None if btime is None else btime + stat.starttime / tick,
            nice=stat.nice,
            # The controlling terminal's device number, printed as a signed int.
            terminal=None if tty_nr == 0 else tty_nr if tty_nr > 0 else tty_nr + (1 << 32),
            cpu_times=ProcessCPUTimes(
                user=stat.utime / tick,
                system=stat.stime / tick,
                children_user=cutime / tick if cutime >= 0 else None,
                children_system=cstime / tick if cstime >= 0 else None,
            ),
            memory=ProcessMemory(
                rss=rss * self._page_size if rss > 0 else 0,
                vms=stat.vsize,
                shared=shared,
                swap=swap,
            ),
            num_threads=stat.num_threads,
            num_fds=files.num_fds,
            io=io,
            voluntary_ctx_switches=None if status is None else status.voluntary_ctxt_switches,
            involuntary_ctx_switches=None if status is None else status.nonvoluntary_ctxt_switches,
            last_cpu=processor if processor is None or processor >= 0 else None,
        )
        return record, bool(stat.flags & PF_KTHREAD), from_statm

    def _exe_path(self, pid: int, base: str, stat: PidStat) -> str | None:
        """The ``exe`` link, read again only when the process may have called exec since the
        last read (another start time, name or "forked, not exec'd" flag); ``None`` for a
        zombie or dead process and where it may not be read."""
        if stat.state in _NO_IMAGE:
            return None
        key = (stat.starttime, stat.comm, bool(stat.flags & PF_FORKNOEXEC))
        cached = self._exe.get(pid)
        if cached is not None and cached[0] == key:
            return cached[1]
        exe: str | None = None
        try:
            exe = os.readlink(base + "exe")
        except OSError as exc:
            if exc.errno not in _ABSENT:
                raise
        self._exe[pid] = (key, exe)
        return exe

    def _statm_shared(self, base: str) -> int | None:
        """Resident shared bytes from ``statm``, for kernels whose ``status`` lacks ``RssFile``."""
        path = base + "statm"
        try:
            statm = parse_statm(_read(path), path)
        except OSError as exc:
            if exc.errno not in _ABSENT:
                raise
            return None
        # A shared count above the total size is a kernel counter that went below zero.
        return statm.shared * self._page_size if statm.shared <= statm.size else None
