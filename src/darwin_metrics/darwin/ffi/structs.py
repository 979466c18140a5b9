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


class IfMibData(Structure):
    """``struct ifmibdata`` (bsd/net/if_mib.h): one interface from
    ``sysctl {CTL_NET, PF_LINK, NETLINK_GENERIC, IFMIB_IFDATA, ifindex, IFDATA_GENERAL}``.

    Unlike ``NET_RT_IFLIST2``, the kernel copies ``ifmd_data`` unrounded: exact 64-bit byte counters
    for every caller. ``ifmd_data`` is the pack-4 ``if_data64`` at offset 52; 180 bytes in all.
    """

    _pack_ = 4
    _fields_ = [
        ("ifmd_name", c_char * 16),
        ("ifmd_pcount", c_uint),
        ("ifmd_flags", c_uint),
        ("ifmd_snd_len", c_uint),
        ("ifmd_snd_maxlen", c_uint),
        ("ifmd_snd_drops", c_uint),
        ("ifmd_filler", c_uint * 4),
        ("ifmd_data", IfData64),
    ]


class XswUsage(Structure):
    """``struct xsw_usage`` (bsd/sys/sysctl.h) from ``vm.swapusage``: swap bytes."""

    _fields_ = [
        ("xsu_total", c_uint64),
        ("xsu_avail", c_uint64),
        ("xsu_used", c_uint64),
        ("xsu_pagesize", c_uint32),
        ("xsu_encrypted", c_uint32),
    ]


