"""Pure decoding of nl80211 replies (``include/uapi/linux/nl80211.h``) and Wi-Fi channel maths.

Replies are generic-netlink messages whose top-level attributes are already split into
``{type: payload}`` (see :func:`darwin_metrics.linux.parsers.netlink.parse_attrs`); nested
attributes (station info, rate info, survey info, BSS) are split here.
"""

from __future__ import annotations

import msgspec

from darwin_metrics.linux.parsers.netlink import (
    attr_s8,
    attr_str,
    attr_u16,
    attr_u32,
    attr_u64,
    parse_attrs,
)

# commands
CMD_GET_INTERFACE = 5
CMD_GET_STATION = 17
CMD_GET_SCAN = 32
CMD_GET_SURVEY = 50

# top-level attributes
ATTR_WIPHY = 1
ATTR_IFINDEX = 3
ATTR_IFNAME = 4
ATTR_IFTYPE = 5
ATTR_MAC = 6
ATTR_STA_INFO = 21
ATTR_WIPHY_FREQ = 38
ATTR_BSS = 47
ATTR_SSID = 52
ATTR_SURVEY_INFO = 84
ATTR_WIPHY_TX_POWER_LEVEL = 98
ATTR_CHANNEL_WIDTH = 159

# nested in ATTR_STA_INFO
STA_INFO_INACTIVE_TIME = 1
STA_INFO_RX_BYTES = 2
STA_INFO_TX_BYTES = 3
STA_INFO_SIGNAL = 7
STA_INFO_TX_BITRATE = 8
STA_INFO_RX_PACKETS = 9
STA_INFO_TX_PACKETS = 10
STA_INFO_TX_RETRIES = 11
STA_INFO_TX_FAILED = 12
STA_INFO_SIGNAL_AVG = 13
STA_INFO_RX_BITRATE = 14
STA_INFO_CONNECTED_TIME = 16
STA_INFO_BEACON_LOSS = 18
STA_INFO_RX_BYTES64 = 23
STA_INFO_TX_BYTES64 = 24
STA_INFO_RX_DROP_MISC = 28

# nested in a bitrate attribute
RATE_INFO_BITRATE = 1
RATE_INFO_BITRATE32 = 5

# nested in ATTR_SURVEY_INFO
SURVEY_INFO_FREQUENCY = 1
SURVEY_INFO_NOISE = 2
SURVEY_INFO_IN_USE = 3

# nested in ATTR_BSS
BSS_BSSID = 1
BSS_FREQUENCY = 2
BSS_INFORMATION_ELEMENTS = 6
BSS_STATUS = 9
BSS_STATUS_ASSOCIATED = 1
BSS_STATUS_IBSS_JOINED = 2

IFTYPES: dict[int, str] = {
    1: "adhoc",
    2: "station",
    3: "ap",
    4: "ap-vlan",
    5: "wds",
    6: "monitor",
    7: "mesh",
    8: "p2p-client",
    9: "p2p-go",
    10: "p2p-device",
    11: "ocb",
    12: "nan",
}
IFTYPE_STATION = 2

#: ``enum nl80211_chan_width`` -> total channel width in MHz.
CHANNEL_WIDTHS_MHZ: dict[int, float] = {
    0: 20,
    1: 20,
    2: 40,
    3: 80,
    4: 160,
    5: 160,
    6: 5,
    7: 10,
    8: 1,
    9: 2,
    10: 4,
    11: 8,
    12: 16,
    13: 320,
}

_RATE_UNIT = 100_000  # bit rates are in units of 100 kbit/s
_SOURCE = "nl80211"


class NlInterface(msgspec.Struct, frozen=True):
    """An nl80211 interface. ``frequency`` in MHz, ``channel_width`` in MHz, ``tx_power`` in dBm."""

    ifindex: int | None
    name: str | None
    iftype: int | None
    mac: str | None
    ssid: str | None
    frequency: int | None
    channel_width: float | None
    tx_power: float | None
    wiphy: int | None


