"""Process decoders: ``kinfo_proc``, ``proc_taskinfo``, ``rusage_info`` and ``proc_threadinfo``.

Time units differ by source, and the conversions live here:

- ``proc_taskinfo.pti_total_user/system`` and ``rusage_info.ri_*_time`` are Mach absolute-time
  ticks: seconds = ticks / ``hw.tbfrequency`` (24 MHz on Apple Silicon, 1 GHz on Intel). The
  timebase from ``mach_timebase_info`` is not used: an x86_64 process under Rosetta is told 1/1
  while the kernel counts in 24 MHz ticks.
- ``proc_threadinfo.pth_user_time/system_time`` are already nanoseconds.
- ``rusage_info_v6.ri_energy_nj`` is nanojoules.
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from typing import Any

import msgspec

from darwin_metrics.darwin.decode.common import c_string, struct_from
from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.darwin.ffi.structs import (
    KinfoProc,
    ProcTaskInfo,
    ProcThreadInfo,
    RusageInfoV4,
    RusageInfoV6,
)
from darwin_metrics.errors import ParseError
from darwin_metrics.records.process import (
    Process,
    ProcessCPUTimes,
    ProcessIO,
    ProcessMemory,
    Thread,
)

THREAD_STATES = {
    k.TH_STATE_RUNNING: "running",
    k.TH_STATE_STOPPED: "stopped",
    k.TH_STATE_WAITING: "sleeping",
    k.TH_STATE_UNINTERRUPTIBLE: "disk-sleep",
    k.TH_STATE_HALTED: "halted",
}


class Kinfo(msgspec.Struct, frozen=True, gc=False):
    """What ``kinfo_proc`` tells about any process (no privilege needed)."""

    pid: int
    ppid: int
    name: str
    flags: int
    stat: int
    uid: int
    real_uid: int
    real_gid: int
    terminal: int | None
    start_time: float

    @property
    def translated(self) -> bool:
        """Runs under Rosetta (``P_TRANSLATED``)."""
        return bool(self.flags & k.P_TRANSLATED)


class TaskInfo(msgspec.Struct, frozen=True, gc=False):
    """``proc_taskinfo``: sizes in bytes, times in seconds."""

    rss: int
    vms: int
    user: float
    system: float
    threads: int
    context_switches: int
    faults: int
    pageins: int


class Usage(msgspec.Struct, frozen=True, gc=False):
    """``rusage_info``: bytes, seconds and joules (energy only from version 6)."""

    version: int
    footprint: int
    disk_read: int
    disk_write: int
    child_user: float
    child_system: float
    energy: float | None


def _timebase(timebase_hz: int) -> float:
    if timebase_hz <= 0:
        raise ParseError("hw.tbfrequency", f"{timebase_hz} is not a frequency")
    return float(timebase_hz)


def kinfo(raw: bytes) -> Kinfo:
    """Decode one ``kinfo_proc``."""
    kp = struct_from(raw, KinfoProc, "kinfo_proc")
    proc, eproc = kp.kp_proc, kp.kp_eproc
    start = getattr(proc.p_un, "__p_starttime")
    tdev = int(eproc.e_tdev)
    return Kinfo(
        pid=int(proc.p_pid),
        ppid=int(eproc.e_ppid),
        name=c_string(bytes(proc.p_comm)),
        flags=int(proc.p_flag),
        stat=proc.p_stat[0] if isinstance(proc.p_stat, bytes) and proc.p_stat else 0,
        uid=int(eproc.e_ucred.cr_uid),
        real_uid=int(eproc.e_pcred.p_ruid),
        real_gid=int(eproc.e_pcred.p_rgid),
        terminal=None if tdev == k.NODEV else tdev,
        start_time=int(start.tv_sec) + int(start.tv_usec) / 1e6,
    )


def task_info(raw: bytes, timebase_hz: int) -> TaskInfo:
    """Decode ``proc_taskinfo`` (times: Mach ticks / ``timebase_hz``)."""
    ti = struct_from(raw, ProcTaskInfo, "proc_taskinfo")
    tb = _timebase(timebase_hz)
    return TaskInfo(
        rss=int(ti.pti_resident_size),
        vms=int(ti.pti_virtual_size),
        user=ti.pti_total_user / tb,
        system=ti.pti_total_system / tb,
        threads=max(int(ti.pti_threadnum), 0),
        context_switches=max(int(ti.pti_csw), 0),
        faults=max(int(ti.pti_faults), 0),
        pageins=max(int(ti.pti_pageins), 0),
    )


def rusage(version: int, raw: bytes, timebase_hz: int, *, energy_counted: bool = True) -> Usage:
    """Decode ``rusage_info`` of ``version`` 4, 5 or 6.

    ``energy_counted`` is False on Intel Macs, whose kernel never accumulates ``ri_energy_nj``
    (always 0): energy is then ``None``, not 0 J.
    """
    if version not in (k.RUSAGE_INFO_V4, k.RUSAGE_INFO_V5, k.RUSAGE_INFO_V6):
        raise ParseError("proc_pid_rusage", f"unsupported rusage_info version {version}")
    tb = _timebase(timebase_hz)
    ri = struct_from(raw, RusageInfoV4, f"rusage_info_v{version}")
    energy = None
    if version >= k.RUSAGE_INFO_V6 and energy_counted:
        v6 = struct_from(raw, RusageInfoV6, "rusage_info_v6")
        energy = v6.ri_energy_nj / 1e9
    return Usage(
        version=version,
        footprint=int(ri.ri_phys_footprint),
        disk_read=int(ri.ri_diskio_bytesread),
        disk_write=int(ri.ri_diskio_byteswritten),
        child_user=ri.ri_child_user_time / tb,
        child_system=ri.ri_child_system_time / tb,
        energy=energy,
    )


def thread(tid: int, raw: bytes) -> Thread:
    """Decode ``proc_threadinfo`` (times in ns → s)."""
    th = struct_from(raw, ProcThreadInfo, "proc_threadinfo")
    return Thread(
        tid=tid,
        name=c_string(bytes(th.pth_name)),
        status=THREAD_STATES.get(int(th.pth_run_state), "unknown"),
        user=th.pth_user_time / 1e9,
        system=th.pth_system_time / 1e9,
    )


def thread_list(raw: bytes) -> list[int]:
    """The uint64 thread ids or handles of a PROC_PIDLIST* answer (zeros dropped)."""
    if len(raw) % 8:
        raise ParseError("proc_pidinfo(thread list)", f"{len(raw)} bytes")
    return [t for t in (ctypes.c_uint64 * (len(raw) // 8)).from_buffer_copy(raw) if t]


def process(
    basic: Mapping[str, Any],
    info: Kinfo | None,
    task: TaskInfo | None,
    usage: Usage | None,
) -> Process:
    """Assemble a Process from psutil's basic fields (``basic``) and the native records.

    ``task`` is ``None`` for another user's process (macOS gives task records only to the owner
    and root): CPU times, memory and the thread count are then ``None``.

    ``basic`` keys: ``pid``, ``ppid``, ``name``, ``exe``, ``cmdline``, ``status``, ``username``,
    ``uid``, ``gid``, ``create_time``, ``nice``, ``num_fds`` (absent or ``None`` where denied).
    """
    pid = int(basic["pid"])
    cmdline = basic.get("cmdline")
    ppid = basic.get("ppid")
    if ppid is None:
        ppid = info.ppid if info else 0
    return Process(
        pid=pid,
        ppid=int(ppid),
        name=str(basic.get("name") or (info.name if info else "")),
        exe=basic.get("exe") or None,
        cmdline=tuple(cmdline) if cmdline is not None else None,
        status=str(basic.get("status") or "unknown"),
        username=basic.get("username"),
        uid=basic.get("uid") if basic.get("uid") is not None else (info.real_uid if info else None),
        gid=basic.get("gid") if basic.get("gid") is not None else (info.real_gid if info else None),
        create_time=basic.get("create_time") or (info.start_time if info else None),
        nice=basic.get("nice"),
        terminal=info.terminal if info else None,
        cpu_times=None
        if task is None
        else ProcessCPUTimes(
            user=task.user,
            system=task.system,
            children_user=usage.child_user if usage else None,
            children_system=usage.child_system if usage else None,
        ),
        memory=None
        if task is None
        else ProcessMemory(
            rss=task.rss, vms=task.vms, footprint=usage.footprint if usage else None
        ),
        num_threads=None if task is None else task.threads,
        num_fds=basic.get("num_fds"),
        io=ProcessIO(read_bytes=usage.disk_read, write_bytes=usage.disk_write) if usage else None,
        translated=info.translated if info else None,
        energy_joules=usage.energy if usage else None,
    )
