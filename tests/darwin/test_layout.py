"""Every ctypes layout and constant of the native layer, checked against
``shared/reference/darwin_structs.json`` (offsets read from DWARF of Apple's headers compiled for
LP64, cross-checked with golang.org/x/sys cgo output). Layouts the JSON lacks are checked against
offsets worked out from their headers, cited per entry."""

from __future__ import annotations

import ctypes
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from darwin_metrics.darwin.ffi import constants, signatures, structs
from tests.conftest import FIXTURES

REFERENCE = FIXTURES.parent / "reference" / "darwin_structs.json"

#: ctypes class → darwin_structs.json entry.
IN_REFERENCE: dict[type[Any], str] = {
    structs.Timeval: "timeval",
    structs.Timeval32: "timeval32",
    structs.Itimerval: "itimerval",
    structs.VMStatistics64: "vm_statistics64",
    structs.ProcessorCPULoadInfo: "processor_cpu_load_info",
    structs.ExternProc: "extern_proc",
    structs.Pcred: "_pcred",
    structs.Ucred: "_ucred",
    structs.Vmspace: "vmspace",
    structs.Eproc: "eproc",
    structs.KinfoProc: "kinfo_proc",
    structs.ProcTaskInfo: "proc_taskinfo",
    structs.ProcThreadInfo: "proc_threadinfo",
    structs.RusageInfoV4: "rusage_info_v4",
    structs.RusageInfoV6: "rusage_info_v6",
    structs.Statfs: "statfs",
    structs.SockaddrDl: "sockaddr_dl",
    structs.IfData64: "if_data64",
    structs.IfMsghdr2: "if_msghdr2",
    structs.IfReq: "ifreq",
    structs.IfMediaReq: "ifmediareq",
    structs.Xinpgen: "xinpgen",
    structs.XinpcbN: "xinpcb_n",
    structs.XsocketN: "xsocket_n",
    structs.XtcpcbN: "xtcpcb_n",
    structs.IfMibData: "ifmibdata",
    structs.XswUsage: "xsw_usage",
    structs.TcpStat: "tcpstat",
    structs.UdpStat: "udpstat",
    structs.IpStat: "ipstat",
    structs.Ip6Stat: "ip6stat",
    structs.IcmpStat: "icmpstat",
    structs.SMCKeyDataVers: "SMCKeyData_vers_t",
    structs.SMCKeyDataPLimitData: "SMCKeyData_pLimitData_t",
    structs.SMCKeyDataKeyInfo: "SMCKeyData_keyInfo_t",
    structs.SMCKeyData: "SMCKeyData_t",
}

#: Layouts not in the JSON: (size, {field: (offset, size)}), from the cited headers (LP64).
NOT_IN_REFERENCE: dict[type[Any], tuple[int, dict[str, tuple[int, int]]]] = {
    # bsd/sys/attr.h: u_short bitmapcount; u_int16_t reserved; attrgroup_t (u_int32_t) x 5.
    structs.Attrlist: (
        24,
        {
            "bitmapcount": (0, 2),
            "reserved": (2, 2),
            "commonattr": (4, 4),
            "volattr": (8, 4),
            "dirattr": (12, 4),
            "fileattr": (16, 4),
            "forkattr": (20, 4),
        },
    ),
    # getattrlist(2): attribute buffers are 4-byte packed: u_int32_t length, then off_t at 4.
    structs.VolSpaceUsed: (12, {"length": (0, 4), "spaceused": (4, 8)}),
    # bsd/sys/socket.h: __uint8_t sa_len, sa_family_t sa_family (uint8), char sa_data[14].
    structs.Sockaddr: (16, {"sa_len": (0, 1), "sa_family": (1, 1), "sa_data": (2, 14)}),
    # ifaddrs.h: next*, char *name, unsigned int flags, then four pointers (natural alignment).
    structs.Ifaddrs: (
        56,
        {
            "ifa_next": (0, 8),
            "ifa_name": (8, 8),
            "ifa_flags": (16, 4),
            "ifa_addr": (24, 8),
            "ifa_netmask": (32, 8),
            "ifa_dstaddr": (40, 8),
            "ifa_data": (48, 8),
        },
    ),
}


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} not found")
    data: dict[str, Any] = json.loads(REFERENCE.read_text())
    return data


def _check_fields(cls: type[Any], fields: list[dict[str, Any]], base: int, where: str) -> None:
    for field in fields:
        descriptor = getattr(cls, field["name"], None)
        assert descriptor is not None, f"{where}: no field {field['name']}"
        offset = base + descriptor.offset
        assert (offset, descriptor.size) == (field["offset"], field["size"]), (
            f"{where}.{field['name']}: ctypes ({offset}, {descriptor.size}) != "
            f"reference ({field['offset']}, {field['size']})"
        )
        if "fields" in field:
            ftype = dict(cls._fields_)[field["name"]]
            _check_fields(ftype, field["fields"], offset, f"{where}.{field['name']}")


@pytest.mark.parametrize("cls", list(IN_REFERENCE), ids=lambda c: c.__name__)
def test_struct_matches_reference(cls: type[Any], reference: dict[str, Any]) -> None:
    entry = reference["structs"][IN_REFERENCE[cls]]
    assert ctypes.sizeof(cls) == entry["size"]
    _check_fields(cls, entry["fields"], 0, cls.__name__)
    # Every field of the reference is declared, in the same order.
    declared = [name for name, *_ in cls._fields_]
    assert declared == [f["name"] for f in entry["fields"]]


