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

The table is read in two passes: every process's files first, then the changed ones parsed,
their ``stat``, ``status`` and ``io`` numbers converted by one JSON decode where the files have
the kernel's layouts (``parsers/pidnumbers.py``; the parsers read anything else).

``processes(fields)`` reads only the files the named fields need (``stat`` always; ``status``
for the ids, memory and context switches; ``io``, ``cmdline``, ``exe`` and ``fd/`` for their own
fields) and keeps one such memo per field set, so a record built from fewer files never answers
a call that asks for more.

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
from darwin_metrics.linux.parsers.pidio import io_tokens, parse_pid_io
from darwin_metrics.linux.parsers.pidnumbers import PidNumbers, StatNumbers, decode_numbers
from darwin_metrics.linux.parsers.pidstat import (
    PF_FORKNOEXEC,
    STATES,
    PidStat,
    parse_pid_stat,
    stat_numbers_text,
    state_name,
)
from darwin_metrics.linux.parsers.pidstatus import parse_pid_status, status_tokens
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
#: How many field sets of ``processes(fields=...)`` keep a per-pid memo (least recently used
#: dropped first); a caller alternating between a few sets keeps every one of them.
MEMO_FIELD_SETS = 4


def _read(path: str) -> bytes:
    """One procfs file. A short read is the whole file for procfs, so most files take one read."""
    fd = os.open(path, _O_READ)
    try:
        data = os.read(fd, _BUFSIZE)
        return data if len(data) < _BUFSIZE else _read_rest(fd, data, path)
    finally:
        os.close(fd)


def _read_optional(path: str) -> bytes | None:
    """:func:`_read`, or ``None`` where the file is absent, denied or not provided here."""
    try:
        return _read(path)
    except OSError as exc:
        if exc.errno not in _ABSENT:
            raise
        return None


def _read_rest(fd: int, first: bytes, path: str) -> bytes:
    """The rest of a file whose first read filled the buffer, after ``first``."""
    chunks = [first]
    while True:
        data = os.read(fd, 65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)
        if len(chunks) > MAX_FILE_BYTES // 65536:  # an endless file (a device)
            raise OSError(errno.EFBIG, "file larger than the read limit", path)


def _fast_numbers(files: _Files) -> tuple[str, str, PidNumbers] | None:
    """``comm``, the state and the numbers of ``stat``, ``status`` and ``io`` for the layouts
    the kernel prints, converted and checked by one JSON decode into named structs
    (:func:`stat_numbers_text`, :func:`status_tokens`, :func:`io_tokens`,
    :func:`decode_numbers`); ``None`` for anything else (another layout, a text that is not a
    number, a value out of range), which the parsers then read."""
    stat_text = stat_numbers_text(files.stat)
    if stat_text is None:
        return None
    status_texts = io_texts = None
    if files.status is not None:
        status_texts = status_tokens(files.status)
        if status_texts is None:
            return None
    if files.io is not None:
        io_texts = io_tokens(files.io)
        if io_texts is None:
            return None
    comm, state, stat_numbers = stat_text
    numbers = decode_numbers(stat_numbers, status_texts, io_texts)
    return None if numbers is None else (comm, state, numbers)


