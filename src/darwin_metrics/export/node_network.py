"""node_exporter's network collectors (netdev, netclass, netstat, sockstat, wifi), named and
labelled as node_exporter names them. Counters in packets and bytes, speeds in bytes per second (as
node_exporter's ``node_network_speed_bytes``), Wi-Fi in hertz, dBm and bits per second.
"""

from __future__ import annotations

from darwin_metrics.export.exposition import Exposition
from darwin_metrics.export.readings import Readings

NETDEV_COUNTERS = (
    ("receive_bytes_total", "rx_bytes"),
    ("receive_packets_total", "rx_packets"),
    ("receive_errs_total", "rx_errors"),
    ("receive_drop_total", "rx_drops"),
    ("receive_fifo_total", "rx_fifo"),
    ("receive_frame_total", "rx_frame"),
    ("receive_compressed_total", "rx_compressed"),
    ("receive_multicast_total", "rx_multicast"),
    ("transmit_bytes_total", "tx_bytes"),
    ("transmit_packets_total", "tx_packets"),
    ("transmit_errs_total", "tx_errors"),
    ("transmit_drop_total", "tx_drops"),
    ("transmit_fifo_total", "tx_fifo"),
    ("transmit_colls_total", "tx_collisions"),
    ("transmit_carrier_total", "tx_carrier"),
    ("transmit_compressed_total", "tx_compressed"),
)


def emit_netdev(out: Exposition, r: Readings) -> None:
    """``node_network_{receive,transmit}_*_total{device}`` traffic counters."""
    for iface in r.snapshot.interfaces or ():
        if iface.counters is None:
            continue
        labels = {"device": iface.name}
        for suffix, field in NETDEV_COUNTERS:
            out.counter(
                f"node_network_{suffix}",
                f"Network device statistic {suffix}.",
                getattr(iface.counters, field),
                labels,
            )


def emit_netclass(out: Exposition, r: Readings) -> None:
    """Link state of each interface: up, MTU, speed, carrier, flags, index and an info series."""
    for iface in r.snapshot.interfaces or ():
        labels = {"device": iface.name}
        if iface.operstate is not None:
            out.gauge(
                "node_network_up",
                "Value is 1 if operstate is 'up', 0 otherwise.",
                1.0 if iface.operstate == "up" else 0.0,
                labels,
            )
        out.gauge("node_network_mtu_bytes", "Network device property: mtu_bytes", iface.mtu, labels)
        speed = iface.speed_bits_per_second
        out.gauge(
            "node_network_speed_bytes",
            "Network device property: speed_bytes",
            None if speed is None else speed / 8,
            labels,
        )
        carrier = iface.has_carrier
        out.gauge(
            "node_network_carrier",
            "Network device property: carrier",
            None if carrier is None else float(carrier),
            labels,
        )
        out.gauge("node_network_flags", "Network device property: flags", iface.flags, labels)
        out.gauge("node_network_iface_id", "Network device property: iface_id", iface.index, labels)
        info = {
            "device": iface.name,
            "address": iface.mac or "",
            "adminstate": {True: "up", False: "down", None: "unknown"}[iface.is_up],
            "duplex": iface.duplex or "",
            "operstate": iface.operstate or "",
        }
        out.gauge("node_network_info", "Non-numeric data of a network interface.", 1.0, info)


#: ``node_netstat_<Section>_<Field>`` → (NetworkStats section, field); node_exporter's default set.
NETSTAT = {
    "Tcp_ActiveOpens": ("tcp", "active_opens"),
    "Tcp_PassiveOpens": ("tcp", "passive_opens"),
    "Tcp_CurrEstab": ("tcp", "current_established"),
    "Tcp_InSegs": ("tcp", "in_segments"),
    "Tcp_OutSegs": ("tcp", "out_segments"),
    "Tcp_RetransSegs": ("tcp", "retransmitted_segments"),
    "Tcp_InErrs": ("tcp", "in_errors"),
    "Tcp_OutRsts": ("tcp", "out_resets"),
    "TcpExt_ListenOverflows": ("tcp", "listen_overflows"),
    "TcpExt_ListenDrops": ("tcp", "listen_drops"),
    "TcpExt_TCPTimeouts": ("tcp", "timeouts"),
    "TcpExt_TCPSynRetrans": ("tcp", "syn_retransmits"),
    "TcpExt_SyncookiesSent": ("tcp", "syncookies_sent"),
    "Udp_InDatagrams": ("udp", "in_datagrams"),
    "Udp_OutDatagrams": ("udp", "out_datagrams"),
    "Udp_NoPorts": ("udp", "no_ports"),
    "Udp_InErrors": ("udp", "in_errors"),
    "Udp_RcvbufErrors": ("udp", "receive_buffer_errors"),
    "Udp_SndbufErrors": ("udp", "send_buffer_errors"),
    "Udp6_InDatagrams": ("udp6", "in_datagrams"),
    "Udp6_OutDatagrams": ("udp6", "out_datagrams"),
    "Udp6_NoPorts": ("udp6", "no_ports"),
    "Udp6_InErrors": ("udp6", "in_errors"),
    "Udp6_RcvbufErrors": ("udp6", "receive_buffer_errors"),
    "Udp6_SndbufErrors": ("udp6", "send_buffer_errors"),
    "IpExt_InOctets": ("ip", "in_octets"),
    "IpExt_OutOctets": ("ip", "out_octets"),
    "Ip6_InOctets": ("ip6", "in_octets"),
    "Ip6_OutOctets": ("ip6", "out_octets"),
    "Icmp_InMsgs": ("icmp", "in_messages"),
    "Icmp_OutMsgs": ("icmp", "out_messages"),
    "Icmp_InErrors": ("icmp", "in_errors"),
    "Icmp6_InMsgs": ("icmp6", "in_messages"),
    "Icmp6_OutMsgs": ("icmp6", "out_messages"),
    "Icmp6_InErrors": ("icmp6", "in_errors"),
}