@pytest.mark.parametrize("cls", list(NOT_IN_REFERENCE), ids=lambda c: c.__name__)
def test_struct_matches_header(cls: type[Any]) -> None:
    size, fields = NOT_IN_REFERENCE[cls]
    assert ctypes.sizeof(cls) == size
    for name, (offset, length) in fields.items():
        descriptor = getattr(cls, name)
        assert (descriptor.offset, descriptor.size) == (offset, length), name


def test_every_public_structure_is_checked() -> None:
    public = {
        obj
        for name, obj in vars(structs).items()
        if inspect.isclass(obj)
        and issubclass(obj, (ctypes.Structure, ctypes.Union))
        and obj.__module__ == structs.__name__
        and not name.startswith("_")
    }
    assert public == set(IN_REFERENCE) | set(NOT_IN_REFERENCE)


def _reference_constants(reference: dict[str, Any]) -> dict[str, int]:
    values: dict[str, int] = {}
    for group in reference["constants"].values():
        for name, value in group["values"].items():
            values[name] = int(value, 16) if isinstance(value, str) else int(value)
    return values


#: Constants that darwin_structs.json does not hold, with their source.
NOT_IN_REFERENCE_CONSTANTS = {
    "PROC_PIDLISTTHREADIDS": "bsd/sys/proc_info.h (PRIVATE): 28",
    "PROC_PIDTHREADID64INFO": "bsd/sys/proc_info.h: 15",
    "NODEV": "bsd/sys/types.h: (dev_t)(-1)",
    "ATTR_BIT_MAP_COUNT": "bsd/sys/attr.h",
    "ATTR_VOL_SPACEUSED": "bsd/sys/attr.h",
    "ATTR_VOL_INFO": "bsd/sys/attr.h",
    "IFM_NMASK": "bsd/net/if_media.h",
    "IFM_ETHER": "bsd/net/if_media.h",
    "IFM_IEEE80211": "bsd/net/if_media.h",
    "IFM_TMASK_COMPAT": "bsd/net/if_media.h",
    "IFM_TMASK_EXT": "bsd/net/if_media.h",
    "IFM_TMASK_EXT_SHIFT": "bsd/net/if_media.h",
    "IFM_FDX": "bsd/net/if_media.h",
    "IFM_HDX": "bsd/net/if_media.h",
    "IFM_AVALID": "bsd/net/if_media.h",
    "IFM_ACTIVE": "bsd/net/if_media.h",
    "CPU_TYPE_X86_64": "osfmk/mach/machine.h: CPU_TYPE_X86 | CPU_ARCH_ABI64",
    "KERN_SUCCESS": "osfmk/mach/kern_return.h: 0",
    "kIOMainPortDefault": "IOKit IOKitLib.h: MACH_PORT_NULL",
    "kIOReturnSuccess": "IOKit IOReturn.h: KERN_SUCCESS",
}


def test_constants_match_reference(reference: dict[str, Any]) -> None:
    known = _reference_constants(reference)
    ours = {
        n: v for n, v in vars(constants).items() if not n.startswith("_") and isinstance(v, int)
    }
    missing = []
    for name, value in ours.items():
        if name in known:
            assert value == known[name], f"{name}: {value} != reference {known[name]}"
        elif name not in NOT_IN_REFERENCE_CONSTANTS:
            missing.append(name)
    assert missing == []
    assert constants.PROC_PIDLISTTHREADIDS == 28
    assert constants.PROC_PIDTHREADID64INFO == 15
    assert constants.ATTR_VOL_SPACEUSED == 0x00800000
    assert constants.ATTR_VOL_INFO == 0x80000000
    assert constants.CPU_TYPE_X86_64 == 0x01000007
    # Two ifreq ioctls encode sizeof(struct ifreq) = 32, two ifmediareq ones 44 (_IOWR).
    for request, size in ((constants.SIOCGIFFUNCTIONALTYPE, 32), (constants.SIOCGIFMEDIA, 44)):
        assert (request >> 16) & 0x1FFF == size
    assert ctypes.sizeof(structs.IfMediaReq) == 44
    assert ctypes.sizeof(structs.IfReq) == 32


def test_signature_types_have_darwin_widths() -> None:
    # mach_port_t / io_object_t 32-bit; vm_address_t and vm_size_t pointer-sized; CFIndex long.
    assert ctypes.sizeof(signatures.mach_port_t) == 4
    assert ctypes.sizeof(signatures.io_object_t) == 4
    assert ctypes.sizeof(signatures.CFIndex) == 8
    _, args = signatures.LIBSYSTEM["vm_deallocate"]
    assert [ctypes.sizeof(a) for a in args] == [4, 8, 8]
    _, args = signatures.LIBSYSTEM["proc_pidinfo"]
    assert [ctypes.sizeof(a) for a in args] == [4, 4, 8, 8, 4]
    # Functions returning a CF reference return void *, never the default (truncating) int.
    returns_reference = {
        "IOServiceMatching", "IOPSCopyPowerSourcesInfo", "IOPSCopyPowerSourcesList",
        "IOPSGetPowerSourceDescription", "IOPSCopyExternalPowerAdapterDetails",
        "CFStringCreateWithCString", "CFArrayGetValueAtIndex", "CFDataGetBytePtr",
    }  # fmt: skip
    tables = {**signatures.COREFOUNDATION, **signatures.IOKIT}
    for name in returns_reference:
        assert tables[name][0] is ctypes.c_void_p, name
    # Out-parameter calls return kern_return_t.
    assert tables["IORegistryEntryCreateCFProperties"][0] is ctypes.c_int
    assert {
        "vm_kernel_page_size": ctypes.c_size_t,
        "mach_task_self_": ctypes.c_uint32,
    } == signatures.GLOBALS


def test_reference_file_is_the_shared_one() -> None:
    assert Path(REFERENCE).name == "darwin_structs.json"
