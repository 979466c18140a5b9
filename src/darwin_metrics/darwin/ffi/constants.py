"""Numeric constants from Apple's headers, as the native calls need them.

Values and their headers are recorded in ``shared/reference/darwin_structs.json`` (xnu-11417.101.15)
and checked against it by ``tests/darwin/test_layout.py``. The few that the JSON does not hold say
where they come from.
"""

from __future__ import annotations

# sysctl names (bsd/sys/sysctl.h)
CTL_KERN = 1
CTL_NET = 4
KERN_PROC = 14
KERN_PROC_ALL = 0
KERN_PROC_PID = 1

# Process flags and states (bsd/sys/proc.h)
SIDL = 1
SRUN = 2
SSLEEP = 3
SSTOP = 4
SZOMB = 5
P_TRANSLATED = 0x20000
#: kinfo_proc e_tdev for "no terminal" (NODEV, all bits set, read as a signed 32-bit int).
NODEV = -1

# Mach host statistics (osfmk/mach/host_info.h, processor_info.h)
HOST_VM_INFO64 = 4
HOST_VM_INFO64_COUNT = 38
PROCESSOR_CPU_LOAD_INFO = 2
PROCESSOR_CPU_LOAD_INFO_COUNT = 4
CPU_STATE_USER = 0
CPU_STATE_SYSTEM = 1
CPU_STATE_IDLE = 2
CPU_STATE_NICE = 3
CLK_TCK = 100
KERN_SUCCESS = 0

# CPU types (osfmk/mach/machine.h)
CPU_ARCH_ABI64 = 0x01000000
CPU_TYPE_X86 = 7
CPU_TYPE_X86_64 = CPU_TYPE_X86 | CPU_ARCH_ABI64
CPU_TYPE_ARM = 12
CPU_TYPE_ARM64 = CPU_TYPE_ARM | CPU_ARCH_ABI64

# libproc (bsd/sys/proc_info.h)
PROC_PIDTASKINFO = 4
PROC_PIDTHREADINFO = 5
PROC_PIDLISTTHREADS = 6
PROC_PIDTHREADID64INFO = 15
#: PRIVATE in bsd/sys/proc_info.h (not in darwin_structs.json): a uint64 array of thread ids.
PROC_PIDLISTTHREADIDS = 28
PROC_PIDPATHINFO_MAXSIZE = 4096
TH_STATE_RUNNING = 1
TH_STATE_STOPPED = 2
TH_STATE_WAITING = 3
TH_STATE_UNINTERRUPTIBLE = 4
TH_STATE_HALTED = 5
TH_USAGE_SCALE = 1000

# rusage_info flavors (bsd/sys/resource.h)
RUSAGE_INFO_V4 = 4
RUSAGE_INFO_V5 = 5
RUSAGE_INFO_V6 = 6

# Memory pressure (bsd/sys/event_private.h): kern.memorystatus_vm_pressure_level values.
NOTE_MEMORYSTATUS_PRESSURE_NORMAL = 1
NOTE_MEMORYSTATUS_PRESSURE_WARN = 2
NOTE_MEMORYSTATUS_PRESSURE_CRITICAL = 4

# Mount flags (bsd/sys/mount.h)
MNT_NOWAIT = 2
MFSTYPENAMELEN = 16
MAXPATHLEN = 1024
MNT_RDONLY = 0x00000001
MNT_SYNCHRONOUS = 0x00000002
MNT_NOEXEC = 0x00000004
MNT_NOSUID = 0x00000008
MNT_UNION = 0x00000020
MNT_ASYNC = 0x00000040
MNT_CPROTECT = 0x00000080
MNT_EXPORTED = 0x00000100
MNT_REMOVABLE = 0x00000200
MNT_QUARANTINE = 0x00000400
MNT_LOCAL = 0x00001000
MNT_QUOTA = 0x00002000
MNT_ROOTFS = 0x00004000
MNT_DOVOLFS = 0x00008000
MNT_DONTBROWSE = 0x00100000
MNT_IGNORE_OWNERSHIP = 0x00200000
MNT_AUTOMOUNTED = 0x00400000
MNT_JOURNALED = 0x00800000
MNT_NOUSERXATTR = 0x01000000
MNT_DEFWRITE = 0x02000000
MNT_MULTILABEL = 0x04000000
MNT_NOATIME = 0x10000000
MNT_SNAPSHOT = 0x40000000
MNT_STRICTATIME = 0x80000000

# getattrlist (bsd/sys/attr.h; not in darwin_structs.json)
ATTR_BIT_MAP_COUNT = 5
ATTR_VOL_SPACEUSED = 0x00800000
ATTR_VOL_INFO = 0x80000000