class TcpStat(Structure):
    """``struct tcpstat`` (bsd/netinet/tcp_var.h), the newest layout (992 bytes)."""

    _fields_ = [
        ("tcps_connattempt", c_uint32),
        ("tcps_accepts", c_uint32),
        ("tcps_connects", c_uint32),
        ("tcps_drops", c_uint32),
        ("tcps_conndrops", c_uint32),
        ("tcps_closed", c_uint32),
        ("tcps_segstimed", c_uint32),
        ("tcps_rttupdated", c_uint32),
        ("tcps_delack", c_uint32),
        ("tcps_timeoutdrop", c_uint32),
        ("tcps_rexmttimeo", c_uint32),
        ("tcps_persisttimeo", c_uint32),
        ("tcps_keeptimeo", c_uint32),
        ("tcps_keepprobe", c_uint32),
        ("tcps_keepdrops", c_uint32),
        ("tcps_sndtotal", c_uint32),
        ("tcps_sndpack", c_uint32),
        ("tcps_sndbyte", c_uint32),
        ("tcps_sndrexmitpack", c_uint32),
        ("tcps_sndrexmitbyte", c_uint32),
        ("tcps_sndacks", c_uint32),
        ("tcps_sndprobe", c_uint32),
        ("tcps_sndurg", c_uint32),
        ("tcps_sndwinup", c_uint32),
        ("tcps_sndctrl", c_uint32),
        ("tcps_rcvtotal", c_uint32),
        ("tcps_rcvpack", c_uint32),
        ("tcps_rcvbyte", c_uint32),
        ("tcps_rcvbadsum", c_uint32),
        ("tcps_rcvbadoff", c_uint32),
        ("tcps_rcvmemdrop", c_uint32),
        ("tcps_rcvshort", c_uint32),
        ("tcps_rcvduppack", c_uint32),
        ("tcps_rcvdupbyte", c_uint32),
        ("tcps_rcvpartduppack", c_uint32),
        ("tcps_rcvpartdupbyte", c_uint32),
        ("tcps_rcvoopack", c_uint32),
        ("tcps_rcvoobyte", c_uint32),
        ("tcps_rcvpackafterwin", c_uint32),
        ("tcps_rcvbyteafterwin", c_uint32),
        ("tcps_rcvafterclose", c_uint32),
        ("tcps_rcvwinprobe", c_uint32),
        ("tcps_rcvdupack", c_uint32),
        ("tcps_rcvacktoomuch", c_uint32),
        ("tcps_rcvackpack", c_uint32),
        ("tcps_rcvackbyte", c_uint32),
        ("tcps_rcvwinupd", c_uint32),
        ("tcps_pawsdrop", c_uint32),
        ("tcps_predack", c_uint32),
        ("tcps_preddat", c_uint32),
        ("tcps_pcbcachemiss", c_uint32),
        ("tcps_cachedrtt", c_uint32),
        ("tcps_cachedrttvar", c_uint32),
        ("tcps_cachedssthresh", c_uint32),
        ("tcps_usedrtt", c_uint32),
        ("tcps_usedrttvar", c_uint32),
        ("tcps_usedssthresh", c_uint32),
        ("tcps_persistdrop", c_uint32),
        ("tcps_badsyn", c_uint32),
        ("tcps_mturesent", c_uint32),
        ("tcps_listendrop", c_uint32),
        ("tcps_synchallenge", c_uint32),
        ("tcps_rstchallenge", c_uint32),
        ("tcps_minmssdrops", c_uint32),
        ("tcps_sndrexmitbad", c_uint32),
        ("tcps_badrst", c_uint32),
        ("tcps_sc_added", c_uint32),
        ("tcps_sc_retransmitted", c_uint32),
        ("tcps_sc_dupsyn", c_uint32),
        ("tcps_sc_dropped", c_uint32),
        ("tcps_sc_completed", c_uint32),
        ("tcps_sc_bucketoverflow", c_uint32),
        ("tcps_sc_cacheoverflow", c_uint32),
        ("tcps_sc_reset", c_uint32),
        ("tcps_sc_stale", c_uint32),
        ("tcps_sc_aborted", c_uint32),
        ("tcps_sc_badack", c_uint32),
        ("tcps_sc_unreach", c_uint32),
        ("tcps_sc_zonefail", c_uint32),
        ("tcps_sc_sendcookie", c_uint32),
        ("tcps_sc_recvcookie", c_uint32),
        ("tcps_hc_added", c_uint32),
        ("tcps_hc_bucketoverflow", c_uint32),
        ("tcps_sack_recovery_episode", c_uint32),
        ("tcps_sack_rexmits", c_uint32),
        ("tcps_sack_rexmit_bytes", c_uint32),
        ("tcps_sack_rcv_blocks", c_uint32),
        ("tcps_sack_send_blocks", c_uint32),
        ("tcps_sack_sboverflow", c_uint32),
        ("tcps_rack_recovery_episode", c_uint32),
        ("tcps_rack_reordering_timeout_recovery_episode", c_uint32),
        ("tcps_rack_rexmits", c_uint32),
        ("tcps_bg_rcvtotal", c_uint32),
        ("tcps_rxtfindrop", c_uint32),
        ("tcps_fcholdpacket", c_uint32),
        ("tcps_limited_txt", c_uint32),
        ("tcps_early_rexmt", c_uint32),
        ("tcps_sack_ackadv", c_uint32),
        ("tcps_rcv_swcsum", c_uint32),
        ("tcps_rcv_swcsum_bytes", c_uint32),
        ("tcps_rcv6_swcsum", c_uint32),
        ("tcps_rcv6_swcsum_bytes", c_uint32),
        ("tcps_snd_swcsum", c_uint32),
        ("tcps_snd_swcsum_bytes", c_uint32),
        ("tcps_snd6_swcsum", c_uint32),
        ("tcps_snd6_swcsum_bytes", c_uint32),
        ("tcps_unused_1", c_uint32),
        ("tcps_unused_2", c_uint32),
        ("tcps_unused_3", c_uint32),
        ("tcps_invalid_mpcap", c_uint32),
        ("tcps_invalid_joins", c_uint32),
        ("tcps_mpcap_fallback", c_uint32),
        ("tcps_join_fallback", c_uint32),
        ("tcps_estab_fallback", c_uint32),
        ("tcps_invalid_opt", c_uint32),
        ("tcps_mp_outofwin", c_uint32),
        ("tcps_mp_reducedwin", c_uint32),
        ("tcps_mp_badcsum", c_uint32),
        ("tcps_mp_oodata", c_uint32),
        ("tcps_mp_switches", c_uint32),
        ("tcps_mp_rcvtotal", c_uint32),
        ("tcps_mp_rcvbytes", c_uint32),
        ("tcps_mp_sndpacks", c_uint32),
        ("tcps_mp_sndbytes", c_uint32),
        ("tcps_join_rxmts", c_uint32),
        ("tcps_tailloss_rto", c_uint32),
        ("tcps_reordered_pkts", c_uint32),
        ("tcps_recovered_pkts", c_uint32),
        ("tcps_pto", c_uint32),
        ("tcps_rto_after_pto", c_uint32),
        ("tcps_tlp_recovery", c_uint32),
        ("tcps_tlp_recoverlastpkt", c_uint32),
        ("tcps_ecn_client_success", c_uint32),
        ("tcps_ecn_recv_ece", c_uint32),
        ("tcps_ecn_sent_ece", c_uint32),
        ("tcps_detect_reordering", c_uint32),
        ("tcps_delay_recovery", c_uint32),
        ("tcps_avoid_rxmt", c_uint32),
        ("tcps_unnecessary_rxmt", c_uint32),
        ("tcps_nostretchack", c_uint32),
        ("tcps_rescue_rxmt", c_uint32),
        ("tcps_pto_in_recovery", c_uint32),
        ("tcps_pmtudbh_reverted", c_uint32),
        ("tcps_dsack_disable", c_uint32),
        ("tcps_dsack_ackloss", c_uint32),
        ("tcps_dsack_badrexmt", c_uint32),
        ("tcps_dsack_sent", c_uint32),
        ("tcps_dsack_recvd", c_uint32),
        ("tcps_dsack_recvd_old", c_uint32),
        ("tcps_mp_sel_symtomsd", c_uint32),
        ("tcps_mp_sel_rtt", c_uint32),
        ("tcps_mp_sel_rto", c_uint32),
        ("tcps_mp_sel_peer", c_uint32),
        ("tcps_mp_num_probes", c_uint32),
        ("tcps_mp_verdowngrade", c_uint32),
        ("tcps_drop_after_sleep", c_uint32),
        ("tcps_probe_if", c_uint32),
        ("tcps_probe_if_conflict", c_uint32),
        ("tcps_ecn_client_setup", c_uint32),
        ("tcps_ecn_server_setup", c_uint32),
        ("tcps_ecn_server_success", c_uint32),
        ("tcps_ecn_ace_syn_not_ect", c_uint32),
        ("tcps_ecn_ace_syn_ect1", c_uint32),
        ("tcps_ecn_ace_syn_ect0", c_uint32),
        ("tcps_ecn_ace_syn_ce", c_uint32),
        ("tcps_ecn_lost_synack", c_uint32),
        ("tcps_ecn_lost_syn", c_uint32),
        ("tcps_ecn_not_supported", c_uint32),
        ("tcps_ecn_recv_ce", c_uint32),
        ("tcps_ecn_ace_recv_ce", c_uint32),
        ("tcps_ecn_conn_recv_ce", c_uint32),
        ("tcps_ecn_conn_recv_ece", c_uint32),
        ("tcps_ecn_conn_plnoce", c_uint32),
        ("tcps_ecn_conn_pl_ce", c_uint32),
        ("tcps_ecn_conn_nopl_ce", c_uint32),
        ("tcps_ecn_fallback_synloss", c_uint32),
        ("tcps_ecn_fallback_reorder", c_uint32),
        ("tcps_ecn_fallback_ce", c_uint32),
        ("tcps_tfo_syn_data_rcv", c_uint32),
        ("tcps_tfo_cookie_req_rcv", c_uint32),
        ("tcps_tfo_cookie_sent", c_uint32),
        ("tcps_tfo_cookie_invalid", c_uint32),
        ("tcps_tfo_cookie_req", c_uint32),
        ("tcps_tfo_cookie_rcv", c_uint32),
        ("tcps_tfo_syn_data_sent", c_uint32),
        ("tcps_tfo_syn_data_acked", c_uint32),
        ("tcps_tfo_syn_loss", c_uint32),
        ("tcps_tfo_blackhole", c_uint32),
        ("tcps_tfo_cookie_wrong", c_uint32),
        ("tcps_tfo_no_cookie_rcv", c_uint32),
        ("tcps_tfo_heuristics_disable", c_uint32),
        ("tcps_tfo_sndblackhole", c_uint32),
        ("tcps_mss_to_default", c_uint32),
        ("tcps_mss_to_medium", c_uint32),
        ("tcps_mss_to_low", c_uint32),
        ("tcps_ecn_fallback_droprst", c_uint32),
        ("tcps_ecn_fallback_droprxmt", c_uint32),
        ("tcps_ecn_fallback_synrst", c_uint32),
        ("tcps_mptcp_rcvmemdrop", c_uint32),
        ("tcps_mptcp_rcvduppack", c_uint32),
        ("tcps_mptcp_rcvpackafterwin", c_uint32),
        ("tcps_timer_drift_le_1_ms", c_uint32),
        ("tcps_timer_drift_le_10_ms", c_uint32),
        ("tcps_timer_drift_le_20_ms", c_uint32),
        ("tcps_timer_drift_le_50_ms", c_uint32),
        ("tcps_timer_drift_le_100_ms", c_uint32),
        ("tcps_timer_drift_le_200_ms", c_uint32),
        ("tcps_timer_drift_le_500_ms", c_uint32),
        ("tcps_timer_drift_le_1000_ms", c_uint32),
        ("tcps_timer_drift_gt_1000_ms", c_uint32),
        ("tcps_mptcp_handover_attempt", c_uint32),
        ("tcps_mptcp_interactive_attempt", c_uint32),
        ("tcps_mptcp_aggregate_attempt", c_uint32),
        ("tcps_mptcp_fp_handover_attempt", c_uint32),
        ("tcps_mptcp_fp_interactive_attempt", c_uint32),
        ("tcps_mptcp_fp_aggregate_attempt", c_uint32),
        ("tcps_mptcp_heuristic_fallback", c_uint32),
        ("tcps_mptcp_fp_heuristic_fallback", c_uint32),
        ("tcps_mptcp_handover_success_wifi", c_uint32),
        ("tcps_mptcp_handover_success_cell", c_uint32),
        ("tcps_mptcp_interactive_success", c_uint32),
        ("tcps_mptcp_aggregate_success", c_uint32),
        ("tcps_mptcp_fp_handover_success_wifi", c_uint32),
        ("tcps_mptcp_fp_handover_success_cell", c_uint32),
        ("tcps_mptcp_fp_interactive_success", c_uint32),
        ("tcps_mptcp_fp_aggregate_success", c_uint32),
        ("tcps_mptcp_handover_cell_from_wifi", c_uint32),
        ("tcps_mptcp_handover_wifi_from_cell", c_uint32),
        ("tcps_mptcp_interactive_cell_from_wifi", c_uint32),
        ("tcps_mptcp_handover_cell_bytes", c_uint64),
        ("tcps_mptcp_interactive_cell_bytes", c_uint64),
        ("tcps_mptcp_aggregate_cell_bytes", c_uint64),
        ("tcps_mptcp_handover_all_bytes", c_uint64),
        ("tcps_mptcp_interactive_all_bytes", c_uint64),
        ("tcps_mptcp_aggregate_all_bytes", c_uint64),
        ("tcps_mptcp_back_to_wifi", c_uint32),
        ("tcps_mptcp_wifi_proxy", c_uint32),
        ("tcps_mptcp_cell_proxy", c_uint32),
        ("tcps_ka_offload_drops", c_uint32),
        ("tcps_mptcp_triggered_cell", c_uint32),
        ("tcps_fin_timeout_drops", c_uint32),
    ]