class NlStation(msgspec.Struct, frozen=True):
    """A station (the access point, for a client). Bit rates in bit/s, times in seconds."""

    mac: str | None
    signal: int | None
    signal_avg: int | None
    tx_bitrate: float | None
    rx_bitrate: float | None
    connected_time: float | None
    inactive_time: float | None
    rx_bytes: int | None
    tx_bytes: int | None
    rx_packets: int | None
    tx_packets: int | None
    tx_retries: int | None
    tx_failed: int | None
    beacon_loss: int | None
    rx_drop_misc: int | None


class NlSurvey(msgspec.Struct, frozen=True):
    """One channel survey entry: frequency (MHz), noise floor (dBm), whether it is in use."""

    frequency: int | None
    noise: int | None
    in_use: bool


class NlBSS(msgspec.Struct, frozen=True):
    """One scan result: BSSID, frequency (MHz), association status and SSID."""

    bssid: str | None
    frequency: int | None
    status: int | None
    ssid: str | None


def format_mac(raw: bytes | None) -> str | None:
    """Six bytes as ``aa:bb:cc:dd:ee:ff``; ``None`` for anything else."""
    if raw is None or len(raw) != 6:
        return None
    return ":".join(f"{b:02x}" for b in raw)


def decode_ssid(raw: bytes | None) -> str | None:
    """An SSID (up to 32 raw bytes, usually UTF-8); ``None`` when absent or empty."""
    if not raw:
        return None
    return raw[:32].decode("utf-8", "replace")


def decode_interface(attrs: dict[int, bytes]) -> NlInterface:
    """A ``NL80211_CMD_NEW_INTERFACE`` reply."""
    power = attr_u32(attrs, ATTR_WIPHY_TX_POWER_LEVEL)
    width = attr_u32(attrs, ATTR_CHANNEL_WIDTH)
    return NlInterface(
        ifindex=attr_u32(attrs, ATTR_IFINDEX),
        name=attr_str(attrs, ATTR_IFNAME),
        iftype=attr_u32(attrs, ATTR_IFTYPE),
        mac=format_mac(attrs.get(ATTR_MAC)),
        ssid=decode_ssid(attrs.get(ATTR_SSID)),
        frequency=attr_u32(attrs, ATTR_WIPHY_FREQ),
        channel_width=CHANNEL_WIDTHS_MHZ.get(width) if width is not None else None,
        tx_power=power / 100 if power is not None else None,  # mBm -> dBm
        wiphy=attr_u32(attrs, ATTR_WIPHY),
    )


def decode_bitrate(raw: bytes | None) -> float | None:
    """A nested rate-info attribute as bits per second (``BITRATE32`` preferred)."""
    if raw is None:
        return None
    rate = parse_attrs(raw, _SOURCE)
    value = attr_u32(rate, RATE_INFO_BITRATE32)
    if value is None:
        value = attr_u16(rate, RATE_INFO_BITRATE)
    return float(value * _RATE_UNIT) if value is not None else None


def decode_station(attrs: dict[int, bytes]) -> NlStation | None:
    """A ``NL80211_CMD_NEW_STATION`` reply; ``None`` without station info."""
    raw = attrs.get(ATTR_STA_INFO)
    if raw is None:
        return None
    info = parse_attrs(raw, _SOURCE)
    rx_bytes = attr_u64(info, STA_INFO_RX_BYTES64)
    tx_bytes = attr_u64(info, STA_INFO_TX_BYTES64)
    connected = attr_u32(info, STA_INFO_CONNECTED_TIME)
    inactive = attr_u32(info, STA_INFO_INACTIVE_TIME)
    return NlStation(
        mac=format_mac(attrs.get(ATTR_MAC)),
        signal=attr_s8(info, STA_INFO_SIGNAL),
        signal_avg=attr_s8(info, STA_INFO_SIGNAL_AVG),
        tx_bitrate=decode_bitrate(info.get(STA_INFO_TX_BITRATE)),
        rx_bitrate=decode_bitrate(info.get(STA_INFO_RX_BITRATE)),
        connected_time=float(connected) if connected is not None else None,
        inactive_time=inactive / 1000 if inactive is not None else None,
        rx_bytes=rx_bytes if rx_bytes is not None else attr_u32(info, STA_INFO_RX_BYTES),
        tx_bytes=tx_bytes if tx_bytes is not None else attr_u32(info, STA_INFO_TX_BYTES),
        rx_packets=attr_u32(info, STA_INFO_RX_PACKETS),
        tx_packets=attr_u32(info, STA_INFO_TX_PACKETS),
        tx_retries=attr_u32(info, STA_INFO_TX_RETRIES),
        tx_failed=attr_u32(info, STA_INFO_TX_FAILED),
        beacon_loss=attr_u32(info, STA_INFO_BEACON_LOSS),
        rx_drop_misc=attr_u64(info, STA_INFO_RX_DROP_MISC),
    )


