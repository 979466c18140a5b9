"""Wi-Fi through CoreWLAN on a stand-in Objective-C runtime: a CWWiFiClient with two interfaces
(one associated, one powered off), the SSID withheld as macOS 14+ does without Location consent,
and the decoder on constructed property values (channel plans from IEEE 802.11)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from darwin_metrics.darwin.backend import DarwinBackend
from darwin_metrics.darwin.decode import wifi
from darwin_metrics.darwin.ffi import loader
from tests.darwin.fakes import FakeObjC


def test_channel_frequencies() -> None:
    assert wifi.channel_frequency_hz(6, "2.4GHz") == 2437e6
    assert wifi.channel_frequency_hz(14, "2.4GHz") == 2484e6
    assert wifi.channel_frequency_hz(36, "5GHz") == 5180e6
    assert wifi.channel_frequency_hz(149, "5GHz") == 5745e6
    assert wifi.channel_frequency_hz(37, "6GHz") == 6135e6
    assert wifi.channel_frequency_hz(0, "5GHz") is None
    assert wifi.channel_frequency_hz(6, None) is None


ASSOCIATED = {
    "interfaceName": "en0", "hardwareAddress": "a4:83:e7:01:02:03", "powerOn": True,
    "interfaceMode": 1, "rssiValue": -52, "noiseMeasurement": -94, "transmitRate": 866.0,
    "transmitPower": 50, "channelNumber": 149, "channelBand": 2, "channelWidth": 3,
    "activePHYMode": 5, "ssid": None, "bssid": None,
}  # fmt: skip


def test_decode_associated() -> None:
    w = wifi.wifi(ASSOCIATED)
    assert w is not None
    assert (w.interface, w.mode, w.band, w.channel) == ("en0", "station", "5GHz", 149)
    assert (w.frequency_hertz, w.channel_width_hertz) == (5745e6, 80e6)
    assert (w.signal_dbm, w.noise_dbm, w.tx_bits_per_second) == (-52.0, -94.0, 866e6)
    assert w.tx_power_dbm == pytest.approx(16.99, abs=0.01)  # 50 mW
    assert (w.phy_mode, w.ssid, w.bssid) == ("802.11ac", None, None)  # withheld: not an error
    named = wifi.wifi({**ASSOCIATED, "ssid": "home", "bssid": "00:11:22:33:44:55"})
    assert named is not None and (named.ssid, named.bssid) == ("home", "00:11:22:33:44:55")


def test_decode_not_associated() -> None:
    off = wifi.wifi({**ASSOCIATED, "powerOn": False, "rssiValue": 0, "transmitRate": 0.0})
    assert off is not None
    assert (off.signal_dbm, off.channel, off.band, off.tx_bits_per_second) == (None,) * 4
    assert wifi.wifi({"rssiValue": -50}) is None


@pytest.fixture
def runtime() -> Iterator[SimpleNamespace]:
    objc = FakeObjC()

    def interface(values: dict[str, object]) -> int:
        table: dict[str, object] = {}
        for key, value in values.items():
            if key in ("interfaceName", "hardwareAddress", "ssid", "bssid"):
                table[key] = objc.string(value) if isinstance(value, str) else 0
            elif key not in ("channelNumber", "channelBand", "channelWidth"):
                table[key] = value
        table["wlanChannel"] = objc.new(
            {k: values[k] for k in ("channelNumber", "channelBand", "channelWidth")}
        )
        return objc.new(table)

    en0 = interface(ASSOCIATED)
    en1 = interface({**ASSOCIATED, "interfaceName": "en1", "powerOn": False, "rssiValue": 0})
    client = objc.new({"interfaces": objc.array([en1, en0])})
    objc.new({"sharedWiFiClient": client}, "CWWiFiClient")
    with loader.substitute(objc=objc, Foundation=object(), CoreWLAN=object()):
        yield SimpleNamespace(objc=objc)
    assert objc.pools == []


def test_read_wifi(runtime: SimpleNamespace) -> None:
    found = DarwinBackend().wifi()
    assert [(w.interface, w.signal_dbm) for w in found] == [("en0", -52.0), ("en1", None)]
    assert found[0].frequency_hertz == 5745e6
    assert runtime.objc.calls["objc_autoreleasePoolPush"] == 1


def test_no_corewlan_client(runtime: SimpleNamespace) -> None:
    del runtime.objc.classes["CWWiFiClient"]
    assert DarwinBackend().wifi() == ()