class UdpStat(Structure):
    """``struct udpstat`` (bsd/netinet/udp_var.h), the newest layout (88 bytes)."""

    _fields_ = [
        ("udps_ipackets", c_uint32),
        ("udps_hdrops", c_uint32),
        ("udps_badsum", c_uint32),
        ("udps_badlen", c_uint32),
        ("udps_noport", c_uint32),
        ("udps_noportbcast", c_uint32),
        ("udps_fullsock", c_uint32),
        ("udpps_pcbcachemiss", c_uint32),
        ("udpps_pcbhashmiss", c_uint32),
        ("udps_opackets", c_uint32),
        ("udps_fastout", c_uint32),
        ("udps_nosum", c_uint32),
        ("udps_noportmcast", c_uint32),
        ("udps_filtermcast", c_uint32),
        ("udps_rcv_swcsum", c_uint32),
        ("udps_rcv_swcsum_bytes", c_uint32),
        ("udps_rcv6_swcsum", c_uint32),
        ("udps_rcv6_swcsum_bytes", c_uint32),
        ("udps_snd_swcsum", c_uint32),
        ("udps_snd_swcsum_bytes", c_uint32),
        ("udps_snd6_swcsum", c_uint32),
        ("udps_snd6_swcsum_bytes", c_uint32),
    ]


