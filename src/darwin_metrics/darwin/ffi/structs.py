"""ctypes layouts of the Darwin (LP64) structures darwin-metrics reads.

Declaring a ``ctypes.Structure`` loads nothing, so this module imports on any platform; the pure
decoders use these classes with ``from_buffer_copy`` on bytes the native calls returned. Every class
here is compared field by field (offset and size) with ``shared/reference/darwin_structs.json`` in
``tests/darwin/test_layout.py``; the few that the JSON does not hold (:class:`Attrlist`,
:class:`VolSpaceUsed`, :class:`Ifaddrs`, :class:`Sockaddr`) are checked there against the numbers
worked out from their headers, which the docstrings cite.
"""

from __future__ import annotations

import ctypes
from ctypes import (
    Structure,
    Union,
    c_byte,
    c_char,
    c_int,
    c_int16,
    c_int32,
    c_long,
    c_uint,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_ushort,
    c_void_p,
)
from typing import Any


class Timeval(Structure):
    """``struct timeval`` (LP64): seconds and microseconds."""

    _fields_ = [("tv_sec", c_long), ("tv_usec", c_int32)]


class Itimerval(Structure):
    """``struct itimerval``: two timevals (inside ``extern_proc``)."""

    _fields_ = [("it_interval", Timeval), ("it_value", Timeval)]


class VMStatistics64(Structure):
    """``struct vm_statistics64`` (osfmk/mach/vm_statistics.h): page counts in kernel pages."""

    _fields_ = [
        ("free_count", c_uint32),
        ("active_count", c_uint32),
        ("inactive_count", c_uint32),
        ("wire_count", c_uint32),
        ("zero_fill_count", c_uint64),
        ("reactivations", c_uint64),
        ("pageins", c_uint64),
        ("pageouts", c_uint64),
        ("faults", c_uint64),
        ("cow_faults", c_uint64),
        ("lookups", c_uint64),
        ("hits", c_uint64),
        ("purges", c_uint64),
        ("purgeable_count", c_uint32),
        ("speculative_count", c_uint32),
        ("decompressions", c_uint64),
        ("compressions", c_uint64),
        ("swapins", c_uint64),
        ("swapouts", c_uint64),
        ("compressor_page_count", c_uint32),
        ("throttled_count", c_uint32),
        ("external_page_count", c_uint32),
        ("internal_page_count", c_uint32),
        ("total_uncompressed_pages_in_compressor", c_uint64),
    ]


class ProcessorCPULoadInfo(Structure):
    """``struct processor_cpu_load_info``: ticks (1/CLK_TCK s) in USER, SYSTEM, IDLE, NICE order."""

    _fields_ = [("cpu_ticks", c_uint32 * 4)]


class _PSt1(Structure):
    _fields_ = [("__p_forw", c_void_p), ("__p_back", c_void_p)]


class _PUn(Union):
    _fields_ = [("p_st1", _PSt1), ("__p_starttime", Timeval)]


class ExternProc(Structure):
    """``struct extern_proc`` (bsd/sys/proc.h), the ``kp_proc`` half of ``kinfo_proc``."""

    _fields_ = [
        ("p_un", _PUn),
        ("p_vmspace", c_void_p),
        ("p_sigacts", c_void_p),
        ("p_flag", c_int),
        ("p_stat", c_char),
        ("p_pid", c_int32),
        ("p_oppid", c_int32),
        ("p_dupfd", c_int),
        ("user_stack", c_void_p),
        ("exit_thread", c_void_p),
        ("p_debugger", c_int),
        ("sigwait", c_int32),
        ("p_estcpu", c_uint),
        ("p_cpticks", c_int),
        ("p_pctcpu", c_uint32),
        ("p_wchan", c_void_p),
        ("p_wmesg", c_void_p),
        ("p_swtime", c_uint),
        ("p_slptime", c_uint),
        ("p_realtimer", Itimerval),
        ("p_rtime", Timeval),
        ("p_uticks", c_uint64),
        ("p_sticks", c_uint64),
        ("p_iticks", c_uint64),
        ("p_traceflag", c_int),
        ("p_tracep", c_void_p),
        ("p_siglist", c_int),
        ("p_textvp", c_void_p),
        ("p_holdcnt", c_int),
        ("p_sigmask", c_uint32),
        ("p_sigignore", c_uint32),
        ("p_sigcatch", c_uint32),
        ("p_priority", c_uint8),
        ("p_usrpri", c_uint8),
        ("p_nice", c_byte),
        ("p_comm", c_char * 17),
        ("p_pgrp", c_void_p),
        ("p_addr", c_void_p),
        ("p_xstat", c_ushort),
        ("p_acflag", c_ushort),
        ("p_ru", c_void_p),
    ]


