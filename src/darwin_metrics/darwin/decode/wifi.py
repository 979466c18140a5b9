"""Wi-Fi decoder: the values CoreWLAN's ``CWInterface`` gives → a WiFi record.

Inputs (``CWInterface`` properties): ``interfaceName``, ``hardwareAddress``, ``powerOn``,
``interfaceMode`` (0 none, 1 station, 2 IBSS, 3 host AP), ``rssiValue`` and ``noiseMeasurement``
(dBm; 0 means "not associated"), ``transmitRate`` (Mb/s), ``transmitPower`` (mW), the
``wlanChannel``'s ``channelNumber``, ``channelBand`` (1 2.4 GHz, 2 5 GHz, 3 6 GHz) and
``channelWidth`` (1 20, 2 40, 3 80, 4 160 MHz), ``activePHYMode`` (1 a, 2 b, 3 g, 4 n, 5 ac, 6 ax,
7 be), ``ssid`` and ``bssid`` (nil unless the process may see them: from macOS 14 that needs
Location Services consent, so they are often ``None``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from darwin_metrics.records.wifi import WiFi, WiFiBand, WiFiMode

_MHZ = 1_000_000
BANDS: dict[int, WiFiBand] = {1: "2.4GHz", 2: "5GHz", 3: "6GHz"}
WIDTHS_MHZ: dict[int, int] = {1: 20, 2: 40, 3: 80, 4: 160, 5: 320}
PHY_MODES: dict[int, str] = {
    1: "802.11a", 2: "802.11b", 3: "802.11g", 4: "802.11n", 5: "802.11ac", 6: "802.11ax",
    7: "802.11be",
}  # fmt: skip
MODES: dict[int, WiFiMode] = {1: "station", 2: "adhoc", 3: "ap"}


def channel_frequency_hz(channel: int, band: WiFiBand | None) -> float | None:
    """The centre frequency of ``channel`` in ``band`` (IEEE 802.11 channel plans), in Hz."""
    if channel <= 0 or band is None:
        return None
    if band == "2.4GHz":
        mhz = 2484 if channel == 14 else 2407 + 5 * channel
    elif band == "5GHz":
        mhz = 5000 + 5 * channel
    elif band == "6GHz":
        mhz = 5950 + 5 * channel
    else:
        return None
    return float(mhz * _MHZ)


def _integer(values: Mapping[str, Any], key: str) -> int | None:
    value = values.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    return value if isinstance(value, str) and value else None


def wifi(values: Mapping[str, Any]) -> WiFi | None:
    """The WiFi record, or ``None`` without an interface name."""
    name = _text(values, "interfaceName")
    if name is None:
        return None
    associated = bool(values.get("powerOn")) and bool(_integer(values, "rssiValue"))
    band = BANDS.get(_integer(values, "channelBand") or 0) if associated else None
    channel = _integer(values, "channelNumber") if associated else None
    width = WIDTHS_MHZ.get(_integer(values, "channelWidth") or 0) if associated else None
    rate = values.get("transmitRate")
    power_mw = _integer(values, "transmitPower")
    noise = _integer(values, "noiseMeasurement")
    return WiFi(
        interface=name,
        mode=MODES.get(_integer(values, "interfaceMode") or 0),
        mac=_text(values, "hardwareAddress"),
        ssid=_text(values, "ssid") if associated else None,
        bssid=_text(values, "bssid") if associated else None,
        frequency_hertz=channel_frequency_hz(channel, band) if channel else None,
        channel=channel if channel and channel > 0 else None,
        band=band,
        channel_width_hertz=float(width * _MHZ) if width else None,
        signal_dbm=float(values["rssiValue"]) if associated else None,
        noise_dbm=float(noise) if associated and noise else None,
        tx_bits_per_second=float(rate) * 1e6
        if associated and isinstance(rate, (int, float)) and rate > 0
        else None,
        tx_power_dbm=10 * math.log10(power_mw) if power_mw and power_mw > 0 else None,
        phy_mode=PHY_MODES.get(_integer(values, "activePHYMode") or 0) if associated else None,
    )
