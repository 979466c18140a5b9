"""SMC decoders on the captured key dumps (M1 MacBookPro17,1; Intel MacBookPro15,1 T2,
MacBookAir9,1 T2, MacBookPro11,3, iMac14,1): payload types, per-key byte order on Apple Silicon
(checked against the same Mac's AppleSmartBattery registry node), temperature classification and
the fan keys. The dumpers' printed values are only trusted where SOURCES.md says they are right
(sp78/sp87 of the MacBookAir9,1 dump, fpe2 of the MacBookPro11,3 dump)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.darwin.decode import smc
from darwin_metrics.errors import ParseError
from tests.darwin import formats

M1 = "darwindumped_MacBookPro17-1_M1_macOS11_smc_keys_dump.txt"
MBP15 = "darwindumped_MacBookPro15-1_intel_T2_macOS10.14_smc_keys_dump.txt"
MBA9 = "darwindumped_MacBookAir9-1_intel_T2_macOS11_smc_keys_dump_decoded.txt"
MBP11 = "darwindumped_MacBookPro11-3_intel_macOS10.10_smc_keys_dump_fpe2.txt"
IMAC14 = "darwindumped_iMac14-1_intel_macOS10.11_smc_keys_dump_sp96.txt"


def dump(root: Path, name: str) -> dict[str, tuple[str, bytes]]:
    return {k: (t, raw) for k, (t, raw, _) in formats.smc_dump(root / name).items()}


def test_key_packing() -> None:
    assert smc.pack_key("TC0P") == 0x54433050
    assert smc.pack_key("#KEY") == 0x234B4559
    assert smc.pack_key("flt ") == 0x666C7420
    assert smc.unpack_key(0x75693136) == "ui16"
    for bad in ("TC0", "TC0PX", "TÇ0P"):
        with pytest.raises(ValueError):
            smc.pack_key(bad)


def test_m1_values(darwin_fixtures: Path) -> None:
    keys = dump(darwin_fixtures, M1)
    # The dumper's count: 1433 keys listed; #KEY is big-endian even on Apple Silicon.
    assert smc.key_value("#KEY", *keys["#KEY"], apple_silicon=True) == 1433
    assert len(keys) == 1422  # the dumper listed fewer keys than #KEY says
    assert smc.value(*keys["F0Mx"]) == 7199.0
    assert smc.value(*keys["F0Mn"]) == 1199.0
    assert smc.value(*keys["TB0T"]) == pytest.approx(33.30, abs=0.005)
    assert smc.value(*keys["PSTR"]) == pytest.approx(18.124, abs=0.001)
    assert smc.value(*keys["FNum"]) == 1


def test_m1_integer_byte_order_matches_the_registry(darwin_fixtures: Path) -> None:
    keys = dump(darwin_fixtures, M1)
    battery = formats.ioregviewer(
        darwin_fixtures
        / "darwindumped_MacBookPro17-1_M1_ioreg_AppleSmartBattery.ioregviewer.json.txt"
    )

    def read(key: str) -> object:
        return smc.key_value(key, *keys[key], apple_silicon=True)

    assert read("B0CT") == battery["CycleCount"] == 10
    assert read("B0DC") == battery["DesignCapacity"] == 5103
    assert read("B0FC") == battery["AppleRawMaxCapacity"] == 5154
    assert abs(int(read("B0AV")) - battery["Voltage"]) <= 5  # type: ignore[call-overload]
    assert read("BRSC") == 100
    # Read big-endian (the dumper's mistake) they are absurd: the table matters.
    assert smc.key_value("B0CT", *keys["B0CT"], apple_silicon=False) == 2560


def test_intel_t2_values(darwin_fixtures: Path) -> None:
    keys = dump(darwin_fixtures, MBP15)
    assert smc.value(*keys["TC0P"]) == 0x4320 / 256  # sp78: 67.125 °C
    assert smc.value(*keys["TB0T"]) == pytest.approx(30.898, abs=0.001)
    assert smc.value(*keys["PCPC"]) == 0x0D36 / 128  # sp87 watts
    assert smc.value(*keys["F0Ac"]) == pytest.approx(3171.55, abs=0.01)  # flt fans on T2
    assert smc.value(*keys["FNum"]) == 2


def test_printed_fixed_point_values(darwin_fixtures: Path) -> None:
    checked = 0
    for _key, (data_type, raw, printed) in formats.smc_dump(darwin_fixtures / MBA9).items():
        if data_type in ("sp78", "sp87"):
            assert f"{smc.value(data_type, raw):.2f}" == printed
            checked += 1
    assert checked == 42
    for _key, (data_type, raw, printed) in formats.smc_dump(darwin_fixtures / MBP11).items():
        if data_type == "fpe2":
            assert smc.value(data_type, raw) == int(printed)


def test_signed_fixed_point() -> None:
    assert smc.value("sp78", bytes.fromhex("ff00")) == -1.0  # sign-extended, not 255.0
    assert smc.value("sp96", bytes.fromhex("0413")) == 0x413 / 64
    assert smc.value("sp1e", bytes.fromhex("4000")) == 1.0
    assert smc.value("fpe2", bytes.fromhex("ffff")) == 0xFFFF / 4
    assert smc.value("si16", bytes.fromhex("fffe")) == -2
    assert smc.value("ui16", bytes.fromhex("0a00"), little_endian=True) == 10
    assert smc.value("flag", b"\x01") is True
    assert smc.value("ch8*", b"abc\0zz") == "abc"
    assert smc.value("hex_", b"\x01") is None  # not a number this code decodes
    assert smc.value("flt ", struct.pack("<f", float("nan"))) is None
    with pytest.raises(ParseError):
        smc.value("sp78", b"\x01")
    with pytest.raises(ParseError):
        smc.value("flt ", b"\0\0\0")


def test_fan_names_from_descriptors(darwin_fixtures: Path) -> None:
    keys = dump(darwin_fixtures, MBP11)
    wanted = (*smc.fan_keys(0), *smc.fan_keys(1), smc.FORCED_MASK_KEY)
    values = {k: smc.value(*keys[k]) for k in wanted if k in keys}
    left, right = smc.fan(0, values), smc.fan(1, values)
    assert (left.name, left.label, left.rpm, left.min_rpm, left.max_rpm) == (
        "fan1", "Left side", 4295, 2160, 6156,
    )  # fmt: skip
    assert (left.target_rpm, left.mode, left.path) == (4333, "automatic", "smc:F0")
    assert (right.label, right.rpm) == ("Right side", 3974)
    assert smc.fan(1, {"FS! ": 0b10}).mode == "manual"  # bit 1: fan 1 forced
    imac = dump(darwin_fixtures, IMAC14)
    main = smc.fan(0, {k: smc.value(*imac[k]) for k in smc.fan_keys(0) if k in imac})
    assert (main.label, main.rpm, main.max_rpm) == ("Main", 1399, 2884)


def test_m1_and_t2_fans(darwin_fixtures: Path) -> None:
    m1 = dump(darwin_fixtures, M1)
    fan = smc.fan(0, {k: smc.value(*m1[k]) for k in smc.fan_keys(0) if k in m1})
    # Idle M1 MacBook Pro: the fan stands still; min/max from the flt keys.
    assert (fan.rpm, fan.min_rpm, fan.max_rpm, fan.target_rpm) == (0, 1199, 7199, 0)
    assert (fan.mode, fan.enable, fan.label, fan.controllable) == ("automatic", 0, None, False)
    t2 = dump(darwin_fixtures, MBP15)
    fans = [smc.fan(i, {k: smc.value(*t2[k]) for k in smc.fan_keys(i) if k in t2}) for i in (0, 1)]
    assert [(f.rpm, f.min_rpm, f.max_rpm) for f in fans] == [(3172, 2160, 5927), (2919, 2000, 5489)]
    # Newer Apple Silicon names the mode key in lower case.
    assert smc.fan(0, {"F0md": 1}).mode == "manual"
    assert smc.fan(0, {"F0Md": 1}, controllable=True).controllable is True


def test_temperatures_classified_and_filtered(darwin_fixtures: Path) -> None:
    intel = smc.temperatures(dump(darwin_fixtures, MBP15), apple_silicon=False)
    by_key = {s.sensor: s for s in intel.sensors}
    assert (by_key["TC0P"].kind, by_key["TC0P"].label, by_key["TC0P"].celsius) == (
        "cpu", "CPU proximity", 67.125,
    )  # fmt: skip
    assert by_key["TG0P"].kind == "gpu" and by_key["TB0T"].kind == "battery"
    assert by_key["Tm0P"].kind == "memory"
    assert all(0 < s.celsius <= 150 for s in intel.sensors)
    m1 = smc.temperatures(dump(darwin_fixtures, M1), apple_silicon=True)
    keys = {s.sensor for s in m1.sensors}
    assert {"TB0T", "TB1T", "TB2T", "TW0P"} <= keys
    assert "Ta1a" not in keys and m1.dropped >= 2  # 0.0 °C readings: absent sensors
    kinds = {s.sensor: s.kind for s in m1.sensors}
    assert kinds["TB0T"] == "battery"
    assert (kinds["Tp4z"], kinds["Te3z"]) == ("cpu", "cpu")  # discovered, not from a table
    assert {s.sensor: s.celsius for s in m1.sensors}["Tp4z"] == pytest.approx(81.531)
    assert all(s.chip == "smc" for s in m1.sensors)


def test_classification_by_prefix() -> None:
    assert smc.classify("Tp09", apple_silicon=True) == "cpu"
    assert smc.classify("Te05", apple_silicon=True) == "cpu"
    assert smc.classify("Tg0f", apple_silicon=True) == "gpu"
    assert smc.classify("TCGC", apple_silicon=False) == "gpu"
    assert smc.classify("TC1C", apple_silicon=False) == "cpu"
    assert smc.classify("TCMb", apple_silicon=True) == "other"  # TC* is not CPU on Apple Silicon
    scan = smc.temperatures(
        {"Tp01": ("flt ", struct.pack("<f", -9200.0)), "Tp05": ("flt ", struct.pack("<f", 151.0)),
         "Tp09": ("flt ", struct.pack("<f", 45.5)), "Tx00": ("ui8 ", b"\x10")},
        apple_silicon=True,
    )  # fmt: skip
    assert [(s.sensor, s.celsius) for s in scan.sensors] == [("Tp09", 45.5)]
    assert scan.dropped == 2


@given(st.sampled_from(["flt ", "sp78", "fpe2", "ui32", "si16", "flag", "ch8*", "{fds", "xyz "]),
       st.binary(max_size=40))  # fmt: skip
def test_fuzz_values(data_type: str, payload: bytes) -> None:
    try:
        smc.value(data_type, payload)
    except ParseError:
        pass


def test_power_rails(darwin_fixtures: Path) -> None:
    t2 = {r.name: r for r in smc.power_rails(dump(darwin_fixtures, MBP15))}
    assert t2["system"].watts == pytest.approx(struct.unpack("<f", bytes.fromhex("b41b0e42"))[0])
    assert t2["cpu-package"].watts == 0x0D36 / 128  # sp87
    assert (t2["gpu"].watts, t2["cpu-package"].domain, t2["system"].source) == (0.0, "cpu", "smc")
    m1 = {r.name: r.watts for r in smc.power_rails(dump(darwin_fixtures, M1))}
    assert set(m1) == {"system", "dc-in", "battery"}
    assert m1["dc-in"] == pytest.approx(struct.unpack("<f", bytes.fromhex("813d8b41"))[0])
    absurd = {"PSTR": ("flt ", struct.pack("<f", -3.0)), "PDTR": ("flt ", struct.pack("<f", 1e9))}
    assert smc.power_rails(absurd) == ()
