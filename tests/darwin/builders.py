"""Builders of synthetic native records (layouts from darwin_structs.json) for the network tests."""

from __future__ import annotations

import ctypes
import struct

from darwin_metrics.darwin.ffi import constants as k
from darwin_metrics.darwin.ffi.structs import (
    IfMibData,
    IfMsghdr2,
    XinpcbN,
    Xinpgen,
    XsocketN,
    XtcpcbN,
)


def sdl(name: str, ift: int, index: int, mac: bytes) -> bytes:
    body = name.encode() + mac
    length = max(20, 8 + len(body))
    raw = struct.pack("<BBHBBBB", length, k.AF_LINK, index, ift, len(name), len(mac), 0) + body
    return raw.ljust(length, b"\0")


def ifinfo2(name: str, index: int, ift: int, mac: bytes, **data: int) -> bytes:
    hdr = IfMsghdr2(
        ifm_version=5, ifm_type=k.RTM_IFINFO2, ifm_flags=data.pop("flags", 0), ifm_index=index
    )
    hdr.ifm_snd_drops = data.pop("snd_drops", 0)
    hdr.ifm_data.ifi_type = ift
    for key, value in data.items():
        setattr(hdr.ifm_data, "ifi_" + key, value)
    tail = sdl(name, ift, index, mac)
    hdr.ifm_msglen = ctypes.sizeof(hdr) + len(tail)
    return bytes(hdr) + tail


def be16(port: int) -> int:
    return int(struct.unpack("<H", struct.pack(">H", port))[0])


def pad8(raw: bytes) -> bytes:
    return raw.ljust((len(raw) + 7) & ~7, b"\0")


def inpcb(vflag: int, lport: int, fport: int, laddr: bytes, faddr: bytes) -> bytes:
    inp = XinpcbN(xi_len=ctypes.sizeof(XinpcbN), xi_kind=k.XSO_INPCB, inp_vflag=vflag)
    inp.inp_lport, inp.inp_fport = be16(lport), be16(fport)
    if vflag & k.INP_IPV6:
        inp.inp_dependladdr.inp6_local[:] = list(laddr)
        inp.inp_dependfaddr.inp6_foreign[:] = list(faddr)
    else:
        inp.inp_dependladdr.inp46_local.ia46_addr4[:] = list(laddr)
        inp.inp_dependfaddr.inp46_foreign.ia46_addr4[:] = list(faddr)
    return pad8(bytes(inp))


def socket_record(uid: int, pid: int) -> bytes:
    so = XsocketN(
        xso_len=ctypes.sizeof(XsocketN), xso_kind=k.XSO_SOCKET, so_uid=uid, so_last_pid=pid
    )
    return pad8(bytes(so))


def tcpcb(state: int) -> bytes:
    return pad8(bytes(XtcpcbN(xt_len=ctypes.sizeof(XtcpcbN), xt_kind=k.XSO_TCPCB, t_state=state)))


def sockbuf(kind: int) -> bytes:
    return pad8(struct.pack("<II", 24, kind) + bytes(16))  # an opaque record of another kind


def table(*records: bytes) -> bytes:
    gen = bytes(Xinpgen(xig_len=ctypes.sizeof(Xinpgen), xig_count=len(records)))
    return gen + b"".join(records) + gen


def ifmibdata(name: str, **data: int) -> bytes:
    """A ``struct ifmibdata`` as ``net.link.generic.ifdata.<index>.general`` returns it."""
    mib = IfMibData(ifmd_name=name.encode(), ifmd_snd_drops=data.pop("snd_drops", 0))
    for key, value in data.items():
        setattr(mib.ifmd_data, "ifi_" + key, value)
    return bytes(mib)