class Pcred(Structure):
    """``struct _pcred`` (bsd/sys/sysctl.h): real and saved ids."""

    _fields_ = [
        ("pc_lock", c_char * 72),
        ("pc_ucred", c_void_p),
        ("p_ruid", c_uint32),
        ("p_svuid", c_uint32),
        ("p_rgid", c_uint32),
        ("p_svgid", c_uint32),
        ("p_refcnt", c_int),
    ]


class Ucred(Structure):
    """``struct _ucred`` (bsd/sys/sysctl.h): effective uid and groups."""

    _fields_ = [
        ("cr_ref", c_int32),
        ("cr_uid", c_uint32),
        ("cr_ngroups", c_int16),
        ("cr_groups", c_uint32 * 16),
    ]


class Vmspace(Structure):
    """``struct vmspace`` as user space sees it (placeholder fields only)."""

    _fields_ = [
        ("dummy", c_int32),
        ("dummy2", c_void_p),
        ("dummy3", c_int32 * 5),
        ("dummy4", c_void_p * 3),
    ]


class Eproc(Structure):
    """``struct eproc`` (bsd/sys/sysctl.h), the ``kp_eproc`` half of ``kinfo_proc``."""

    _fields_ = [
        ("e_paddr", c_void_p),
        ("e_sess", c_void_p),
        ("e_pcred", Pcred),
        ("e_ucred", Ucred),
        ("e_vm", Vmspace),
        ("e_ppid", c_int32),
        ("e_pgid", c_int32),
        ("e_jobc", c_int16),
        ("e_tdev", c_int32),
        ("e_tpgid", c_int32),
        ("e_tsess", c_void_p),
        ("e_wmesg", c_char * 8),
        ("e_xsize", c_int32),
        ("e_xrssize", c_int16),
        ("e_xccount", c_int16),
        ("e_xswrss", c_int16),
        ("e_flag", c_int32),
        ("e_login", c_char * 12),
        ("e_spare", c_int32 * 4),
    ]


class KinfoProc(Structure):
    """``struct kinfo_proc`` (648 bytes): what ``sysctl {CTL_KERN, KERN_PROC, ...}`` returns."""

    _fields_ = [("kp_proc", ExternProc), ("kp_eproc", Eproc)]


class ProcTaskInfo(Structure):
    """``struct proc_taskinfo`` (PROC_PIDTASKINFO): sizes in bytes, times in Mach ticks."""

    _fields_ = [
        ("pti_virtual_size", c_uint64),
        ("pti_resident_size", c_uint64),
        ("pti_total_user", c_uint64),
        ("pti_total_system", c_uint64),
        ("pti_threads_user", c_uint64),
        ("pti_threads_system", c_uint64),
        ("pti_policy", c_int32),
        ("pti_faults", c_int32),
        ("pti_pageins", c_int32),
        ("pti_cow_faults", c_int32),
        ("pti_messages_sent", c_int32),
        ("pti_messages_received", c_int32),
        ("pti_syscalls_mach", c_int32),
        ("pti_syscalls_unix", c_int32),
        ("pti_csw", c_int32),
        ("pti_threadnum", c_int32),
        ("pti_numrunning", c_int32),
        ("pti_priority", c_int32),
    ]


