"""Wi-Fi: one record per wireless interface, from nl80211, ``/proc/net/wireless`` and sysfs.

- Which interfaces: ``/sys/class/net/<if>/wireless`` or ``phy80211`` present, a line in
  ``/proc/net/wireless``, or an nl80211 interface with a name.
- nl80211 over generic netlink (no root needed), live system only: ``GET_INTERFACE`` (dump) for
  mode, SSID, frequency, channel width and transmit power; ``GET_STATION`` (dump per interface) for
  the peer's signal, bit rates, connected time and counters (for a client, the one station is the
  access point, whose address is the BSSID); ``GET_SURVEY`` for the noise floor of the channel in
  use; ``GET_SCAN`` for BSSID and SSID when the interface reports no SSID (older kernels).
- ``/proc/net/wireless`` (absent when the kernel lacks wireless extensions) for link quality, and
  signal and noise where nl80211 gives none.
- ``quality_percent`` is the ``/proc/net/wireless`` link value over 70 (cfg80211 maps signal
  -110..-40 dBm onto 0..70); without that file it is computed from the signal by the same rule.
"""

from __future__ import annotations

import os
import sys

from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots, is_live
from darwin_metrics.linux.net import sysfs_counters
from darwin_metrics.linux.netlink import (
    NETLINK_GENERIC,
    NetlinkSocket,
    Transport,
    genl_request,
    resolve_family,
)
from darwin_metrics.linux.parsers import nl80211 as nl
from darwin_metrics.linux.parsers.netlink import pack_attr
from darwin_metrics.linux.parsers.wireless import WirelessLine, parse_wireless
from darwin_metrics.records.wifi import WiFi, WiFiDiscarded, WiFiStation

_MHZ = 1_000_000.0
_QUALITY_MAX = 70.0


class _Nl80211View:
    """What nl80211 says about one interface."""

    __slots__ = ("bss", "interface", "noise", "station")

    def __init__(self, interface: nl.NlInterface) -> None:
        self.interface = interface
        self.station: nl.NlStation | None = None
        self.noise: int | None = None
        self.bss: nl.NlBSS | None = None


def _u32_attr(attr_type: int, value: int) -> bytes:
    return pack_attr(attr_type, value.to_bytes(4, sys.byteorder))


def query_nl80211(transport: Transport) -> dict[str, _Nl80211View]:
    """Interfaces, stations, survey and (when needed) scan results, by interface name.

    ``{}`` when the kernel has no nl80211 (no wireless hardware or driver).
    """
    family = resolve_family(transport, "nl80211")
    if family is None:
        return {}
    views: dict[str, _Nl80211View] = {}
    for _cmd, attrs in genl_request(
        transport, family, nl.CMD_GET_INTERFACE, b"", "nl80211:get_interface", dump=True
    ):
        iface = nl.decode_interface(attrs)
        if iface.name and iface.ifindex is not None:
            views[iface.name] = _Nl80211View(iface)
    for view in views.values():
        by_index = _u32_attr(nl.ATTR_IFINDEX, view.interface.ifindex or 0)
        stations = [
            s
            for _c, a in _optional_dump(transport, family, nl.CMD_GET_STATION, by_index)
            if (s := nl.decode_station(a)) is not None
        ]
        if stations:
            view.station = stations[0]
        for _c, a in _optional_dump(transport, family, nl.CMD_GET_SURVEY, by_index):
            survey = nl.decode_survey(a)
            if survey is not None and survey.in_use:
                view.noise = survey.noise
        if view.interface.ssid is None and view.interface.iftype == nl.IFTYPE_STATION:
            for _c, a in _optional_dump(transport, family, nl.CMD_GET_SCAN, by_index):
                bss = nl.decode_bss(a)
                if bss is not None and bss.status in (
                    nl.BSS_STATUS_ASSOCIATED,
                    nl.BSS_STATUS_IBSS_JOINED,
                ):
                    view.bss = bss
    return views


def _optional_dump(
    transport: Transport, family: int, command: int, attrs: bytes
) -> list[tuple[int, dict[int, bytes]]]:
    """A per-interface dump; an interface that refuses it (down, not supported) gives ``[]``."""
    try:
        return genl_request(transport, family, command, attrs, f"nl80211:{command}", dump=True)
    except OSError:
        return []