class IpStat(Structure):
    """``struct ipstat`` (bsd/netinet/ip_var.h), the newest layout (196 bytes)."""

    _fields_ = [
        ("ips_total", c_uint32),
        ("ips_badsum", c_uint32),
        ("ips_tooshort", c_uint32),
        ("ips_toosmall", c_uint32),
        ("ips_badhlen", c_uint32),
        ("ips_badlen", c_uint32),
        ("ips_fragments", c_uint32),
        ("ips_fragdropped", c_uint32),
        ("ips_fragtimeout", c_uint32),
        ("ips_forward", c_uint32),
        ("ips_fastforward", c_uint32),
        ("ips_cantforward", c_uint32),
        ("ips_redirectsent", c_uint32),
        ("ips_noproto", c_uint32),
        ("ips_delivered", c_uint32),
        ("ips_localout", c_uint32),
        ("ips_odropped", c_uint32),
        ("ips_reassembled", c_uint32),
        ("ips_fragmented", c_uint32),
        ("ips_ofragments", c_uint32),
        ("ips_cantfrag", c_uint32),
        ("ips_badoptions", c_uint32),
        ("ips_noroute", c_uint32),
        ("ips_badvers", c_uint32),
        ("ips_rawout", c_uint32),
        ("ips_toolong", c_uint32),
        ("ips_notmember", c_uint32),
        ("ips_nogif", c_uint32),
        ("ips_badaddr", c_uint32),
        ("ips_pktdropcntrl", c_uint32),
        ("ips_rcv_swcsum", c_uint32),
        ("ips_rcv_swcsum_bytes", c_uint32),
        ("ips_snd_swcsum", c_uint32),
        ("ips_snd_swcsum_bytes", c_uint32),
        ("ips_adj", c_uint32),
        ("ips_adj_hwcsum_clr", c_uint32),
        ("ips_rxc_collisions", c_uint32),
        ("ips_rxc_chained", c_uint32),
        ("ips_rxc_notchain", c_uint32),
        ("ips_rxc_chainsz_gt2", c_uint32),
        ("ips_rxc_chainsz_gt4", c_uint32),
        ("ips_rxc_notlist", c_uint32),
        ("ips_raw_sappend_fail", c_uint32),
        ("ips_necp_policy_drop", c_uint32),
        ("ips_rcv_if_weak_match", c_uint32),
        ("ips_rcv_if_no_match", c_uint32),
        ("ips_input_ipf_drop", c_uint32),
        ("ips_input_no_proto", c_uint32),
        ("ips_src_addr_not_avail", c_uint32),
    ]