class ProcThreadInfo(Structure):
    """``struct proc_threadinfo`` (PROC_PIDTHREADINFO / THREADID64INFO): times in nanoseconds."""

    _fields_ = [
        ("pth_user_time", c_uint64),
        ("pth_system_time", c_uint64),
        ("pth_cpu_usage", c_int32),
        ("pth_policy", c_int32),
        ("pth_run_state", c_int32),
        ("pth_flags", c_int32),
        ("pth_sleep_time", c_int32),
        ("pth_curpri", c_int32),
        ("pth_priority", c_int32),
        ("pth_maxpriority", c_int32),
        ("pth_name", c_char * 64),
    ]


_RUSAGE_V4_FIELDS: list[tuple[str, Any]] = [
    ("ri_uuid", c_uint8 * 16),
    ("ri_user_time", c_uint64),
    ("ri_system_time", c_uint64),
    ("ri_pkg_idle_wkups", c_uint64),
    ("ri_interrupt_wkups", c_uint64),
    ("ri_pageins", c_uint64),
    ("ri_wired_size", c_uint64),
    ("ri_resident_size", c_uint64),
    ("ri_phys_footprint", c_uint64),
    ("ri_proc_start_abstime", c_uint64),
    ("ri_proc_exit_abstime", c_uint64),
    ("ri_child_user_time", c_uint64),
    ("ri_child_system_time", c_uint64),
    ("ri_child_pkg_idle_wkups", c_uint64),
    ("ri_child_interrupt_wkups", c_uint64),
    ("ri_child_pageins", c_uint64),
    ("ri_child_elapsed_abstime", c_uint64),
    ("ri_diskio_bytesread", c_uint64),
    ("ri_diskio_byteswritten", c_uint64),
    ("ri_cpu_time_qos_default", c_uint64),
    ("ri_cpu_time_qos_maintenance", c_uint64),
    ("ri_cpu_time_qos_background", c_uint64),
    ("ri_cpu_time_qos_utility", c_uint64),
    ("ri_cpu_time_qos_legacy", c_uint64),
    ("ri_cpu_time_qos_user_initiated", c_uint64),
    ("ri_cpu_time_qos_user_interactive", c_uint64),
    ("ri_billed_system_time", c_uint64),
    ("ri_serviced_system_time", c_uint64),
    ("ri_logical_writes", c_uint64),
    ("ri_lifetime_max_phys_footprint", c_uint64),
    ("ri_instructions", c_uint64),
    ("ri_cycles", c_uint64),
    ("ri_billed_energy", c_uint64),
    ("ri_serviced_energy", c_uint64),
    ("ri_interval_max_phys_footprint", c_uint64),
    ("ri_runnable_time", c_uint64),
]


class RusageInfoV4(Structure):
    """``struct rusage_info_v4`` (bsd/sys/resource.h): times in Mach ticks, sizes in bytes."""

    _fields_ = _RUSAGE_V4_FIELDS


class RusageInfoV6(Structure):
    """``struct rusage_info_v6``: v4 plus P-core times and energy (``ri_energy_nj``, nanojoules).

    ``rusage_info_v5`` is v4 plus ``ri_flags`` (304 bytes); its fields are a prefix of these.
    """

    _fields_ = [
        *_RUSAGE_V4_FIELDS,
        ("ri_flags", c_uint64),
        ("ri_user_ptime", c_uint64),
        ("ri_system_ptime", c_uint64),
        ("ri_pinstructions", c_uint64),
        ("ri_pcycles", c_uint64),
        ("ri_energy_nj", c_uint64),
        ("ri_penergy_nj", c_uint64),
        ("ri_secure_time_in_system", c_uint64),
        ("ri_secure_ptime_in_system", c_uint64),
        ("ri_neural_footprint", c_uint64),
        ("ri_lifetime_max_neural_footprint", c_uint64),
        ("ri_interval_max_neural_footprint", c_uint64),
        ("ri_reserved", c_uint64 * 9),
    ]


#: Sizes of the rusage_info versions the collector asks for (bytes).
RUSAGE_INFO_V4_SIZE = 296
RUSAGE_INFO_V5_SIZE = 304
RUSAGE_INFO_V6_SIZE = 464