def decode_survey(attrs: dict[int, bytes]) -> NlSurvey | None:
    """A ``NL80211_CMD_NEW_SURVEY_RESULTS`` reply; ``None`` without survey info."""
    raw = attrs.get(ATTR_SURVEY_INFO)
    if raw is None:
        return None
    info = parse_attrs(raw, _SOURCE)
    return NlSurvey(
        frequency=attr_u32(info, SURVEY_INFO_FREQUENCY),
        noise=attr_s8(info, SURVEY_INFO_NOISE),
        in_use=SURVEY_INFO_IN_USE in info,
    )


def ssid_from_ies(ies: bytes | None) -> str | None:
    """The SSID element (id 0) of 802.11 information elements; ``None`` if absent or hidden."""
    if not ies:
        return None
    offset = 0
    while offset + 2 <= len(ies):
        element, length = ies[offset], ies[offset + 1]
        body = ies[offset + 2 : offset + 2 + length]
        if len(body) < length:
            return None
        if element == 0:
            return decode_ssid(body.rstrip(b"\0")) if body.strip(b"\0") else None
        offset += 2 + length
    return None


def decode_bss(attrs: dict[int, bytes]) -> NlBSS | None:
    """A ``NL80211_CMD_NEW_SCAN_RESULTS`` reply; ``None`` without a BSS."""
    raw = attrs.get(ATTR_BSS)
    if raw is None:
        return None
    bss = parse_attrs(raw, _SOURCE)
    return NlBSS(
        bssid=format_mac(bss.get(BSS_BSSID)),
        frequency=attr_u32(bss, BSS_FREQUENCY),
        status=attr_u32(bss, BSS_STATUS),
        ssid=ssid_from_ies(bss.get(BSS_INFORMATION_ELEMENTS)),
    )


def channel_of(frequency_mhz: float) -> tuple[int | None, str | None]:
    """``(IEEE channel number, band)`` of a centre frequency in MHz.

    2.4 GHz: channels 1-13 at 2412 + 5(n-1) MHz and 14 at 2484; 5 GHz: (f - 5000) / 5 (4.9 GHz
    public-safety channels: (f - 4000) / 5); 6 GHz: (f - 5950) / 5, and channel 2 at 5935;
    60 GHz: (f - 56160) / 2160; sub-1 GHz (802.11ah) has a band but no channel here.
    """
    f = int(frequency_mhz)
    if f == 2484:
        return 14, "2.4GHz"
    if 2407 < f < 2484:
        return (f - 2407) // 5, "2.4GHz"
    if f == 5935:
        return 2, "6GHz"
    if 4900 <= f < 5000:
        return (f - 4000) // 5, "5GHz"
    if 5000 <= f <= 5900:
        return (f - 5000) // 5, "5GHz"
    if 5950 < f <= 7125:
        return (f - 5950) // 5, "6GHz"
    if 56160 + 2160 <= f <= 56160 + 2160 * 6:
        return (f - 56160) // 2160, "60GHz"
    if 750 <= f < 1000:
        return None, "900MHz"
    return None, None
