"""Protocol statistics decoders: the ``net.inet.*.stats`` structures → the records Linux fills.

Sources (all ``sysctlbyname``, no privilege except TCP): ``net.inet.tcp.stats`` (``struct
tcpstat``), ``net.inet.udp.stats`` (``udpstat``), ``net.inet.ip.stats`` (``ipstat``),
``net.inet6.ip6.stats`` (``ip6stat``) and ``net.inet.icmp.stats`` (``icmpstat``).

Layouts change between releases. ``tcpstat`` grew in the middle (960 bytes on macOS 12, 976 on
13-14, 992 on 15): only bytes 0-355 are the same in all, and every counter read here lies there.
``ipstat`` grew at the end (184 bytes before macOS 15, 196 since): only the first 184 are read.
A shorter answer than the stable part is a :class:`ParseError`, never zero-filled counters.

TCP: for a caller that is not root the kernel fills ``tcpstat`` with zeros (unless
``net.inet.tcp.disable_access_to_stats`` is 0), so an all-zero ``tcpstat`` is "no access"
(:func:`tcp` returns ``None``), not "no traffic".

Meaning, where the BSD counter is not exactly the Linux one (the record field: its source):

- ``TCPStats.established_resets``: ``tcps_drops``, connections dropped after the handshake (by a
  reset or an error); ``attempt_fails``: ``tcps_conndrops``, embryonic connections dropped.
- ``TCPStats.listen_overflows`` and ``listen_drops``: both ``tcps_listendrop`` (macOS keeps one
  figure for full listen queues). ``in_errors``: bad checksum + bad offset + too short.
- ``UDPStats`` covers IPv4 and IPv6 together (one ``udpstat``), so ``udp6`` stays ``None``.
  ``ignored_multicast``: broadcast and multicast datagrams nobody listened for.
- ``IPStats.in_header_errors``: bad checksum, too short, too small, bad header length, bad length,
  bad version, bad options; ``in_address_errors``: ``ips_cantforward``; ``reassembly_fails``:
  fragments dropped or timed out.
- ``ICMPStats`` counts from the per-type histograms (unreachable = type 3, time exceeded = 11,
  echo = 8, echo reply = 0); ``in_messages`` includes the malformed ones, as on Linux.

Counters the BSD structures do not keep are ``None``: current established connections, resets sent,
SYN and fast retransmits, backlog drops, IP input discards, send-buffer errors, ICMP output errors.
"""

from __future__ import annotations

import ctypes
from typing import TypeVar

from darwin_metrics.darwin.ffi.structs import IcmpStat, Ip6Stat, IpStat, TcpStat, UdpStat
from darwin_metrics.errors import ParseError
from darwin_metrics.records.netstats import ICMPStats, IPStats, TCPStats, UDPStats

S = TypeVar("S", bound=ctypes.Structure)

#: Bytes of ``tcpstat`` that every release shares (``tcps_connattempt`` … ``tcps_sack_sboverflow``).
TCPSTAT_STABLE = 356
#: ``tcpstat`` sizes by release: macOS 12, 13-14, 15.
TCPSTAT_SIZES = (960, 976, 992)
#: Bytes of ``ipstat`` before macOS 15 appended three counters.
IPSTAT_STABLE = 184

_UNREACH, _TIME_EXCEEDED, _ECHO, _ECHO_REPLY = 3, 11, 8, 0


def _prefix(raw: bytes, cls: type[S], stable: int, source: str) -> S:
    """``cls`` from ``raw`` of which only the first ``stable`` bytes are trusted: the rest (a newer
    layout's tail, or a shorter older one) is zero-filled and must not be read by the caller."""
    if len(raw) < stable:
        raise ParseError(source, f"{len(raw)} bytes, need at least {stable}")
    size = ctypes.sizeof(cls)
    return cls.from_buffer_copy(raw[:stable].ljust(size, b"\0"))


def _exact(raw: bytes, cls: type[S], source: str) -> S:
    size = ctypes.sizeof(cls)
    if len(raw) < size:
        raise ParseError(source, f"{len(raw)} bytes, need {size}")
    return cls.from_buffer_copy(raw[:size])


