"""Wi-Fi records: the association of each wireless interface, its radio figures and counters.

Frequencies in hertz, bit rates in bits per second, signal and noise in dBm, times in seconds.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from darwin_metrics.records.net import InterfaceCounters

WiFiBand = Literal["2.4GHz", "5GHz", "6GHz", "60GHz", "900MHz"]
WiFiMode = Literal[
    "station",
    "ap",
    "adhoc",
    "monitor",
    "mesh",
    "p2p-client",
    "p2p-go",
    "p2p-device",
    "ap-vlan",
    "wds",
    "ocb",
    "nan",
    "other",
]


class WiFiStation(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Link counters the driver keeps for the peer (the access point, for a client interface).

    ``rx_bytes``/``tx_bytes``/``rx_packets``/``tx_packets`` count traffic with that peer;
    ``tx_retries`` and ``tx_failed`` are frames retried and given up; ``beacon_loss`` counts
    beacons missed; ``inactive_time`` is seconds since the last frame. ``None`` where the driver
    does not report a figure.
    """

    rx_bytes: int | None = None
    tx_bytes: int | None = None
    rx_packets: int | None = None
    tx_packets: int | None = None
    tx_retries: int | None = None
    tx_failed: int | None = None
    beacon_loss: int | None = None
    rx_drop_misc: int | None = None
    inactive_time: float | None = None


class WiFiDiscarded(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Wireless-extension discard counters from ``/proc/net/wireless`` (packets)."""

    nwid: int
    crypt: int
    fragment: int
    retry: int
    misc: int
    missed_beacons: int


class WiFi(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One wireless interface and, when associated, its link.

    ``ssid`` is the network name (``None`` when not associated or hidden); ``bssid`` the access
    point's hardware address (``aa:bb:cc:dd:ee:ff``). ``frequency_hertz`` is the operating frequency in
    hertz, ``channel`` its IEEE channel number, ``band`` the band it lies in, ``channel_width_hertz`` in
    hertz. ``signal_dbm`` and ``signal_avg_dbm`` are received power in dBm (negative; closer to 0 is
    stronger), ``noise_dbm`` the channel's noise floor in dBm. ``quality_percent`` is the driver's link
    quality (0-100; ``/proc/net/wireless`` link value out of 70, the cfg80211 scale).
    ``tx_bits_per_second``/``rx_bits_per_second`` are the last data rates in bits per second. ``connected_time``
    is seconds since association; ``tx_power_dbm`` in dBm. ``counters`` are the interface's own traffic
    counters (sysfs statistics), ``station`` the per-peer counters. ``phy_mode`` is the 802.11
    generation in use (``802.11ax``; macOS). Any figure the driver does not give is ``None``.
    """

    interface: str
    index: int | None = None
    mode: WiFiMode | None = None
    mac: str | None = None
    ssid: str | None = None
    bssid: str | None = None
    frequency_hertz: float | None = None
    channel: int | None = None
    band: WiFiBand | None = None
    channel_width_hertz: float | None = None
    signal_dbm: float | None = None
    signal_avg_dbm: float | None = None
    noise_dbm: float | None = None
    quality_percent: float | None = None
    tx_bits_per_second: float | None = None
    rx_bits_per_second: float | None = None
    connected_time: float | None = None
    tx_power_dbm: float | None = None
    station: WiFiStation | None = None
    discarded: WiFiDiscarded | None = None
    counters: InterfaceCounters | None = None
    phy_mode: str | None = None