class Statfs(Structure):
    """``struct statfs`` with 64-bit inodes (``$INODE64`` on x86_64; the only layout on arm64)."""

    _fields_ = [
        ("f_bsize", c_uint32),
        ("f_iosize", c_int32),
        ("f_blocks", c_uint64),
        ("f_bfree", c_uint64),
        ("f_bavail", c_uint64),
        ("f_files", c_uint64),
        ("f_ffree", c_uint64),
        ("f_fsid", c_int32 * 2),
        ("f_owner", c_uint32),
        ("f_type", c_uint32),
        ("f_flags", c_uint32),
        ("f_fssubtype", c_uint32),
        ("f_fstypename", c_char * 16),
        ("f_mntonname", c_char * 1024),
        ("f_mntfromname", c_char * 1024),
        ("f_flags_ext", c_uint32),
        ("f_reserved", c_uint32 * 7),
    ]


class Attrlist(Structure):
    """``struct attrlist`` (bsd/sys/attr.h): u_short + u_int16_t, then five u_int32 bitmaps (24 B)."""

    _fields_ = [
        ("bitmapcount", c_ushort),
        ("reserved", c_uint16),
        ("commonattr", c_uint32),
        ("volattr", c_uint32),
        ("dirattr", c_uint32),
        ("fileattr", c_uint32),
        ("forkattr", c_uint32),
    ]


class VolSpaceUsed(Structure):
    """getattrlist reply for ATTR_VOL_INFO|ATTR_VOL_SPACEUSED: a u_int32 length, then an off_t.

    Attribute buffers are packed to 4 bytes (getattrlist(2)), so the off_t sits at offset 4.
    """

    _pack_ = 4
    _fields_ = [("length", c_uint32), ("spaceused", c_uint64)]


class Sockaddr(Structure):
    """``struct sockaddr`` (BSD layout with a length byte), 16 bytes."""

    _fields_ = [("sa_len", c_uint8), ("sa_family", c_uint8), ("sa_data", c_char * 14)]


class SockaddrDl(Structure):
    """``struct sockaddr_dl`` (bsd/net/if_dl.h): link-level address; ``sdl_type`` is an IFT_*."""

    _fields_ = [
        ("sdl_len", c_uint8),
        ("sdl_family", c_uint8),
        ("sdl_index", c_ushort),
        ("sdl_type", c_uint8),
        ("sdl_nlen", c_uint8),
        ("sdl_alen", c_uint8),
        ("sdl_slen", c_uint8),
        ("sdl_data", c_char * 12),
    ]


class Ifaddrs(Structure):
    """``struct ifaddrs`` (ifaddrs.h): a linked list node; pointers 8 bytes, ``u_int`` flags."""


Ifaddrs._fields_ = [
    ("ifa_next", ctypes.POINTER(Ifaddrs)),
    ("ifa_name", ctypes.c_char_p),
    ("ifa_flags", c_uint),
    ("ifa_addr", ctypes.POINTER(Sockaddr)),
    ("ifa_netmask", ctypes.POINTER(Sockaddr)),
    ("ifa_dstaddr", ctypes.POINTER(Sockaddr)),
    ("ifa_data", c_void_p),
]


class Timeval32(Structure):
    """``struct timeval32``: two int32 (inside ``if_data64``)."""

    _fields_ = [("tv_sec", c_int32), ("tv_usec", c_int32)]


class IfData64(Structure):
    """``struct if_data64`` (bsd/net/if_var.h, pack 4): 64-bit interface counters."""

    _pack_ = 4
    _fields_ = [
        ("ifi_type", c_uint8),
        ("ifi_typelen", c_uint8),
        ("ifi_physical", c_uint8),
        ("ifi_addrlen", c_uint8),
        ("ifi_hdrlen", c_uint8),
        ("ifi_recvquota", c_uint8),
        ("ifi_xmitquota", c_uint8),
        ("ifi_unused1", c_uint8),
        ("ifi_mtu", c_uint32),
        ("ifi_metric", c_uint32),
        ("ifi_baudrate", c_uint64),
        ("ifi_ipackets", c_uint64),
        ("ifi_ierrors", c_uint64),
        ("ifi_opackets", c_uint64),
        ("ifi_oerrors", c_uint64),
        ("ifi_collisions", c_uint64),
        ("ifi_ibytes", c_uint64),
        ("ifi_obytes", c_uint64),
        ("ifi_imcasts", c_uint64),
        ("ifi_omcasts", c_uint64),
        ("ifi_iqdrops", c_uint64),
        ("ifi_noproto", c_uint64),
        ("ifi_recvtiming", c_uint32),
        ("ifi_xmittiming", c_uint32),
        ("ifi_lastchange", Timeval32),
    ]


