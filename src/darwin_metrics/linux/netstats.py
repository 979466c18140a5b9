"""Protocol statistics from ``/proc/net/snmp``, ``/proc/net/netstat`` and ``/proc/net/snmp6``.

The files describe the network namespace of the reader (``/proc/net`` is ``/proc/self/net``), or
of process ``pid`` when read as ``/proc/PID/net``.
"""

from __future__ import annotations

import os

from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers.snmp import parse_snmp, parse_snmp6
from darwin_metrics.records.netstats import ICMPStats, IPStats, NetworkStats, TCPStats, UDPStats

# record field -> (section, kernel counter name)
_TCP = {
    "active_opens": ("Tcp", "ActiveOpens"),
    "passive_opens": ("Tcp", "PassiveOpens"),
    "attempt_fails": ("Tcp", "AttemptFails"),
    "established_resets": ("Tcp", "EstabResets"),
    "current_established": ("Tcp", "CurrEstab"),
    "in_segments": ("Tcp", "InSegs"),
    "out_segments": ("Tcp", "OutSegs"),
    "retransmitted_segments": ("Tcp", "RetransSegs"),
    "in_errors": ("Tcp", "InErrs"),
    "out_resets": ("Tcp", "OutRsts"),
    "in_checksum_errors": ("Tcp", "InCsumErrors"),
    "listen_overflows": ("TcpExt", "ListenOverflows"),
    "listen_drops": ("TcpExt", "ListenDrops"),
    "timeouts": ("TcpExt", "TCPTimeouts"),
    "syn_retransmits": ("TcpExt", "TCPSynRetrans"),
    "fast_retransmits": ("TcpExt", "TCPFastRetrans"),
    "lost_retransmits": ("TcpExt", "TCPLostRetransmit"),
    "aborts_on_timeout": ("TcpExt", "TCPAbortOnTimeout"),
    "backlog_drops": ("TcpExt", "TCPBacklogDrop"),
    "syncookies_sent": ("TcpExt", "SyncookiesSent"),
}
_UDP = {
    "in_datagrams": "InDatagrams",
    "out_datagrams": "OutDatagrams",
    "no_ports": "NoPorts",
    "in_errors": "InErrors",
    "receive_buffer_errors": "RcvbufErrors",
    "send_buffer_errors": "SndbufErrors",
    "in_checksum_errors": "InCsumErrors",
    "ignored_multicast": "IgnoredMulti",
}
_IP = {
    "in_receives": "InReceives",
    "in_header_errors": "InHdrErrors",
    "in_address_errors": "InAddrErrors",
    "in_unknown_protocols": "InUnknownProtos",
    "in_discards": "InDiscards",
    "in_delivers": "InDelivers",
    "out_requests": "OutRequests",
    "out_discards": "OutDiscards",
    "out_no_routes": "OutNoRoutes",
    "forwarded": "ForwDatagrams",
    "reassembly_fails": "ReasmFails",
    "fragment_fails": "FragFails",
}
_IP6_NAMES = {**_IP, "forwarded": "OutForwDatagrams"}
_ICMP = {
    "in_messages": "InMsgs",
    "in_errors": "InErrors",
    "in_checksum_errors": "InCsumErrors",
    "in_destination_unreachable": "InDestUnreachs",
    "in_time_exceeded": "InTimeExcds",
    "in_echos": "InEchos",
    "in_echo_replies": "InEchoReps",
    "out_messages": "OutMsgs",
    "out_errors": "OutErrors",
    "out_destination_unreachable": "OutDestUnreachs",
    "out_echos": "OutEchos",
    "out_echo_replies": "OutEchoReps",
}
# ICMPv6 names the echo counters after their message types
_ICMP6_NAMES = {**_ICMP, "in_echo_replies": "InEchoReplies", "out_echo_replies": "OutEchoReplies"}


def _pick(section: dict[str, int] | None, names: dict[str, str]) -> dict[str, int | None]:
    if section is None:
        return {}
    return {field: section.get(name) for field, name in names.items()}


def _v6(counters: dict[str, int], prefix: str) -> dict[str, int] | None:
    section = {k[len(prefix) :]: v for k, v in counters.items() if k.startswith(prefix)}
    return section or None


def stats_from_tables(
    snmp: dict[str, dict[str, int]],
    netstat: dict[str, dict[str, int]],
    snmp6: dict[str, int] | None = None,
) -> NetworkStats:
    """Build the record from parsed ``snmp``, ``netstat`` and (optionally) ``snmp6`` tables."""
    sections = {**netstat, **snmp}
    tcp: TCPStats | None = None
    if "Tcp" in sections or "TcpExt" in sections:
        tcp = TCPStats(
            **{field: sections.get(sec, {}).get(name) for field, (sec, name) in _TCP.items()}
        )
    ip_ext = sections.get("IpExt", {})
    ip: IPStats | None = None
    if "Ip" in sections:
        ip = IPStats(
            **_pick(sections["Ip"], _IP),
            in_octets=ip_ext.get("InOctets"),
            out_octets=ip_ext.get("OutOctets"),
        )
    udp = UDPStats(**_pick(sections["Udp"], _UDP)) if "Udp" in sections else None
    icmp = ICMPStats(**_pick(sections["Icmp"], _ICMP)) if "Icmp" in sections else None
    ip6 = udp6 = icmp6 = None
    if snmp6:
        ip6_section = _v6(snmp6, "Ip6")
        if ip6_section is not None:
            ip6 = IPStats(
                **_pick(ip6_section, _IP6_NAMES),
                in_octets=ip6_section.get("InOctets"),
                out_octets=ip6_section.get("OutOctets"),
            )
        udp6_section = _v6(snmp6, "Udp6")
        if udp6_section is not None:
            udp6 = UDPStats(**_pick(udp6_section, _UDP))
        icmp6_section = _v6(snmp6, "Icmp6")
        if icmp6_section is not None:
            icmp6 = ICMPStats(**_pick(icmp6_section, _ICMP6_NAMES))
    return NetworkStats(tcp=tcp, udp=udp, udp6=udp6, ip=ip, ip6=ip6, icmp=icmp, icmp6=icmp6)


def read_network_stats(roots: Roots, pid: int | None = None) -> NetworkStats:
    """Counters of this network namespace, or of process ``pid``'s.

    Raises :class:`NoSuchProcess` for a missing ``pid`` and :class:`NotSupported` when the kernel
    gives no ``snmp`` file (procfs without networking).
    """
    base, snmp_path, data = fs.read_net_file(roots, pid, "snmp")
    snmp = parse_snmp(data, snmp_path)
    netstat_path = os.path.join(base, "netstat")
    # netstat and snmp6 only add to snmp: malformed, they are absent (logged), not fatal
    netstat = fs.parse_optional(netstat_path, parse_snmp) or {}
    snmp6 = fs.parse_optional(os.path.join(base, "snmp6"), parse_snmp6)
    return stats_from_tables(snmp, netstat, snmp6)