class Ip6Stat(Structure):
    """``struct ip6stat`` (bsd/netinet6/ip6_var.h), the newest layout (3592 bytes)."""

    _fields_ = [
        ("ip6s_total", c_uint64),
        ("ip6s_tooshort", c_uint64),
        ("ip6s_toosmall", c_uint64),
        ("ip6s_fragments", c_uint64),
        ("ip6s_fragdropped", c_uint64),
        ("ip6s_fragtimeout", c_uint64),
        ("ip6s_fragoverflow", c_uint64),
        ("ip6s_forward", c_uint64),
        ("ip6s_cantforward", c_uint64),
        ("ip6s_redirectsent", c_uint64),
        ("ip6s_delivered", c_uint64),
        ("ip6s_localout", c_uint64),
        ("ip6s_odropped", c_uint64),
        ("ip6s_reassembled", c_uint64),
        ("ip6s_atmfrag_rcvd", c_uint64),
        ("ip6s_fragmented", c_uint64),
        ("ip6s_ofragments", c_uint64),
        ("ip6s_cantfrag", c_uint64),
        ("ip6s_badoptions", c_uint64),
        ("ip6s_noroute", c_uint64),
        ("ip6s_badvers", c_uint64),
        ("ip6s_rawout", c_uint64),
        ("ip6s_badscope", c_uint64),
        ("ip6s_notmember", c_uint64),
        ("ip6s_nxthist", c_uint64 * 256),
        ("ip6s_m1", c_uint64),
        ("ip6s_m2m", c_uint64 * 32),
        ("ip6s_mext1", c_uint64),
        ("ip6s_mext2m", c_uint64),
        ("ip6s_exthdrtoolong", c_uint64),
        ("ip6s_nogif", c_uint64),
        ("ip6s_toomanyhdr", c_uint64),
        ("ip6s_sources_none", c_uint64),
        ("ip6s_sources_sameif", c_uint64 * 16),
        ("ip6s_sources_otherif", c_uint64 * 16),
        ("ip6s_sources_samescope", c_uint64 * 16),
        ("ip6s_sources_otherscope", c_uint64 * 16),
        ("ip6s_sources_deprecated", c_uint64 * 16),
        ("ip6s_forward_cachehit", c_uint64),
        ("ip6s_forward_cachemiss", c_uint64),
        ("ip6s_sources_rule", c_uint64 * 16),
        ("ip6s_sources_skip_expensive_secondary_if", c_uint64),
        ("ip6s_pktdropcntrl", c_uint64),
        ("ip6s_adj", c_uint64),
        ("ip6s_adj_hwcsum_clr", c_uint64),
        ("ip6s_dad_collide", c_uint64),
        ("ip6s_dad_loopcount", c_uint64),
        ("ip6s_necp_policy_drop", c_uint64),
        ("ip6s_clat464_in_tooshort_drop", c_uint64),
        ("ip6s_clat464_in_nov6addr_drop", c_uint64),
        ("ip6s_clat464_in_nov4addr_drop", c_uint64),
        ("ip6s_clat464_in_v4synthfail_drop", c_uint64),
        ("ip6s_clat464_in_64transfail_drop", c_uint64),
        ("ip6s_clat464_in_64proto_transfail_drop", c_uint64),
        ("ip6s_clat464_in_64frag_transfail_drop", c_uint64),
        ("ip6s_clat464_in_invalpbuf_drop", c_uint64),
        ("ip6s_clat464_in_success", c_uint64),
        ("ip6s_clat464_in_drop", c_uint64),
        ("ip6s_clat464_in_v4_drop", c_uint64),
        ("ip6s_clat464_out_nov6addr_drop", c_uint64),
        ("ip6s_clat464_out_v6synthfail_drop", c_uint64),
        ("ip6s_clat464_out_46transfail_drop", c_uint64),
        ("ip6s_clat464_out_46proto_transfail_drop", c_uint64),
        ("ip6s_clat464_out_46frag_transfail_drop", c_uint64),
        ("ip6s_clat464_out_invalpbuf_drop", c_uint64),
        ("ip6s_clat464_out_success", c_uint64),
        ("ip6s_clat464_out_drop", c_uint64),
        ("ip6s_clat464_v6addr_conffail", c_uint64),
        ("ip6s_clat464_plat64_pfx_setfail", c_uint64),
        ("ip6s_clat464_plat64_pfx_getfail", c_uint64),
        ("ip6s_overlap_frag_drop", c_uint64),
        ("ip6s_rcv_if_weak_match", c_uint64),
        ("ip6s_rcv_if_no_match", c_uint64),
    ]


