"""wifi(): /proc/net/wireless, nl80211 messages built byte by byte, channel maths, fuzzing, live.

The nl80211 replies are built here from the layouts in ``include/uapi/linux/nl80211.h`` with the
values of node_exporter's captured Wi-Fi fixture (``wifi/interfaces.json``,
``wifi/wlan0/{bss,stationinfo}.json``); the interface indexes (3 and 4), the survey's noise floor
and the SSID of wlan1 are synthetic additions, as that fixture has none.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import darwin_metrics as dm
from darwin_metrics.errors import ParseError
from darwin_metrics.linux import netlink as nlsock
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers import netlink as nlp
from darwin_metrics.linux.parsers import nl80211 as nl
from darwin_metrics.linux.parsers.wireless import WirelessLine, parse_wireless
from darwin_metrics.linux.wifi import query_nl80211, read_wifi
from tests.conftest import LINUX_FIXTURES, Tree

NL80211_ID = 0x1C
BO = sys.byteorder


def u32(value: int) -> bytes:
    return value.to_bytes(4, BO)


def u16(value: int) -> bytes:
    return value.to_bytes(2, BO)


def s8(value: int) -> bytes:
    return struct.pack("b", value)


def attr(kind: int, payload: bytes) -> bytes:
    return nlp.pack_attr(kind, payload)


def nested(kind: int, *parts: bytes) -> bytes:
    return nlp.pack_attr(kind | nlp.NLA_F_NESTED, b"".join(parts))


def genl_msg(msg_type: int, seq: int, command: int, *attrs: bytes, flags: int = 2) -> bytes:
    return nlp.pack_message(msg_type, flags, seq, nlp.pack_genl(command, 1, b"".join(attrs)))


def done(seq: int) -> bytes:
    return nlp.pack_message(nlp.NLMSG_DONE, 2, seq, struct.pack("=i", 0))


def error(seq: int, code: int) -> bytes:
    return nlp.pack_message(nlp.NLMSG_ERROR, 0, seq, struct.pack("=i", -code) + b"\0" * 16)


# --- a fake generic-netlink socket ------------------------------------------------------------

Handler = Callable[[int, int, dict[int, bytes]], list[bytes]]


class FakeGenl:
    """Answers requests with canned nl80211 messages; each reply may span several recv()."""

    def __init__(self, handler: Handler, split: bool = False) -> None:
        self.handler = handler
        self.split = split
        self.pending: list[bytes] = []
        self.requests: list[tuple[int, int]] = []

    def send(self, data: bytes) -> None:
        (message,) = list(nlp.iter_messages(data, "request"))
        command, _ = nlp.genl_header(message.payload, "request")
        attrs = nlp.parse_attrs(message.payload, "request", 4)
        self.requests.append((message.type, command))
        replies = self.handler(message.type, command, attrs)
        # stamp the request's sequence number into every reply message
        msgs = [
            nlp.pack_message(m.type, m.flags, message.seq, m.payload)
            for m in nlp.iter_messages(b"".join(replies), "reply")
        ]
        self.pending = msgs if self.split else [b"".join(msgs)]

    def recv(self) -> bytes:
        return self.pending.pop(0) if self.pending else b""

    def close(self) -> None:
        pass


def _fixture(name: str) -> object:
    path = LINUX_FIXTURES / "node_exporter" / "wifi" / name
    if not path.exists():
        pytest.skip(f"captured fixture data not found at {path}")
    return json.loads(path.read_text())


def _mac(b64: str) -> bytes:
    return base64.b64decode(b64)


def ne_wifi_handler(*, with_ssid: bool = False) -> Handler:
    """nl80211 as node_exporter's fixture describes it."""
    interfaces = _fixture("interfaces.json")
    bss = _fixture("wlan0/bss.json")
    stations = _fixture("wlan0/stationinfo.json")
    assert isinstance(interfaces, list) and isinstance(bss, dict) and isinstance(stations, list)
    indexes = {"wlan0": 3, "wlan1": 4}

    def handle(msg_type: int, command: int, attrs: dict[int, bytes]) -> list[bytes]:
        if msg_type == nlsock.GENL_ID_CTRL:
            name = nlp.attr_str(attrs, nlsock.CTRL_ATTR_FAMILY_NAME)
            if name != "nl80211":
                return [error(0, errno.ENOENT)]
            return [
                genl_msg(
                    nlsock.GENL_ID_CTRL,
                    0,
                    1,
                    attr(nlsock.CTRL_ATTR_FAMILY_ID, u16(NL80211_ID)),
                    attr(nlsock.CTRL_ATTR_FAMILY_NAME, b"nl80211\0"),
                    flags=0,
                ),
                error(0, 0),
            ]
        ifindex = nlp.attr_u32(attrs, nl.ATTR_IFINDEX)
        if command == nl.CMD_GET_INTERFACE:
            out = []
            for entry in interfaces:
                parts = [attr(nl.ATTR_IFTYPE, u32(entry["type"]))]
                if "name" in entry:
                    parts += [
                        attr(nl.ATTR_IFNAME, entry["name"].encode() + b"\0"),
                        attr(nl.ATTR_IFINDEX, u32(indexes[entry["name"]])),
                        attr(nl.ATTR_MAC, bytes.fromhex(f"0200000000{indexes[entry['name']]:02x}")),
                        attr(nl.ATTR_WIPHY_FREQ, u32(entry["frequency"])),
                        attr(nl.ATTR_CHANNEL_WIDTH, u32(1)),
                        attr(nl.ATTR_WIPHY_TX_POWER_LEVEL, u32(2000)),
                    ]
                    if entry["name"] == "wlan1" or with_ssid:
                        parts.append(attr(nl.ATTR_SSID, b"Example"))
                out.append(genl_msg(NL80211_ID, 0, 7, *parts))
            return [*out, done(0)]
        if command == nl.CMD_GET_STATION:
            if ifindex != 3:
                return [error(0, errno.EOPNOTSUPP)]
            out = []
            for s in stations:
                info = nested(
                    nl.ATTR_STA_INFO,
                    attr(nl.STA_INFO_CONNECTED_TIME, u32(s["connected"] // 10**9)),
                    attr(nl.STA_INFO_INACTIVE_TIME, u32(s["inactive"] // 10**6)),
                    attr(nl.STA_INFO_SIGNAL, s8(s["signal"])),
                    attr(nl.STA_INFO_SIGNAL_AVG, s8(s["signal"] - 1)),
                    nested(
                        nl.STA_INFO_RX_BITRATE,
                        attr(nl.RATE_INFO_BITRATE32, u32(s["receivebitrate"] // 100_000)),
                    ),
                    nested(
                        nl.STA_INFO_TX_BITRATE,
                        attr(nl.RATE_INFO_BITRATE, u16(s["transmitbitrate"] // 100_000)),
                    ),
                    attr(nl.STA_INFO_TX_RETRIES, u32(s["transmitretries"])),
                    attr(nl.STA_INFO_TX_FAILED, u32(s["transmitfailed"])),
                    attr(nl.STA_INFO_BEACON_LOSS, u32(s["beaconloss"])),
                    attr(nl.STA_INFO_RX_BYTES64, (2**33).to_bytes(8, BO)),
                    attr(nl.STA_INFO_TX_BYTES, u32(1234)),
                    attr(nl.STA_INFO_RX_PACKETS, u32(5)),
                    attr(nl.STA_INFO_TX_PACKETS, u32(6)),
                )
                out.append(
                    genl_msg(
                        NL80211_ID,
                        0,
                        19,
                        attr(nl.ATTR_IFINDEX, u32(3)),
                        attr(nl.ATTR_MAC, _mac(s["hardwareaddr"])),
                        info,
                    )
                )
            return [*out, done(0)]
        if command == nl.CMD_GET_SURVEY:
            return [
                genl_msg(
                    NL80211_ID,
                    0,
                    51,
                    nested(
                        nl.ATTR_SURVEY_INFO,
                        attr(nl.SURVEY_INFO_FREQUENCY, u32(2412)),
                        attr(nl.SURVEY_INFO_NOISE, s8(-95)),
                        attr(nl.SURVEY_INFO_IN_USE, b""),
                    ),
                ),
                genl_msg(
                    NL80211_ID,
                    0,
                    51,
                    nested(
                        nl.ATTR_SURVEY_INFO,
                        attr(nl.SURVEY_INFO_FREQUENCY, u32(2437)),
                        attr(nl.SURVEY_INFO_NOISE, s8(-80)),
                    ),
                ),
                done(0),
            ]
        if command == nl.CMD_GET_SCAN:
            ies = bytes([0, len(bss["ssid"])]) + bss["ssid"].encode() + bytes([1, 1, 0x82])
            return [
                genl_msg(
                    NL80211_ID,
                    0,
                    34,
                    nested(
                        nl.ATTR_BSS,
                        attr(nl.BSS_BSSID, _mac(bss["bssid"])),
                        attr(nl.BSS_FREQUENCY, u32(2412)),
                        attr(nl.BSS_STATUS, u32(bss["status"])),
                        attr(nl.BSS_INFORMATION_ELEMENTS, ies),
                    ),
                ),
                done(0),
            ]
        return [error(0, errno.EOPNOTSUPP)]

    return handle


# --- /proc/net/wireless --------------------------------------------------------------------


def test_proc_net_wireless(pf_tree: Tree) -> None:
    lines = parse_wireless((pf_tree.proc / "net" / "wireless").read_bytes(), "wireless")
    assert lines == {
        "wlan0": WirelessLine("wlan0", 0x1, 2.0, 3.0, 4.0, 5, 6, 7, 8, 9, 10),
        "wlan1": WirelessLine("wlan1", 0x10, 9.0, 8.0, 7.0, 6, 5, 4, 3, 2, 1),
    }


def test_proc_net_wireless_dbm_and_invalid_noise() -> None:
    data = (
        b"Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n"
        b" face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n"
        b"wlp2s0: 0000   58.  -52.  -256        0      0      0      3     17        0\n"
    )
    (line,) = parse_wireless(data, "wireless").values()
    assert (line.link, line.level, line.noise, line.retry, line.misc) == (58.0, -52.0, None, 3, 17)


@pytest.mark.parametrize(
    "data",
    [
        b"h\nh\nwlan0 0000 1. 2. 3. 0 0 0 0 0 0\n",
        b"h\nh\nwlan0: 0000 1. 2.\n",
        b"h\nh\nwlan0: zz 1. 2. 3. 0 0 0 0 0 0\n",
        b"h\nh\nwlan0: 0000 x. 2. 3. 0 0 0 0 0 0\n",
        b"h\nh\n\xff\n",
    ],
)
def test_proc_net_wireless_malformed(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_wireless(data, "wireless")


def test_read_wifi_from_tree(pf_tree: Tree) -> None:
    wifi = read_wifi(pf_tree.roots)
    assert [w.interface for w in wifi] == ["wlan0", "wlan1"]
    w0 = wifi[0]
    assert (w0.signal_dbm, w0.noise_dbm) == (3.0, 4.0)
    assert w0.quality_percent == pytest.approx(100 * 2 / 70)
    assert w0.discarded is not None and w0.discarded.missed_beacons == 10
    assert (
        w0.ssid is None and w0.frequency_hertz is None
    )  # nl80211 is not asked about a captured tree


# --- nl80211 through a fake socket ------------------------------------------------------------


@pytest.mark.parametrize("split", [False, True])
def test_nl80211_node_exporter_fixture(pf_tree: Tree, split: bool) -> None:
    fake = FakeGenl(ne_wifi_handler(), split=split)
    wifi = {w.interface: w for w in read_wifi(pf_tree.roots, transport=fake)}
    assert sorted(wifi) == ["wlan0", "wlan1"]  # the P2P device (type 10) has no netdev
    w0 = wifi["wlan0"]
    assert w0.index == 3 and w0.mode == "station" and w0.mac == "02:00:00:00:00:03"
    assert w0.ssid == "Example"  # from the scan: this interface reported no SSID
    assert w0.bssid == "aa:bb:cc:dd:ee:ff"  # the station the client is associated with
    assert w0.frequency_hertz == 2412e6 and w0.channel == 1 and w0.band == "2.4GHz"
    assert w0.channel_width_hertz == 20e6 and w0.tx_power_dbm == 20.0
    assert w0.signal_dbm == -52.0 and w0.signal_avg_dbm == -53.0 and w0.noise_dbm == -95.0
    assert w0.tx_bits_per_second == 164e6 and w0.rx_bits_per_second == 128e6
    assert w0.connected_time == 30.0
    assert w0.quality_percent == pytest.approx(100 * 2 / 70)  # /proc/net/wireless link 2
    assert w0.station is not None
    assert (w0.station.tx_retries, w0.station.tx_failed, w0.station.beacon_loss) == (10, 2, 1)
    assert w0.station.inactive_time == pytest.approx(0.4)
    assert (w0.station.rx_bytes, w0.station.tx_bytes) == (2**33, 1234)
    assert (w0.station.rx_packets, w0.station.tx_packets) == (5, 6)
    w1 = wifi["wlan1"]
    assert w1.mode == "ap" and w1.ssid == "Example" and w1.bssid is None
    assert w1.station is None  # the station dump was refused for this interface
    assert w1.signal_dbm == 8.0  # falls back to /proc/net/wireless
    commands = [c for t, c in fake.requests if t == NL80211_ID]
    assert commands.count(nl.CMD_GET_SCAN) == 1  # only wlan0 lacked an SSID


def test_nl80211_absent(pf_tree: Tree) -> None:
    def handler(msg_type: int, command: int, attrs: dict[int, bytes]) -> list[bytes]:
        return [error(0, errno.ENOENT)]

    assert query_nl80211(FakeGenl(handler)) == {}
    wifi = read_wifi(pf_tree.roots, transport=FakeGenl(handler))
    assert [w.interface for w in wifi] == ["wlan0", "wlan1"]


def test_no_wifi_at_all(tmp_path: Path) -> None:
    roots = Roots(procfs=str(tmp_path / "proc"), sysfs=str(tmp_path / "sys"))
    assert read_wifi(roots) == ()


def test_signal_quality_without_proc_file(tmp_path: Path) -> None:
    fake = FakeGenl(ne_wifi_handler(with_ssid=True))
    roots = Roots(procfs=str(tmp_path / "proc"), sysfs=str(tmp_path / "sys"))
    w0 = read_wifi(roots, transport=fake)[0]
    # -52 dBm on cfg80211's -110..-40 scale: (-52 + 110) / 70
    assert w0.quality_percent == pytest.approx(100 * 58 / 70)
    assert w0.discarded is None
    assert nl.CMD_GET_SCAN not in [c for t, c in fake.requests if t == NL80211_ID]


def test_kernel_error_raises() -> None:
    fake = FakeGenl(lambda t, c, a: [error(0, errno.EPERM)])
    with pytest.raises(OSError) as info:
        nlsock.genl_request(fake, NL80211_ID, 5, b"", "x", dump=True)
    assert info.value.errno == errno.EPERM


def test_dump_interrupted() -> None:
    def handler(t: int, c: int, a: dict[int, bytes]) -> list[bytes]:
        return [
            genl_msg(NL80211_ID, 0, 7, flags=2 | nlp.NLM_F_DUMP_INTR),
            done(0),
        ]

    with pytest.raises(OSError) as info:
        nlsock.genl_request(FakeGenl(handler), NL80211_ID, 5, b"", "x", dump=True)
    assert info.value.errno == errno.EINTR


@pytest.mark.parametrize(
    ("freq", "expected"),
    [
        (2412, (1, "2.4GHz")),
        (2437, (6, "2.4GHz")),
        (2472, (13, "2.4GHz")),
        (2484, (14, "2.4GHz")),
        (5180, (36, "5GHz")),
        (5825, (165, "5GHz")),
        (4920, (184, "5GHz")),
        (5955, (1, "6GHz")),
        (5935, (2, "6GHz")),
        (6115, (33, "6GHz")),
        (58320, (1, "60GHz")),
        (915, (None, "900MHz")),
        (100, (None, None)),
    ],
)
def test_channels(freq: int, expected: tuple[int | None, str | None]) -> None:
    assert nl.channel_of(freq) == expected


def test_decoders_edge_cases() -> None:
    assert nl.format_mac(b"\x01\x02") is None
    assert nl.decode_ssid(b"") is None
    assert nl.ssid_from_ies(bytes([0, 0])) is None  # hidden network
    assert nl.ssid_from_ies(bytes([0, 9, 65])) is None  # truncated element
    assert nl.decode_station({}) is None
    assert nl.decode_survey({}) is None
    assert nl.decode_bss({}) is None
    assert nl.decode_bitrate(None) is None
    iface = nl.decode_interface({})
    assert iface.name is None and iface.frequency is None and iface.channel_width is None


# --- fuzzing -----------------------------------------------------------------------------------


@settings(max_examples=300)
@given(st.binary(max_size=500))
def test_fuzz_wireless(data: bytes) -> None:
    for blob in (data, b"h\nh\n" + data):
        try:
            parse_wireless(blob, "fuzz")
        except ParseError:
            pass


@settings(max_examples=300)
@given(st.binary(max_size=300), st.integers(0, 400))
def test_fuzz_nl80211_decoders(data: bytes, kind: int) -> None:
    attrs = {kind: data, nl.ATTR_STA_INFO: data, nl.ATTR_SURVEY_INFO: data, nl.ATTR_BSS: data}
    for decode in (nl.decode_interface, nl.decode_station, nl.decode_survey, nl.decode_bss):
        try:
            decode(attrs)  # type: ignore[operator]
        except ParseError:
            pass
    nl.ssid_from_ies(data)


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_fuzz_netlink_framing(data: bytes) -> None:
    try:
        for message in nlp.iter_messages(data, "fuzz"):
            nlp.parse_attrs(message.payload, "fuzz")
    except ParseError:
        pass
    try:
        nlp.parse_attrs(data, "fuzz")
    except ParseError:
        pass


# --- this machine ------------------------------------------------------------------------------


@pytest.mark.live
def test_live_wifi_matches_sysfs() -> None:
    wireless = sorted(
        name
        for name in os.listdir("/sys/class/net")
        if os.path.isdir(f"/sys/class/net/{name}/wireless")
        or os.path.exists(f"/sys/class/net/{name}/phy80211")
    )
    found = [w.interface for w in dm.wifi()]
    assert set(wireless) <= set(found)
    if not wireless and not os.path.exists("/proc/net/wireless"):
        assert found == []  # no Wi-Fi: an empty list, not an error


@pytest.mark.live
def test_live_genetlink_resolution() -> None:
    with nlsock.NetlinkSocket(nlsock.NETLINK_GENERIC) as sock:
        assert nlsock.resolve_family(sock, "nlctrl") == nlsock.GENL_ID_CTRL
        assert nlsock.resolve_family(sock, "nosuchfamily") is None