def _sysfs_wireless(roots: Roots) -> list[str]:
    base = roots.sys("class", "net")
    names = []
    for name in fs.listdir(base):
        path = os.path.join(base, name)
        if os.path.isdir(os.path.join(path, "wireless")) or os.path.exists(
            os.path.join(path, "phy80211")
        ):
            names.append(name)
    return names


def _quality(line: WirelessLine | None, signal: float | None) -> float | None:
    if line is not None:
        return max(0.0, min(100.0, 100.0 * line.link / _QUALITY_MAX))
    if signal is None:
        return None
    return 100.0 * (max(-110.0, min(-40.0, signal)) + 110.0) / _QUALITY_MAX


def _record(roots: Roots, name: str, view: _Nl80211View | None, line: WirelessLine | None) -> WiFi:
    iface = view.interface if view else None
    station = view.station if view else None
    bss = view.bss if view else None
    frequency = iface.frequency if iface and iface.frequency else None
    if frequency is None and bss is not None:
        frequency = bss.frequency
    channel, band = nl.channel_of(frequency) if frequency else (None, None)
    signal: float | None = None
    if station is not None and station.signal is not None:
        signal = float(station.signal)
    elif line is not None:
        signal = line.level
    noise: float | None = float(view.noise) if view and view.noise is not None else None
    if noise is None and line is not None:
        noise = line.noise
    index = iface.ifindex if iface else None
    if index is None:
        index = fs.read_attr_int(roots.sys("class", "net", name, "ifindex"))
    bssid = station.mac if station is not None and (iface and iface.iftype == 2) else None
    return WiFi(
        interface=name,
        index=index,
        mode=nl.IFTYPES.get(iface.iftype, "other") if iface and iface.iftype else None,  # type: ignore[arg-type]
        mac=iface.mac if iface else fs.read_attr(roots.sys("class", "net", name, "address")),
        ssid=(iface.ssid if iface else None) or (bss.ssid if bss else None),
        bssid=bssid or (bss.bssid if bss else None),
        frequency_hertz=frequency * _MHZ if frequency else None,
        channel=channel,
        band=band,  # type: ignore[arg-type]
        channel_width_hertz=iface.channel_width * _MHZ if iface and iface.channel_width else None,
        signal_dbm=signal,
        signal_avg_dbm=float(station.signal_avg)
        if station and station.signal_avg is not None
        else None,
        noise_dbm=noise,
        quality_percent=_quality(line, signal),
        tx_bits_per_second=station.tx_bitrate if station else None,
        rx_bits_per_second=station.rx_bitrate if station else None,
        connected_time=station.connected_time if station else None,
        tx_power_dbm=iface.tx_power if iface else None,
        station=(
            WiFiStation(
                rx_bytes=station.rx_bytes,
                tx_bytes=station.tx_bytes,
                rx_packets=station.rx_packets,
                tx_packets=station.tx_packets,
                tx_retries=station.tx_retries,
                tx_failed=station.tx_failed,
                beacon_loss=station.beacon_loss,
                rx_drop_misc=station.rx_drop_misc,
                inactive_time=station.inactive_time,
            )
            if station
            else None
        ),
        discarded=(
            WiFiDiscarded(
                nwid=line.nwid,
                crypt=line.crypt,
                fragment=line.fragment,
                retry=line.retry,
                misc=line.misc,
                missed_beacons=line.missed_beacons,
            )
            if line
            else None
        ),
        counters=sysfs_counters(roots.sys("class", "net", name)),
    )


def read_wifi(roots: Roots, transport: Transport | None = None) -> tuple[WiFi, ...]:
    """Every wireless interface, sorted by name; ``()`` on a machine without Wi-Fi.

    ``transport`` replaces the generic-netlink socket (tests); without it nl80211 is asked only
    when ``roots`` are the live ``/proc`` and ``/sys``.
    """
    path = roots.proc("net", "wireless")
    data = fs.read_optional(path)
    lines = parse_wireless(data, path) if data is not None else {}
    views: dict[str, _Nl80211View] = {}
    if transport is not None:
        views = query_nl80211(transport)
    elif is_live(roots):
        try:
            with NetlinkSocket(NETLINK_GENERIC) as sock:
                views = query_nl80211(sock)
        except (OSError, DarwinMetricsError):
            views = {}  # no generic netlink here: fall back to /proc/net/wireless
    names = set(_sysfs_wireless(roots)) | set(lines) | set(views)
    return tuple(_record(roots, name, views.get(name), lines.get(name)) for name in sorted(names))
