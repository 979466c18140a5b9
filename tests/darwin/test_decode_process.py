"""Process decoders on synthetic libproc / sysctl records (layouts from darwin_structs.json;
timebases from the captured sysctl dumps: 24000000 on the M1, 1000000000 on Intel)."""

from __future__ import annotations

import ctypes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.darwin.decode import process
from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.darwin.ffi.structs import (
    KinfoProc,
    ProcTaskInfo,
    ProcThreadInfo,
    RusageInfoV4,
    RusageInfoV6,
)
from darwin_metrics.errors import ParseError

M1_TB = 24_000_000  # hw.tbfrequency, MacBookPro17,1 sysctl_hw.txt
INTEL_TB = 1_000_000_000  # hw.tbfrequency, MacBookPro15,1 sysctl_hw.txt


def _kinfo(flags: int = 0, tdev: int = -1) -> bytes:
    kp = KinfoProc()
    kp.kp_proc.p_pid = 4321
    kp.kp_proc.p_flag = flags
    kp.kp_proc.p_stat = bytes([k.SRUN])
    kp.kp_proc.p_comm = b"Safari"
    start = getattr(kp.kp_proc.p_un, "__p_starttime")
    start.tv_sec, start.tv_usec = 1_700_000_000, 250_000
    kp.kp_eproc.e_ppid = 1
    kp.kp_eproc.e_tdev = tdev
    kp.kp_eproc.e_ucred.cr_uid = 501
    kp.kp_eproc.e_pcred.p_ruid = 501
    kp.kp_eproc.e_pcred.p_rgid = 20
    return bytes(kp)


def test_kinfo() -> None:
    info = process.kinfo(_kinfo(flags=k.P_TRANSLATED | 0x4, tdev=0x10000003))
    assert (info.pid, info.ppid, info.name, info.stat) == (4321, 1, "Safari", k.SRUN)
    assert (info.uid, info.real_uid, info.real_gid) == (501, 501, 20)
    assert info.translated is True
    assert info.terminal == 0x10000003
    assert info.start_time == pytest.approx(1_700_000_000.25)
    native = process.kinfo(_kinfo())
    assert (native.translated, native.terminal) == (False, None)  # e_tdev NODEV
    with pytest.raises(ParseError):
        process.kinfo(_kinfo()[:647])


def test_task_info_ticks_to_seconds() -> None:
    ti = ProcTaskInfo(
        pti_virtual_size=400 << 30,
        pti_resident_size=150 << 20,
        pti_total_user=36_000_000,  # 1.5 s of 24 MHz ticks
        pti_total_system=12_000_000,
        pti_threadnum=17,
        pti_csw=900,
    )
    task = process.task_info(bytes(ti), M1_TB)
    assert (task.user, task.system) == (1.5, 0.5)
    assert (task.rss, task.vms, task.threads, task.context_switches) == (
        150 << 20,
        400 << 30,
        17,
        900,
    )
    # The same ticks on Intel are nanoseconds.
    assert process.task_info(bytes(ti), INTEL_TB).user == pytest.approx(0.036)
    with pytest.raises(ParseError):
        process.task_info(bytes(ti), 0)
    with pytest.raises(ParseError):
        process.task_info(bytes(ti)[:95], M1_TB)


def test_rusage_versions() -> None:
    v6 = RusageInfoV6(
        ri_phys_footprint=99 << 20,
        ri_diskio_bytesread=1234,
        ri_diskio_byteswritten=5678,
        ri_child_user_time=48_000_000,
        ri_child_system_time=24_000_000,
        ri_energy_nj=2_500_000_000,
    )
    usage = process.rusage(k.RUSAGE_INFO_V6, bytes(v6), M1_TB)
    assert (usage.footprint, usage.disk_read, usage.disk_write) == (99 << 20, 1234, 5678)
    assert (usage.child_user, usage.child_system) == (2.0, 1.0)
    assert usage.energy == 2.5  # joules
    v4 = bytes(RusageInfoV4(ri_phys_footprint=7, ri_diskio_bytesread=8))
    older = process.rusage(k.RUSAGE_INFO_V4, v4, M1_TB)
    assert (older.footprint, older.disk_read, older.energy) == (7, 8, None)
    with pytest.raises(ParseError):
        process.rusage(k.RUSAGE_INFO_V6, v4, M1_TB)  # v6 asked, v4-sized answer
    with pytest.raises(ParseError):
        process.rusage(3, v4, M1_TB)


def test_thread() -> None:
    th = ProcThreadInfo(
        pth_user_time=1_250_000_000,  # already ns
        pth_system_time=500_000_000,
        pth_run_state=k.TH_STATE_WAITING,
        pth_name=b"com.apple.main-thread",
    )
    t = process.thread(8123, bytes(th))
    assert (t.tid, t.name, t.status, t.user, t.system) == (
        8123, "com.apple.main-thread", "sleeping", 1.25, 0.5,
    )  # fmt: skip
    assert process.thread(1, bytes(ProcThreadInfo(pth_run_state=99))).status == "unknown"
    assert process.thread_list(bytes((ctypes.c_uint64 * 3)(5, 0, 9))) == [5, 9]


def test_process_assembly() -> None:
    task = process.task_info(bytes(ProcTaskInfo(pti_total_user=24_000_000, pti_threadnum=3)), M1_TB)
    usage = process.rusage(
        k.RUSAGE_INFO_V6, bytes(RusageInfoV6(ri_phys_footprint=42, ri_energy_nj=10**9)), M1_TB
    )
    info = process.kinfo(_kinfo(flags=k.P_TRANSLATED))
    basic = {"pid": 4321, "name": "Safari", "cmdline": ["/Applications/Safari.app"], "status": "running",
             "username": "me", "uid": 501, "gid": 20, "create_time": 1_700_000_000.25, "nice": 0}  # fmt: skip
    p = process.process(basic, info, task, usage)
    assert (p.pid, p.ppid, p.name, p.status) == (4321, 1, "Safari", "running")
    assert p.cmdline == ("/Applications/Safari.app",)
    assert p.cpu_times.user == 1.0
    assert (p.memory.footprint, p.num_threads, p.translated, p.energy_joules) == (42, 3, True, 1.0)
    assert p.io is not None and p.io.read_bytes == 0
    assert (p.exe, p.num_fds, p.terminal) == (None, None, None)
    # Without rusage (another user's process under root rules) the extras are None.
    bare = process.process({"pid": 7}, None, task, None)
    assert (bare.io, bare.energy_joules, bare.memory.footprint, bare.translated) == (
        None,
        None,
        None,
        None,
    )
    assert (bare.ppid, bare.name, bare.status) == (0, "", "unknown")


@given(st.binary(max_size=700), st.sampled_from([4, 5, 6, 7]), st.integers(-5, 10**9))
def test_fuzz(raw: bytes, version: int, timebase: int) -> None:
    for decode in (
        process.kinfo,
        lambda b: process.task_info(b, timebase),
        lambda b: process.rusage(version, b, timebase),
        lambda b: process.thread(1, b),
        process.thread_list,
    ):
        try:
            decode(raw)
        except ParseError:
            pass