# Sockets and interfaces (bsd/sys/socket.h, bsd/net/if.h, bsd/net/if_types.h)
AF_INET = 2
PF_ROUTE = 17
NET_RT_IFLIST2 = 6
RTM_NEWADDR = 0xC
RTM_IFINFO2 = 0x12
AF_LINK = 18
AF_INET6 = 30
IFNAMSIZ = 16
IFF_UP = 0x1
IFF_LOOPBACK = 0x8
IFF_POINTOPOINT = 0x10
IFF_RUNNING = 0x40
IFRTYPE_FUNCTIONAL_UNKNOWN = 0
IFRTYPE_FUNCTIONAL_LOOPBACK = 1
IFRTYPE_FUNCTIONAL_WIRED = 2
IFRTYPE_FUNCTIONAL_WIFI_INFRA = 3
IFRTYPE_FUNCTIONAL_WIFI_AWDL = 4
IFRTYPE_FUNCTIONAL_CELLULAR = 5
IFRTYPE_FUNCTIONAL_INTCOPROC = 6
IFRTYPE_FUNCTIONAL_COMPANIONLINK = 7
IFRTYPE_FUNCTIONAL_MANAGEMENT = 8
IFT_OTHER = 0x1
IFT_ETHER = 0x6
IFT_PPP = 0x17
IFT_LOOP = 0x18
IFT_GIF = 0x37
IFT_STF = 0x39
IFT_L2VLAN = 0x87
IFT_IEEE8023ADLAG = 0x88
IFT_IEEE1394 = 0x90
IFT_BRIDGE = 0xD1
IFT_CELLULAR = 0xFF

# ioctl requests (bsd/sys/sockio.h): _IOWR('i', n, struct ifreq / struct ifmediareq)
SIOCGIFMEDIA = 0xC02C6938
SIOCGIFXMEDIA = 0xC02C6948
SIOCGIFFUNCTIONALTYPE = 0xC02069AD

# Media words (bsd/net/if_media.h; not in darwin_structs.json)
IFM_NMASK = 0x000000E0
IFM_ETHER = 0x00000020
IFM_IEEE80211 = 0x00000080
IFM_TMASK_COMPAT = 0x0000001F
IFM_TMASK_EXT = 0x000F0000
IFM_TMASK_EXT_SHIFT = 11
IFM_FDX = 0x00100000
IFM_HDX = 0x00200000
IFM_AVALID = 0x00000001
IFM_ACTIVE = 0x00000002

# TCP states (bsd/netinet/tcp_fsm.h) and pcblist_n record kinds (bsd/sys/socketvar.h)
TCPS_CLOSED = 0
TCPS_LISTEN = 1
TCPS_SYN_SENT = 2
TCPS_SYN_RECEIVED = 3
TCPS_ESTABLISHED = 4
TCPS_CLOSE_WAIT = 5
TCPS_FIN_WAIT_1 = 6
TCPS_CLOSING = 7
TCPS_LAST_ACK = 8
TCPS_FIN_WAIT_2 = 9
TCPS_TIME_WAIT = 10
XSO_SOCKET = 0x001
XSO_RCVBUF = 0x002
XSO_SNDBUF = 0x004
XSO_STATS = 0x008
XSO_INPCB = 0x010
XSO_TCPCB = 0x020
INP_IPV4 = 0x1
INP_IPV6 = 0x2

# CoreFoundation (CFNumber.h, CFString.h)
kCFNumberSInt64Type = 4  # noqa: N816 - Apple's spelling
kCFNumberFloat64Type = 6  # noqa: N816
kCFStringEncodingUTF8 = 0x08000100  # noqa: N816

# IOKit
#: kIOMainPortDefault / kIOMasterPortDefault: the default main port is MACH_PORT_NULL.
kIOMainPortDefault = 0  # noqa: N816
kIOReturnSuccess = 0  # noqa: N816

# bsd/net/if_mib.h: net.link.generic = {CTL_NET, PF_LINK, NETLINK_GENERIC}.
PF_LINK = 18
NETLINK_GENERIC = 0
IFMIB_SYSTEM = 1
IFMIB_IFCOUNT = 1
IFMIB_IFDATA = 2
IFMIB_IFALLDATA = 3
IFDATA_GENERAL = 1

# Libc include/libkern/OSThermalNotification.h (macOS values).
kOSThermalPressureLevelNominal = 0  # noqa: N816
kOSThermalPressureLevelModerate = 1  # noqa: N816
kOSThermalPressureLevelHeavy = 2  # noqa: N816
kOSThermalPressureLevelTrapping = 3  # noqa: N816
kOSThermalPressureLevelSleeping = 4  # noqa: N816
#: notify(3) name whose state is the level above (sys/OSThermalNotification.c).
THERMAL_PRESSURE_NOTIFICATION = "com.apple.system.thermalpressurelevel"

# AppleSMC user client (smcFanControl smc.h; 132 from macmon).
KERNEL_INDEX_SMC = 2
SMC_CMD_READ_BYTES = 5
SMC_CMD_WRITE_BYTES = 6
SMC_CMD_READ_INDEX = 8
SMC_CMD_READ_KEYINFO = 9
SMC_RESULT_KEY_NOT_FOUND = 132
