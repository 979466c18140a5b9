"""Protocol statistics (the kernel's SNMP MIB counters) and the packet-loss figures derived from them.

Every counter counts events (segments, datagrams, packets, connections) since boot or since the
network namespace was created. ``None`` where this kernel does not report the counter.
"""

from __future__ import annotations

import msgspec


class TCPStats(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """TCP counters (IPv4 and IPv6 together; the kernel keeps one TCP MIB).

    ``established_resets`` (EstabResets) are connections reset from ESTABLISHED or CLOSE_WAIT;
    ``out_resets`` (OutRsts) segments sent with RST; ``retransmitted_segments`` (RetransSegs);
    ``listen_overflows``/``listen_drops`` are SYNs or connections dropped because an accept queue
    was full (and all listen-side drops). ``current_established`` (CurrEstab) is a gauge.
    """

    active_opens: int | None = None
    passive_opens: int | None = None
    attempt_fails: int | None = None
    established_resets: int | None = None
    current_established: int | None = None
    in_segments: int | None = None
    out_segments: int | None = None
    retransmitted_segments: int | None = None
    in_errors: int | None = None
    out_resets: int | None = None
    in_checksum_errors: int | None = None
    listen_overflows: int | None = None
    listen_drops: int | None = None
    timeouts: int | None = None
    syn_retransmits: int | None = None
    fast_retransmits: int | None = None
    lost_retransmits: int | None = None
    aborts_on_timeout: int | None = None
    backlog_drops: int | None = None
    syncookies_sent: int | None = None


class UDPStats(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """UDP counters for one IP version.

    ``no_ports`` are datagrams to a port nobody listens on; ``receive_buffer_errors`` and
    ``send_buffer_errors`` are datagrams dropped because a socket buffer was full.
    """

    in_datagrams: int | None = None
    out_datagrams: int | None = None
    no_ports: int | None = None
    in_errors: int | None = None
    receive_buffer_errors: int | None = None
    send_buffer_errors: int | None = None
    in_checksum_errors: int | None = None
    ignored_multicast: int | None = None


class IPStats(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """IP counters for one IP version (packets).

    ``in_header_errors``/``in_address_errors`` are packets dropped for a bad header or address;
    ``in_discards``/``out_discards`` dropped for lack of resources; ``out_no_routes`` without a
    route; ``reassembly_fails``/``fragment_fails`` failed (de)fragmentation.
    """

    in_receives: int | None = None
    in_header_errors: int | None = None
    in_address_errors: int | None = None
    in_unknown_protocols: int | None = None
    in_discards: int | None = None
    in_delivers: int | None = None
    out_requests: int | None = None
    out_discards: int | None = None
    out_no_routes: int | None = None
    forwarded: int | None = None
    reassembly_fails: int | None = None
    fragment_fails: int | None = None
    in_octets: int | None = None
    out_octets: int | None = None


class ICMPStats(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """ICMP counters for one IP version (messages)."""

    in_messages: int | None = None
    in_errors: int | None = None
    in_checksum_errors: int | None = None
    in_destination_unreachable: int | None = None
    in_time_exceeded: int | None = None
    in_echos: int | None = None
    in_echo_replies: int | None = None
    out_messages: int | None = None
    out_errors: int | None = None
    out_destination_unreachable: int | None = None
    out_echos: int | None = None
    out_echo_replies: int | None = None


class NetworkStats(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Protocol statistics of one network namespace.

    ``ip``/``icmp``/``udp`` are IPv4 (``/proc/net/snmp`` and ``netstat``); ``ip6``/``icmp6``/
    ``udp6`` are IPv6 (``/proc/net/snmp6``); ``tcp`` covers both versions. A section the kernel
    does not report is ``None``.
    """

    tcp: TCPStats | None = None
    udp: UDPStats | None = None
    udp6: UDPStats | None = None
    ip: IPStats | None = None
    ip6: IPStats | None = None
    icmp: ICMPStats | None = None
    icmp6: ICMPStats | None = None


class NetworkStatsRates(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Per-second rates between two :class:`NetworkStats` readings, and the retransmission ratio.

    Rates are events per second; ``None`` where a counter is missing or went backwards (reset).
    ``tcp_retransmit_percent`` is retransmitted segments over segments sent in the interval
    (0-100; ``None`` when nothing was sent).
    """

    interval: float
    tcp_active_opens: float | None = None
    tcp_passive_opens: float | None = None
    tcp_attempt_fails: float | None = None
    tcp_established_resets: float | None = None
    tcp_in_segments: float | None = None
    tcp_out_segments: float | None = None
    tcp_retransmitted_segments: float | None = None
    tcp_in_errors: float | None = None
    tcp_out_resets: float | None = None
    tcp_listen_overflows: float | None = None
    tcp_listen_drops: float | None = None
    tcp_retransmit_percent: float | None = None
    udp_in_datagrams: float | None = None
    udp_out_datagrams: float | None = None
    udp_no_ports: float | None = None
    udp_in_errors: float | None = None
    udp_receive_buffer_errors: float | None = None
    udp_send_buffer_errors: float | None = None
    ip_in_receives: float | None = None
    ip_in_discards: float | None = None
    ip_out_discards: float | None = None
    ip_in_header_errors: float | None = None
    ip_in_address_errors: float | None = None
    icmp_in_errors: float | None = None
    icmp_out_errors: float | None = None


class InterfaceLoss(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Packet-loss indicators of one interface over an interval (0-100 percentages).

    ``rx_drop_percent`` = received packets dropped / (packets received + dropped);
    ``rx_error_percent`` = receive errors / (packets received + errors); likewise for tx.
    ``None`` when no packets moved in that direction, or a counter reset.
    """

    name: str
    interval: float
    rx_drop_percent: float | None = None
    rx_error_percent: float | None = None
    tx_drop_percent: float | None = None
    tx_error_percent: float | None = None