def _io_record(
    rchar: int,
    wchar: int,
    syscr: int,
    syscw: int,
    read_bytes: int,
    write_bytes: int,
    cancelled_write_bytes: int,
) -> ProcessIO:
    """The record of the counters of ``/proc/PID/io``, in :class:`PidIO`'s order."""
    return ProcessIO(
        read_bytes=read_bytes,
        write_bytes=write_bytes,
        read_chars=rchar,
        write_chars=wchar,
        read_syscalls=syscr,
        write_syscalls=syscw,
        cancelled_write_bytes=cancelled_write_bytes if cancelled_write_bytes >= 0 else None,
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


class _Plan(msgspec.Struct, frozen=True, gc=False):
    """What one ``processes(fields)`` call reads per pid besides ``stat``, and what it fills.

    ``status`` holds the ids, shared and swapped memory and the context switches; ``memory``
    asks for it so that a :class:`ProcessMemory` is never half filled. ``fill`` is the fields
    filled (``None``: every field)."""

    status: bool = True
    io: bool = True
    cmdline: bool = True
    exe: bool = True
    num_fds: bool = True
    memory: bool = True
    fill: frozenset[str] | None = None

    @classmethod
    def of(cls, fields: frozenset[str] | None) -> _Plan:
        if fields is None:
            return cls()
        from darwin_metrics.procfields import ALWAYS_FILLED

        return cls(
            status=not fields.isdisjoint(_FROM_STATUS),
            io="io" in fields,
            cmdline="cmdline" in fields,
            exe="exe" in fields,
            num_fds="num_fds" in fields,
            memory="memory" in fields,
            fill=fields | ALWAYS_FILLED,
        )


#: The fields that need ``/proc/PID/status``.
_FROM_STATUS = frozenset(
    {"uid", "gid", "username", "memory", "voluntary_ctx_switches", "involuntary_ctx_switches"}
)
_FULL = _Plan()


class _Remembered(msgspec.Struct, frozen=True, gc=False):
    """Per live pid, for the next call: what was read, the record made of it, and whether the
    process is a kernel thread (whose empty ``cmdline`` is then not read again)."""

    files: _Files
    record: Process
    kernel_thread: bool
    #: The real uid and the user name found for it (kept whether or not the record holds them).
    uid: int | None
    username: str | None


class _UserNames:
    """uid → user name through :func:`pwd.getpwuid`, remembered for :data:`USER_CACHE_TTL` s.

    Only for this machine's own process table (``lookup``): a captured tree or another machine's
    ``/proc`` (``/host/proc`` in a container) numbers its users by its own user database, which
    this machine's may not match, so there every name is ``None`` (the uid stays)."""

    def __init__(self, lookup: bool = True) -> None:
        #: uid → name (``None``: the user database has no such uid), read by the process reader.
        self.names: dict[int, str | None] = {}
        self.lookup = lookup
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
        found: str | None = None
        if self.lookup:
            try:
                found = pwd.getpwuid(uid).pw_name
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
        self._users = _UserNames(lookup=os.path.realpath(roots.procfs) == "/proc")
        self._exe: dict[int, tuple[tuple[int, str, bool], str | None]] = {}
        #: Per field set (``None``: every field), most recently used last: pid → what was read
        #: for it, the record made of it, whether it is a kernel thread.
        self._memos: dict[frozenset[str] | None, dict[int, _Remembered]] = {}
        self._plans: dict[frozenset[str] | None, _Plan] = {None: _FULL}
        self._fd_count_by_size: bool | None = None
        self._lock = allocate_lock()
        self._parents: dict[int, tuple[int, int]] = {}
        self._generation = 0

    # -- public API ------------------------------------------------------------------------

    def processes(self, fields: frozenset[str] | None = None) -> tuple[Process, ...]:
        """Every process visible in the process table, sorted by pid.

        ``fields`` (checked :class:`Process` field names, see :mod:`darwin_metrics.procfields`):
        only the files those fields need are read (``stat`` always; ``status`` for the ids,
        memory and context switches; ``io``, ``cmdline``, the ``exe`` link and ``fd/`` for their
        own fields), and the fields not named are ``None``. ``None``: every field.

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
        plan = self._plans.get(fields)
        if plan is None:
            plan = self._plans.setdefault(fields, _Plan.of(fields))
        found = self._collect(pids, strict=False, plan=plan, memo=self._memo_for(fields))
        self._remember(found)
        return tuple(found)

    def process(self, pid: int) -> Process:
        """One process by pid. Raises :class:`NoSuchProcess` when there is none (a thread id is
        not a process), :class:`AccessDenied` when its ``stat`` may not be read, and
        :class:`ParseError` when one of its files is malformed."""
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            raise NoSuchProcess(pid if isinstance(pid, int) else -1, f"invalid pid {pid!r}")
        self._prepare()
        found = self._collect((pid,), strict=True, plan=_FULL, memo=None)
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

    def _memo_for(self, fields: frozenset[str] | None) -> dict[int, _Remembered]:
        """The per-pid memo of ``fields``, made most recently used; the least recently used
        beyond :data:`MEMO_FIELD_SETS` is dropped (a record built from fewer files than a call
        needs is never looked up by that call: each field set has its own memo)."""
        with self._lock:
            memos = self._memos
            memo = memos.pop(fields, None)
            if memo is None:
                memo = {}
                while len(memos) >= MEMO_FIELD_SETS:
                    del memos[next(iter(memos))]
                if len(self._plans) > 4 * MEMO_FIELD_SETS:
                    self._plans = {None: _FULL}
            memos[fields] = memo
            return memo

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
            # Every call lists the whole table, so each field set's memo forgets the gone pids.
            for memo in list(self._memos.values()):
                for pid in [p for p in list(memo) if p not in alive]:
                    memo.pop(pid, None)

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

    def _collect(
        self,
        pids: Iterable[int],
        strict: bool,
        plan: _Plan,
        memo: dict[int, _Remembered] | None,
    ) -> list[Process]:
        """The processes among ``pids`` that exist, in the given order, read as ``plan`` says;
        ``memo`` (of ``plan``'s field set) holds the previous call's bytes and records.

        Not ``strict`` (``processes()``): a process whose ``stat`` is denied or whose files are
        malformed is left out and logged. ``strict`` (``process(pid)``): those raise, and a thread
        id (its ``status`` names another thread group) is left out.

        Two passes. First, per pid, :meth:`_read_files`; when all of it is byte for byte what
        was read for the pid last time (an idle process), the record built from those bytes then
        is the answer again, since parsing the same bytes gives the same record. Then
        :meth:`_build` parses and builds the others. Reading every file first and parsing after
        was measured faster than alternating per process (the parsing code stays in the CPU's
        caches between the system calls' kernel work). This runs for every process on every
        call.
        """
        proc = self._proc
        user_names = self._users.names
        # pid order: a reused record, or what _build needs
        pending: list[Process | tuple[int, str, _Files]] = []
        keep = pending.append
        for pid in pids:
            base = f"{proc}/{pid}/"
            previous = None if memo is None else memo.get(pid)
            try:
                files = self._read_files(base, previous, plan)
            except (AccessDenied, OSError) as exc:
                if not self._skip(pid, base, exc, strict):
                    raise
                continue
            if files is None:
                continue
            if previous is not None and previous.files == files:
                # ... unless the user database has since named the uid differently.
                uid = previous.uid
                if uid is None or user_names.get(uid, _NO_NAME) == previous.username:
                    keep(previous.record)
                    continue
            keep((pid, base, files))
        # The numbers of every changed process first, then the records (each loop's code
        # stays in the caches: measured faster than one loop doing both).
        fast = [
            None if isinstance(entry, Process) else _fast_numbers(entry[2]) for entry in pending
        ]
        found: list[Process] = []
        append = found.append
        build = self._build
        for entry, numbers in zip(pending, fast, strict=True):
            if isinstance(entry, Process):
                append(entry)
                continue
            pid, base, files = entry
            try:
                built = build(pid, base, files, strict, plan, numbers)
            except (ParseError, OSError, ValueError, OverflowError) as exc:
                if not self._skip(pid, base, exc, strict):
                    raise
                continue
            if built is None:
                continue
            record, kernel_thread, from_statm, uid, username = built
            # Kept for the next processes() call, which forgets the pids that have gone; not by
            # process(pid), which would keep every pid ever asked for. statm is not in the key.
            if memo is not None and not from_statm:
                memo[pid] = _Remembered(files, record, kernel_thread, uid, username)
            append(record)
        return found

    def _skip(self, pid: int, base: str, exc: Exception, strict: bool) -> bool:
        """Whether the process whose reading raised ``exc`` is left out (logged): not in
        ``strict`` mode, where a parse error or a denied ``stat`` is raised again (``False``)
        and another error is raised as a :class:`ParseError` of its ``stat``."""
        if isinstance(exc, ParseError):
            if strict:
                return False
            log.warning("skipping process %d: %s", pid, exc)
            return True
        if isinstance(exc, AccessDenied):
            if strict:
                return False
            log.debug("skipping process %d: %s", pid, exc)
            return True
        # a file that cannot be read as one (a directory, a symlink loop) or a value out of
        # any range: this process is unusable, the others are not
        if strict:
            raise ParseError(f"{base}stat", f"{type(exc).__name__}: {exc}") from exc
        log.debug("skipping process %d: %s", pid, exc)
        return True

    # -- read ------------------------------------------------------------------------------

    def _read_files(self, base: str, previous: _Remembered | None, plan: _Plan) -> _Files | None:
        """What :meth:`processes` reads for the process directory ``base`` (one ``stat`` ends in
        ``/``) under ``plan``; ``None`` when the process has gone. A file the caller may not read,
        that this kernel lacks or that ``plan`` does not need is ``None``; a ``stat`` the caller
        may not read raises :class:`AccessDenied`."""
        stat_path = base + "stat"
        try:
            stat_data = _read(stat_path)
        except OSError as exc:
            if exc.errno in _GONE:
                return None
            if exc.errno in DENIED_ERRNOS:
                raise AccessDenied(f"cannot read {stat_path}", path=stat_path) from None
            raise
        status_data: bytes | None = None
        if plan.status:
            try:
                status_data = _read(base + "status")
            except OSError as exc:
                if exc.errno not in _ABSENT:
                    raise
                if exc.errno in _GONE and self._gone(base):
                    return None
        io_data = _read_optional(base + "io") if plan.io else None
        # A kernel thread's command line is always empty: not read again while its stat is
        # unchanged (the same kernel thread) and the last read found it empty.
        cmdline_data: bytes | None = None
        if not plan.cmdline:
            pass
        elif (
            previous is not None
            and previous.kernel_thread
            and previous.files.cmdline == b""
            and previous.files.stat == stat_data
        ):
            cmdline_data = b""
        else:
            cmdline_data = _read_optional(base + "cmdline")
        # Open descriptors: the size of fd/ where the kernel reports the count there, else a
        # listing of it.
        num_fds: int | None = None
        if plan.num_fds:
            try:
                if self._fd_count_by_size:
                    num_fds = os.stat(base + "fd").st_size
                else:
                    num_fds = len(os.listdir(base + "fd"))
            except OSError as exc:
                if exc.errno not in _ABSENT:
                    raise
        return _Files(stat_data, status_data, io_data, cmdline_data, num_fds)

    # -- parse and build -------------------------------------------------------------------

    def _build(
        self,
        pid: int,
        base: str,
        files: _Files,
        strict: bool,
        plan: _Plan,
        fast: tuple[str, str, PidNumbers] | None,
    ) -> tuple[Process, bool, bool, int | None, str | None] | None:
        """The record for ``files`` under ``plan`` with whether the process is a kernel thread,
        whether its shared memory came from ``statm`` (outside ``files``, so the record is not
        kept), and its uid and user name (``None`` without ``status``); ``None`` in ``strict``
        mode for a thread id. :class:`ParseError` for a malformed file.

        ``fast``: what :func:`_fast_numbers` made of ``files``; ``None`` where it declined, and
        then the parsers read the files: the same values for the same bytes, or the
        :class:`ParseError` naming the file.
        """
        status_data = files.status
        io_data = files.io
        numbers = None
        if fast is not None:
            comm, state, numbers = fast
        io: ProcessIO | None = None
        uid = gid = voluntary = involuntary = shared = swap = None
        # The stat numbers: the same field names in both structs.
        stat: StatNumbers | PidStat
        if numbers is not None:
            stat = numbers.stat
            status_n = numbers.status
            if status_n is not None:
                if strict and status_n.tgid != pid:
                    return None
                uid, gid = status_n.uid, status_n.gid
                voluntary = status_n.voluntary_ctxt_switches
                involuntary = status_n.nonvoluntary_ctxt_switches
                shared = (status_n.rss_file_kib + status_n.rss_shmem_kib) * 1024
                swap = status_n.vm_swap_kib * 1024
            io_n = numbers.io
            if io_n is not None:
                cancelled = io_n.cancelled_write_bytes
                io = ProcessIO(
                    read_bytes=io_n.read_bytes,
                    write_bytes=io_n.write_bytes,
                    read_chars=io_n.rchar,
                    write_chars=io_n.wchar,
                    read_syscalls=io_n.syscr,
                    write_syscalls=io_n.syscw,
                    cancelled_write_bytes=cancelled if cancelled >= 0 else None,
                )
        else:
            # The parsers decide: the same values, or the error naming the file.
            stat = parse_pid_stat(files.stat, base + "stat")
            comm, state = stat.comm, stat.state
            status = None if status_data is None else parse_pid_status(status_data, base + "status")
            if strict and status is not None and status.tgid != pid:
                return None
            if io_data is not None:
                io = _io_record(*msgspec.structs.astuple(parse_pid_io(io_data, base + "io")))
            if status is not None:
                uid, gid = status.uid, status.gid
                voluntary = status.voluntary_ctxt_switches
                involuntary = status.nonvoluntary_ctxt_switches
                if status.vm_size is None:
                    # No address space (kernel thread, zombie): nothing shared or swapped.
                    shared = swap = 0
                else:
                    swap = status.vm_swap
                    if status.rss_file is not None:
                        shared = status.rss_file + (status.rss_shmem or 0)
        # Shared memory from statm (outside files, so the record is not kept) where status lacks
        # RssFile (kernels before 4.5) or was not read.
        from_statm = plan.memory and shared is None
        if from_statm:
            shared = self._statm_shared(base)
        username: str | None = None
        if uid is not None:
            try:
                username = self._users.names[uid]
            except KeyError:
                username = self._users.name(uid)
        start, flags, tty_nr = stat.starttime, stat.flags, stat.tty_nr
        cutime, cstime, rss, processor = stat.cutime, stat.cstime, stat.rss, stat.processor
        exe = None
        if plan.exe and state not in _NO_IMAGE:
            # The link is read again only when the process may have called exec since.
            key = (start, comm, bool(flags & PF_FORKNOEXEC))
            cached = self._exe.get(pid)
            exe = (
                cached[1]
                if cached is not None and cached[0] == key
                else self._exe_path(pid, base, key)
            )
        tick = self._clk_tck
        btime = self._btime
        cmdline = None if files.cmdline is None else parse_cmdline(files.cmdline)
        fill = plan.fill
        if fill is None:
            record = Process(
                pid=pid,
                ppid=stat.ppid,
                name=comm,
                exe=exe,
                cmdline=cmdline,
                status=STATES.get(state, "unknown"),
                username=username,
                uid=uid,
                gid=gid,
                create_time=None if btime is None else btime + start / tick,
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
                voluntary_ctx_switches=voluntary,
                involuntary_ctx_switches=involuntary,
                last_cpu=processor if processor is None or processor >= 0 else None,
            )
        else:
            # Only the asked fields, the same values; exe, cmdline, num_fds and io are None
            # unless asked (their sources were not read).
            record = Process(
                pid=pid,
                ppid=stat.ppid,
                name=comm,
                exe=exe,
                cmdline=cmdline,
                status=STATES.get(state, "unknown"),
                username=username if "username" in fill else None,
                uid=uid if "uid" in fill else None,
                gid=gid if "gid" in fill else None,
                create_time=(
                    None if btime is None or "create_time" not in fill else btime + start / tick
                ),
                nice=stat.nice if "nice" in fill else None,
                terminal=(
                    None
                    if tty_nr == 0 or "terminal" not in fill
                    else tty_nr
                    if tty_nr > 0
                    else tty_nr + (1 << 32)
                ),
                cpu_times=ProcessCPUTimes(
                    user=stat.utime / tick,
                    system=stat.stime / tick,
                    children_user=cutime / tick if cutime >= 0 else None,
                    children_system=cstime / tick if cstime >= 0 else None,
                )
                if "cpu_times" in fill
                else None,
                memory=ProcessMemory(
                    rss=rss * self._page_size if rss > 0 else 0,
                    vms=stat.vsize,
                    shared=shared,
                    swap=swap,
                )
                if plan.memory
                else None,
                num_threads=stat.num_threads if "num_threads" in fill else None,
                num_fds=files.num_fds,
                io=io,
                voluntary_ctx_switches=voluntary if "voluntary_ctx_switches" in fill else None,
                involuntary_ctx_switches=(
                    involuntary if "involuntary_ctx_switches" in fill else None
                ),
                last_cpu=(
                    processor
                    if processor is not None and processor >= 0 and "last_cpu" in fill
                    else None
                ),
            )
        return record, bool(flags & PF_KTHREAD), from_statm, uid, username

    def _exe_path(self, pid: int, base: str, key: tuple[int, str, bool]) -> str | None:
        """The ``exe`` link of a process that is not a zombie, read and kept with ``key`` (its
        start time, name and "forked, not exec'd" flag: a new key means it may have called
        exec); ``None`` where it may not be read."""
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