def tcp(raw: bytes) -> TCPStats | None:
    """TCP counters from ``net.inet.tcp.stats``; ``None`` when the kernel withheld them (zeros)."""
    s = _prefix(raw, TcpStat, TCPSTAT_STABLE, "net.inet.tcp.stats")
    if not any(raw[:TCPSTAT_STABLE]):
        return None
    return TCPStats(
        active_opens=s.tcps_connattempt,
        passive_opens=s.tcps_accepts,
        attempt_fails=s.tcps_conndrops,
        established_resets=s.tcps_drops,
        in_segments=s.tcps_rcvtotal,
        out_segments=s.tcps_sndtotal,
        retransmitted_segments=s.tcps_sndrexmitpack,
        in_errors=s.tcps_rcvbadsum + s.tcps_rcvbadoff + s.tcps_rcvshort,
        in_checksum_errors=s.tcps_rcvbadsum,
        listen_overflows=s.tcps_listendrop,
        listen_drops=s.tcps_listendrop,
        timeouts=s.tcps_rexmttimeo,
        aborts_on_timeout=s.tcps_timeoutdrop,
        syncookies_sent=s.tcps_sc_sendcookie,
    )


def udp(raw: bytes) -> UDPStats:
    """UDP counters (IPv4 and IPv6) from ``net.inet.udp.stats``."""
    s = _exact(raw, UdpStat, "net.inet.udp.stats")
    return UDPStats(
        in_datagrams=s.udps_ipackets,
        out_datagrams=s.udps_opackets,
        no_ports=s.udps_noport,
        in_errors=s.udps_hdrops + s.udps_badsum + s.udps_badlen,
        receive_buffer_errors=s.udps_fullsock,
        in_checksum_errors=s.udps_badsum,
        ignored_multicast=s.udps_noportbcast + s.udps_noportmcast,
    )


def ip(raw: bytes) -> IPStats:
    """IPv4 counters from ``net.inet.ip.stats`` (184 or 196 bytes)."""
    s = _prefix(raw, IpStat, IPSTAT_STABLE, "net.inet.ip.stats")
    return IPStats(
        in_receives=s.ips_total,
        in_header_errors=s.ips_badsum + s.ips_tooshort + s.ips_toosmall + s.ips_badhlen
        + s.ips_badlen + s.ips_badvers + s.ips_badoptions,
        in_address_errors=s.ips_cantforward,
        in_unknown_protocols=s.ips_noproto,
        in_delivers=s.ips_delivered,
        out_requests=s.ips_localout,
        out_discards=s.ips_odropped,
        out_no_routes=s.ips_noroute,
        forwarded=s.ips_forward,
        reassembly_fails=s.ips_fragdropped + s.ips_fragtimeout,
        fragment_fails=s.ips_cantfrag,
    )  # fmt: skip


def ip6(raw: bytes) -> IPStats:
    """IPv6 counters from ``net.inet6.ip6.stats``."""
    s = _exact(raw, Ip6Stat, "net.inet6.ip6.stats")
    return IPStats(
        in_receives=s.ip6s_total,
        in_header_errors=s.ip6s_tooshort + s.ip6s_toosmall + s.ip6s_badvers + s.ip6s_badoptions
        + s.ip6s_exthdrtoolong + s.ip6s_toomanyhdr,
        in_address_errors=s.ip6s_cantforward,
        in_delivers=s.ip6s_delivered,
        out_requests=s.ip6s_localout,
        out_discards=s.ip6s_odropped,
        out_no_routes=s.ip6s_noroute,
        forwarded=s.ip6s_forward,
        reassembly_fails=s.ip6s_fragdropped + s.ip6s_fragtimeout + s.ip6s_fragoverflow,
        fragment_fails=s.ip6s_cantfrag,
    )  # fmt: skip


def icmp(raw: bytes) -> ICMPStats:
    """ICMP (IPv4) counters from ``net.inet.icmp.stats``."""
    s = _exact(raw, IcmpStat, "net.inet.icmp.stats")
    received, sent = list(s.icps_inhist), list(s.icps_outhist)
    malformed = s.icps_badcode + s.icps_tooshort + s.icps_checksum + s.icps_badlen
    return ICMPStats(
        in_messages=sum(received) + malformed,
        in_errors=malformed,
        in_checksum_errors=s.icps_checksum,
        in_destination_unreachable=received[_UNREACH],
        in_time_exceeded=received[_TIME_EXCEEDED],
        in_echos=received[_ECHO],
        in_echo_replies=received[_ECHO_REPLY],
        out_messages=sum(sent),
        out_destination_unreachable=sent[_UNREACH],
        out_echos=sent[_ECHO],
        out_echo_replies=sent[_ECHO_REPLY],
    )
