"""Protocol statistics decoders on records built from the darwin_structs.json layouts: the three
``tcpstat`` sizes (960/976/992, which differ past byte 355), both ``ipstat`` sizes, the root-only
all-zero TCP answer, and short answers. Expected values are the numbers put in, mapped by hand."""

from __future__ import annotations

import ctypes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.darwin.decode import netstats
from darwin_metrics.darwin.ffi.structs import IcmpStat, Ip6Stat, IpStat, TcpStat, UdpStat
from darwin_metrics.errors import ParseError


def tcpstat(size: int = 992) -> bytes:
    s = TcpStat(
        tcps_connattempt=11, tcps_accepts=22, tcps_conndrops=3, tcps_drops=4, tcps_rcvtotal=1000,
        tcps_sndtotal=900, tcps_sndrexmitpack=45, tcps_rcvbadsum=1, tcps_rcvbadoff=2,
        tcps_rcvshort=5, tcps_listendrop=6, tcps_rexmttimeo=7, tcps_timeoutdrop=8,
        tcps_sc_sendcookie=9, tcps_mptcp_aggregate_all_bytes=2**40,  # past the stable part
    )  # fmt: skip
    return bytes(s)[:size]


@pytest.mark.parametrize("size", netstats.TCPSTAT_SIZES)
def test_tcp_every_release_layout(size: int) -> None:
    tcp = netstats.tcp(tcpstat(size))
    assert tcp is not None
    assert (tcp.active_opens, tcp.passive_opens, tcp.attempt_fails) == (11, 22, 3)
    assert (tcp.established_resets, tcp.in_segments, tcp.out_segments) == (4, 1000, 900)
    assert tcp.retransmitted_segments == 45
    assert (tcp.in_errors, tcp.in_checksum_errors) == (1 + 2 + 5, 1)
    assert (tcp.listen_overflows, tcp.listen_drops, tcp.timeouts) == (6, 6, 7)
    assert (tcp.aborts_on_timeout, tcp.syncookies_sent) == (8, 9)
    # Not in tcpstat: unknown, not zero.
    assert (tcp.current_established, tcp.out_resets, tcp.fast_retransmits) == (None, None, None)


def test_tcp_unknown_length_uses_the_stable_prefix_only() -> None:
    raw = tcpstat()[:400]  # a layout this code does not know: only bytes 0-355 are read
    tcp = netstats.tcp(raw)
    assert tcp is not None and tcp.syncookies_sent == 9
    with pytest.raises(ParseError):
        netstats.tcp(raw[:355])


def test_tcp_all_zero_means_no_access() -> None:
    # A non-root caller gets the full length filled with zeros (tcp_getstat, macOS).
    for size in netstats.TCPSTAT_SIZES:
        assert netstats.tcp(bytes(size)) is None


def test_udp() -> None:
    raw = bytes(
        UdpStat(udps_ipackets=500, udps_opackets=400, udps_noport=30, udps_noportbcast=4,
                udps_noportmcast=6, udps_hdrops=1, udps_badsum=2, udps_badlen=3, udps_fullsock=7)
    )  # fmt: skip
    udp = netstats.udp(raw)
    assert (udp.in_datagrams, udp.out_datagrams, udp.no_ports) == (500, 400, 30)
    assert (udp.in_errors, udp.in_checksum_errors, udp.receive_buffer_errors) == (6, 2, 7)
    assert (udp.ignored_multicast, udp.send_buffer_errors) == (10, None)
    with pytest.raises(ParseError):
        netstats.udp(raw[:87])  # the kernel truncates silently to a short buffer


@pytest.mark.parametrize("size", [184, 196])
def test_ip_both_layouts(size: int) -> None:
    s = IpStat(ips_total=1000, ips_badsum=1, ips_tooshort=2, ips_toosmall=3, ips_badhlen=4,
               ips_badlen=5, ips_badvers=6, ips_badoptions=7, ips_cantforward=8, ips_noproto=9,
               ips_delivered=900, ips_localout=800, ips_odropped=10, ips_noroute=11,
               ips_forward=12, ips_fragdropped=13, ips_fragtimeout=14, ips_cantfrag=15,
               ips_src_addr_not_avail=99)  # fmt: skip
    ip = netstats.ip(bytes(s)[:size])
    assert (ip.in_receives, ip.in_header_errors, ip.in_address_errors) == (1000, 28, 8)
    assert (ip.in_unknown_protocols, ip.in_delivers, ip.out_requests) == (9, 900, 800)
    assert (ip.out_discards, ip.out_no_routes, ip.forwarded) == (10, 11, 12)
    assert (ip.reassembly_fails, ip.fragment_fails, ip.in_discards) == (27, 15, None)
    with pytest.raises(ParseError):
        netstats.ip(bytes(s)[:183])


def test_ip6() -> None:
    s = Ip6Stat(ip6s_total=2**33, ip6s_tooshort=1, ip6s_toosmall=2, ip6s_badvers=3,
                ip6s_badoptions=4, ip6s_exthdrtoolong=5, ip6s_toomanyhdr=6, ip6s_cantforward=7,
                ip6s_delivered=100, ip6s_localout=90, ip6s_odropped=8, ip6s_noroute=9,
                ip6s_forward=10, ip6s_fragdropped=11, ip6s_fragtimeout=12, ip6s_fragoverflow=13,
                ip6s_cantfrag=14)  # fmt: skip
    ip6 = netstats.ip6(bytes(s))
    assert (ip6.in_receives, ip6.in_header_errors, ip6.in_address_errors) == (2**33, 21, 7)
    assert (ip6.in_delivers, ip6.out_requests, ip6.out_discards) == (100, 90, 8)
    assert (ip6.out_no_routes, ip6.forwarded, ip6.reassembly_fails) == (9, 10, 36)
    assert (ip6.fragment_fails, ip6.in_unknown_protocols) == (14, None)
    with pytest.raises(ParseError):
        netstats.ip6(bytes(s)[:-8])


def test_icmp_histograms() -> None:
    s = IcmpStat(icps_badcode=1, icps_tooshort=2, icps_checksum=3, icps_badlen=4)
    s.icps_inhist[0], s.icps_inhist[3], s.icps_inhist[8], s.icps_inhist[11] = 5, 6, 7, 8
    s.icps_outhist[0], s.icps_outhist[3], s.icps_outhist[8] = 7, 2, 5
    icmp = netstats.icmp(bytes(s))
    assert (icmp.in_messages, icmp.in_errors, icmp.in_checksum_errors) == (26 + 10, 10, 3)
    assert (icmp.in_echo_replies, icmp.in_destination_unreachable) == (5, 6)
    assert (icmp.in_echos, icmp.in_time_exceeded) == (7, 8)
    assert (icmp.out_messages, icmp.out_echo_replies, icmp.out_echos) == (14, 7, 5)
    assert (icmp.out_destination_unreachable, icmp.out_errors) == (2, None)
    assert ctypes.sizeof(IcmpStat) == 368


@given(st.binary(max_size=1100))
def test_fuzz_netstats(raw: bytes) -> None:
    for decode in (netstats.tcp, netstats.udp, netstats.ip, netstats.icmp, netstats.ip6):
        try:
            decode(raw)
        except ParseError:
            pass