class IcmpStat(Structure):
    """``struct icmpstat`` (bsd/netinet/icmp_var.h), the newest layout (368 bytes)."""

    _fields_ = [
        ("icps_error", c_uint32),
        ("icps_oldshort", c_uint32),
        ("icps_oldicmp", c_uint32),
        ("icps_outhist", c_uint32 * 41),
        ("icps_badcode", c_uint32),
        ("icps_tooshort", c_uint32),
        ("icps_checksum", c_uint32),
        ("icps_badlen", c_uint32),
        ("icps_reflect", c_uint32),
        ("icps_inhist", c_uint32 * 41),
        ("icps_bmcastecho", c_uint32),
        ("icps_bmcasttstamp", c_uint32),
    ]


class SMCKeyDataVers(Structure):
    """``SMCKeyData_vers_t`` (smcFanControl smc.h): the SMC firmware version."""

    _fields_ = [
        ("major", c_uint8),
        ("minor", c_uint8),
        ("build", c_uint8),
        ("reserved", c_uint8 * 1),
        ("release", c_uint16),
    ]


class SMCKeyDataPLimitData(Structure):
    """``SMCKeyData_pLimitData_t``: power limits (unused here, part of the 80-byte layout)."""

    _fields_ = [
        ("version", c_uint16),
        ("length", c_uint16),
        ("cpuPLimit", c_uint32),
        ("gpuPLimit", c_uint32),
        ("memPLimit", c_uint32),
    ]


class SMCKeyDataKeyInfo(Structure):
    """``SMCKeyData_keyInfo_t``: payload size, type (FourCC) and attributes; 12 bytes with the
    tail padding C gives it."""

    _fields_ = [
        ("dataSize", c_uint32),
        ("dataType", c_uint32),
        ("dataAttributes", c_uint8),
    ]


class SMCKeyData(Structure):
    """``SMCKeyData_t``: the 80-byte input and output of ``IOConnectCallStructMethod`` selector 2
    on an AppleSMC connection. ``key`` is the FourCC packed big-endian; ``data8`` the command."""

    _fields_ = [
        ("key", c_uint32),
        ("vers", SMCKeyDataVers),
        ("pLimitData", SMCKeyDataPLimitData),
        ("keyInfo", SMCKeyDataKeyInfo),
        ("result", c_uint8),
        ("status", c_uint8),
        ("data8", c_uint8),
        ("data32", c_uint32),
        ("bytes", c_uint8 * 32),
    ]
