"""Process and thread records. Times in seconds, sizes in bytes."""

from __future__ import annotations

import msgspec


class ProcessCPUTimes(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """CPU seconds used by the process, and by its waited-for children."""

    user: float
    system: float
    children_user: float | None = None
    children_system: float | None = None


class ProcessMemory(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Memory of a process, in bytes: resident set, virtual size, shared (file-backed resident) and
    swapped-out. macOS adds ``footprint`` (physical footprint, what Activity Monitor shows)."""

    rss: int
    vms: int
    shared: int | None = None
    swap: int | None = None
    footprint: int | None = None


class ProcessIO(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """I/O of a process: storage bytes, all bytes through read/write calls (``*_chars``), call counts."""

    read_bytes: int
    write_bytes: int
    read_chars: int | None = None
    write_chars: int | None = None
    read_syscalls: int | None = None
    write_syscalls: int | None = None
    cancelled_write_bytes: int | None = None


class Process(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One process.

    ``create_time`` is seconds since the Unix epoch. ``status`` is a lower-case word such as
    ``running``, ``sleeping``, ``disk-sleep``, ``stopped``, ``zombie``, ``idle``. Fields the caller may
    not read (another user's I/O, open files) are ``None``; ``cmdline`` is empty for kernel threads
    and zombies.
    """

    pid: int
    ppid: int
    name: str
    exe: str | None = None
    cmdline: tuple[str, ...] | None = None
    status: str
    username: str | None = None
    uid: int | None = None
    gid: int | None = None
    create_time: float | None = None
    nice: int | None = None
    terminal: int | None = None
    cpu_times: ProcessCPUTimes | None
    memory: ProcessMemory | None
    num_threads: int | None
    num_fds: int | None = None
    io: ProcessIO | None = None
    voluntary_ctx_switches: int | None = None
    involuntary_ctx_switches: int | None = None
    last_cpu: int | None = None
    #: macOS: runs under Rosetta translation.
    translated: bool | None = None
    #: macOS: energy billed to the process since it started, in joules.
    energy_joules: float | None = None


class Thread(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One thread of a process; CPU times in seconds."""

    tid: int
    name: str
    status: str
    user: float
    system: float


class ProcessNode(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A process and its children, in a tree; children sorted by pid."""

    process: Process
    children: tuple[ProcessNode, ...] = ()
