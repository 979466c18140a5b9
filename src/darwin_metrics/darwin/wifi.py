"""Wi-Fi on macOS through CoreWLAN (Objective-C runtime from ctypes; no privilege).

``[CWWiFiClient sharedWiFiClient].interfaces``; each ``CWInterface``'s properties are read inside
an autorelease pool and decoded by :mod:`darwin_metrics.darwin.decode.wifi`. SSID and BSSID are
``None`` when macOS withholds them (from macOS 14 a process needs Location Services consent);
that is not an error. A Mac without Wi-Fi hardware (or CoreWLAN) has no interfaces.
"""

from __future__ import annotations

from typing import Any

from darwin_metrics.darwin.decode import wifi as decode
from darwin_metrics.darwin.ffi import loader, objc
from darwin_metrics.errors import DarwinMetricsError, NotSupported
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.wifi import WiFi

log = get_logger(__name__)

_INTEGERS = ("rssiValue", "noiseMeasurement", "transmitPower", "interfaceMode")
_STRINGS = ("interfaceName", "hardwareAddress", "ssid", "bssid")


def read_interface(interface: int) -> dict[str, Any]:
    """The properties of one ``CWInterface`` as Python values."""
    values: dict[str, Any] = {
        name: objc.string(objc.send_object(interface, name)) for name in _STRINGS
    }
    for name in _INTEGERS:
        values[name] = objc.send_integer(interface, name)
    values["powerOn"] = objc.send_bool(interface, "powerOn")
    values["transmitRate"] = objc.send_double(interface, "transmitRate")
    values["activePHYMode"] = objc.send_integer(interface, "activePHYMode")
    channel = objc.send_object(interface, "wlanChannel")
    if channel:
        for name in ("channelNumber", "channelBand", "channelWidth"):
            values[name] = objc.send_integer(channel, name)
    return values


def read_wifi() -> tuple[WiFi, ...]:
    """Every Wi-Fi interface CoreWLAN knows, sorted by name."""
    try:
        loader.library(loader.COREWLAN)
    except NotSupported as exc:
        log.debug("%s", exc)
        return ()
    found = []
    with objc.autorelease_pool():
        client_class = objc.cls("CWWiFiClient")
        if not client_class:
            return ()
        client = objc.send_object(client_class, "sharedWiFiClient")
        for interface in objc.array(objc.send_object(client, "interfaces")):
            try:
                record = decode.wifi(read_interface(interface))
            except (OSError, DarwinMetricsError) as exc:
                log.debug("skipping a Wi-Fi interface: %s", exc)
                continue
            if record is not None:
                found.append(record)
    return tuple(sorted(found, key=lambda w: w.interface))