class IfMsghdr2(Structure):
    """``struct if_msghdr2`` (bsd/net/if.h): an RTM_IFINFO2 record of ``NET_RT_IFLIST2``.

    A ``struct sockaddr_dl`` (name, then link address) follows it at offset 160.
    """

    _fields_ = [
        ("ifm_msglen", c_ushort),
        ("ifm_version", c_uint8),
        ("ifm_type", c_uint8),
        ("ifm_addrs", c_int),
        ("ifm_flags", c_int),
        ("ifm_index", c_ushort),
        ("ifm_snd_len", c_int),
        ("ifm_snd_maxlen", c_int),
        ("ifm_snd_drops", c_int),
        ("ifm_timer", c_int),
        ("ifm_data", IfData64),
    ]


class _IfrIfru(Union):
    _fields_ = [
        ("ifru_addr", Sockaddr),
        ("ifru_flags", c_int16),
        ("ifru_metric", c_int),
        ("ifru_mtu", c_int),
        ("ifru_data", c_void_p),
        ("ifru_functional_type", c_uint32),
    ]


class IfReq(Structure):
    """``struct ifreq`` (bsd/net/if.h): a 16-byte name and a 16-byte union (32 bytes)."""

    _fields_ = [("ifr_name", c_char * 16), ("ifr_ifru", _IfrIfru)]


class IfMediaReq(Structure):
    """``struct ifmediareq`` (bsd/net/if.h, ``#pragma pack(4)``): media words of SIOCGIFMEDIA."""

    _pack_ = 4
    _fields_ = [
        ("ifm_name", c_char * 16),
        ("ifm_current", c_int),
        ("ifm_mask", c_int),
        ("ifm_status", c_int),
        ("ifm_active", c_int),
        ("ifm_count", c_int),
        ("ifm_ulist", c_void_p),
    ]


class Xinpgen(Structure):
    """``struct xinpgen`` (PRIVATE, pack 4): header and trailer of ``net.inet.*.pcblist_n``."""

    _pack_ = 4
    _fields_ = [
        ("xig_len", c_uint32),
        ("xig_count", c_uint),
        ("xig_gen", c_uint64),
        ("xig_sogen", c_uint64),
    ]


class _InAddr4in6(Structure):
    _pack_ = 4
    _fields_ = [("ia46_pad32", c_uint32 * 3), ("ia46_addr4", c_uint8 * 4)]


class _InpForeign(Union):
    _pack_ = 4
    _fields_ = [("inp46_foreign", _InAddr4in6), ("inp6_foreign", c_uint8 * 16)]


class _InpLocal(Union):
    _pack_ = 4
    _fields_ = [("inp46_local", _InAddr4in6), ("inp6_local", c_uint8 * 16)]


class _InpDepend4(Structure):
    _fields_ = [("inp4_ip_tos", c_uint8)]


class _InpDepend6(Structure):
    _pack_ = 4
    _fields_ = [
        ("inp6_hlim", c_uint8),
        ("inp6_cksum", c_int),
        ("inp6_ifindex", c_ushort),
        ("inp6_hops", c_int16),
    ]