def emit_netstat(out: Exposition, r: Readings) -> None:
    """``node_netstat_*``: the kernel's SNMP counters under their ``/proc/net`` names."""
    stats = r.snapshot.network_stats
    if stats is None:
        return
    for name, (section, field) in NETSTAT.items():
        record = getattr(stats, section)
        if record is None:
            continue
        section_name, field_name = name.split("_", 1)
        out.untyped(
            f"node_netstat_{name}",
            f"Statistic {section_name}{field_name}.",
            getattr(record, field),
        )


#: SocketStats field → the kernel's protocol name, which node_exporter's sockstat names carry.
SOCKSTAT_PROTOCOLS = (
    ("tcp", "TCP"),
    ("udp", "UDP"),
    ("udplite", "UDPLITE"),
    ("raw", "RAW"),
    ("frag", "FRAG"),
    ("tcp6", "TCP6"),
    ("udp6", "UDP6"),
    ("udplite6", "UDPLITE6"),
    ("raw6", "RAW6"),
    ("frag6", "FRAG6"),
)
#: ProtocolSockets count field → the kernel's key, node_exporter's name suffix.
SOCKSTAT_COUNTS = (
    ("in_use", "inuse"),
    ("orphaned", "orphan"),
    ("time_wait", "tw"),
    ("allocated", "alloc"),
)


def emit_sockstat(out: Exposition, r: Readings) -> None:
    """``node_sockstat_*``: ``/proc/net/sockstat{,6}`` as node_exporter exports them, gauges named
    ``<PROTO>_<key>`` after the kernel's line. Memory counted in pages (TCP, UDP) is ``_mem``
    (pages) and ``_mem_bytes``; memory the kernel gives in bytes (fragments) is ``_memory``."""
    stats = r.snapshot.socket_stats
    if stats is None:
        return
    out.gauge("node_sockstat_sockets_used", "Number of IPv4 sockets in use.", stats.sockets_used)
    for field, proto in SOCKSTAT_PROTOCOLS:
        line = getattr(stats, field)
        if line is None:
            continue
        values = [(key, getattr(line, name)) for name, key in SOCKSTAT_COUNTS]
        if line.memory_pages is not None:
            values += [("mem", line.memory_pages), ("mem_bytes", line.memory)]
        else:
            values.append(("memory", line.memory))
        for key, value in values:
            out.gauge(
                f"node_sockstat_{proto}_{key}", f"Number of {proto} sockets in state {key}.", value
            )


def emit_wifi(out: Exposition, r: Readings) -> None:
    """``node_wifi_*{device}``: the association and link figures of each wireless interface."""
    for w in r.snapshot.wifi or ():
        device = {"device": w.interface}
        out.gauge(
            "node_wifi_interface_frequency_hertz",
            "The current frequency a WiFi interface is operating at, in hertz.",
            w.frequency_hertz,
            device,
        )
        if w.bssid is None:
            continue
        station = {**device, "mac_address": w.bssid}
        out.gauge(
            "node_wifi_station_info",
            "Labeled WiFi interface station information as provided by the operating system.",
            1.0,
            {**device, "bssid": w.bssid, "mode": w.mode or "", "ssid": w.ssid or ""},
        )
        out.gauge(
            "node_wifi_station_signal_dbm",
            "The current WiFi signal strength, in decibel-milliwatts (dBm).",
            w.signal_dbm,
            station,
        )
        out.gauge(
            "node_wifi_station_receive_bits_per_second",
            "The current WiFi receive bitrate of a station, in bits per second.",
            w.rx_bits_per_second,
            station,
        )
        out.gauge(
            "node_wifi_station_transmit_bits_per_second",
            "The current WiFi transmit bitrate of a station, in bits per second.",
            w.tx_bits_per_second,
            station,
        )
        out.counter(
            "node_wifi_station_connected_seconds_total",
            "The total number of seconds a station has been connected to an access point.",
            w.connected_time,
            station,
        )
        st = w.station
        if st is None:
            continue
        out.gauge(
            "node_wifi_station_inactive_seconds",
            "The number of seconds since any wireless activity has occurred on a station.",
            st.inactive_time,
            station,
        )
        for suffix, value in (
            ("receive_bytes_total", st.rx_bytes),
            ("transmit_bytes_total", st.tx_bytes),
            ("received_packets_total", st.rx_packets),
            ("transmitted_packets_total", st.tx_packets),
            ("transmit_retries_total", st.tx_retries),
            ("transmit_failed_total", st.tx_failed),
            ("beacon_loss_total", st.beacon_loss),
        ):
            out.counter(
                f"node_wifi_station_{suffix}",
                f"The total number of {suffix.removesuffix('_total').replace('_', ' ')} of a station.",
                value,
                station,
            )