class XinpcbN(Structure):
    """``struct xinpcb_n`` (PRIVATE, pack 4): ports in network byte order, ``inp_vflag`` INP_IPV4/6."""

    _pack_ = 4
    _fields_ = [
        ("xi_len", c_uint32),
        ("xi_kind", c_uint32),
        ("xi_inpp", c_uint64),
        ("inp_fport", c_ushort),
        ("inp_lport", c_ushort),
        ("inp_ppcb", c_uint64),
        ("inp_gencnt", c_uint64),
        ("inp_flags", c_int),
        ("inp_flow", c_uint32),
        ("inp_vflag", c_uint8),
        ("inp_ip_ttl", c_uint8),
        ("inp_ip_p", c_uint8),
        ("inp_dependfaddr", _InpForeign),
        ("inp_dependladdr", _InpLocal),
        ("inp_depend4", _InpDepend4),
        ("inp_depend6", _InpDepend6),
        ("inp_flowhash", c_uint32),
        ("inp_flags2", c_uint32),
    ]


class XsocketN(Structure):
    """``struct xsocket_n`` (PRIVATE, pack 4): socket owner (``so_uid``, ``so_last_pid``)."""

    _pack_ = 4
    _fields_ = [
        ("xso_len", c_uint32),
        ("xso_kind", c_uint32),
        ("xso_so", c_uint64),
        ("so_type", c_int16),
        ("so_options", c_uint32),
        ("so_linger", c_int16),
        ("so_state", c_int16),
        ("so_pcb", c_uint64),
        ("xso_protocol", c_int),
        ("xso_family", c_int),
        ("so_qlen", c_int16),
        ("so_incqlen", c_int16),
        ("so_qlimit", c_int16),
        ("so_timeo", c_int16),
        ("so_error", c_ushort),
        ("so_pgid", c_int32),
        ("so_oobmark", c_uint32),
        ("so_uid", c_uint32),
        ("so_last_pid", c_int32),
        ("so_e_pid", c_int32),
        ("so_gencnt", c_uint64),
        ("so_flags", c_uint32),
        ("so_flags1", c_uint32),
        ("so_usecount", c_int32),
        ("so_retaincnt", c_int32),
        ("xso_filter_flags", c_uint32),
    ]


class XtcpcbN(Structure):
    """``struct xtcpcb_n`` (PRIVATE, pack 4): the TCP control block; ``t_state`` is a TCPS_*."""

    _pack_ = 4
    _fields_ = [
        ("xt_len", c_uint32),
        ("xt_kind", c_uint32),
        ("t_segq", c_uint64),
        ("t_dupacks", c_int),
        ("t_timer", c_int * 4),
        ("t_state", c_int),
        ("t_flags", c_uint),
        ("t_force", c_int),
        ("snd_una", c_uint32),
        ("snd_max", c_uint32),
        ("snd_nxt", c_uint32),
        ("snd_up", c_uint32),
        ("snd_wl1", c_uint32),
        ("snd_wl2", c_uint32),
        ("iss", c_uint32),
        ("irs", c_uint32),
        ("rcv_nxt", c_uint32),
        ("rcv_adv", c_uint32),
        ("rcv_wnd", c_uint32),
        ("rcv_up", c_uint32),
        ("snd_wnd", c_uint32),
        ("snd_cwnd", c_uint32),
        ("snd_ssthresh", c_uint32),
        ("t_maxopd", c_uint),
        ("t_rcvtime", c_uint32),
        ("t_starttime", c_uint32),
        ("t_rtttime", c_int),
        ("t_rtseq", c_uint32),
        ("t_rxtcur", c_int),
        ("t_maxseg", c_uint),
        ("t_srtt", c_int),
        ("t_rttvar", c_int),
        ("t_rxtshift", c_int),
        ("t_rttmin", c_uint),
        ("t_rttupdated", c_uint32),
        ("max_sndwnd", c_uint32),
        ("t_softerror", c_int),
        ("t_oobflags", c_char),
        ("t_iobc", c_char),
        ("snd_scale", c_uint8),
        ("rcv_scale", c_uint8),
        ("request_r_scale", c_uint8),
        ("requested_s_scale", c_uint8),
        ("ts_recent", c_uint32),
        ("ts_recent_age", c_uint32),
        ("last_ack_sent", c_uint32),
        ("cc_send", c_uint32),
        ("cc_recv", c_uint32),
        ("snd_recover", c_uint32),
        ("snd_cwnd_prev", c_uint32),
        ("snd_ssthresh_prev", c_uint32),
    ]
