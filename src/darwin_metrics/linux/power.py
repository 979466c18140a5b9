"""Power rails on Linux: RAPL (powercap), hwmon power and energy, batteries, GPUs.

One reading, no state and no sleeping: counter-based rails (RAPL ``energy_uj``, hwmon
``energyN_input``) report their cumulative ``joules``, and their average watts between two readings
are a rate the Sampler computes (:mod:`darwin_metrics.hwrates`). Rails with an instantaneous
reading (hwmon ``powerN_input``/``_average``, batteries, GPUs) report ``watts``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Sequence

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import fs
from darwin_metrics.linux.hwmon import HwmonChip, list_chips
from darwin_metrics.linux.parsers.powercap import parse_microunits, split_zone_name
from darwin_metrics.records.power import Power, PowerRail

NEEDS_ROOT = "needs root"


class _Counter(msgspec.Struct, frozen=True):
    """One energy counter reading: microjoules, its wrap range, and whether reading was denied."""

    key: str
    microjoules: int | None
    wrap_range: int | None
    denied: bool = False


def _read_energy(path: str) -> tuple[int | None, bool]:
    """(microjoules, denied) of an energy counter file; missing → (None, False)."""
    try:
        text = fs.read_file(path).decode("ascii", "replace")
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            return None, True
        if exc.errno in fs.MISSING_ERRNOS:
            return None, False
        raise
    return parse_microunits(text, path), False


def _rapl_zones(roots: fs.Roots) -> list[str]:
    base = roots.sys("class", "powercap")
    return [
        f"{base}/{name}"
        for name in fs.listdir(base)
        if name.startswith(("intel-rapl:", "intel-rapl-mmio:"))
    ]


def _rapl_counters(zones: list[str]) -> list[_Counter]:
    counters = []
    for zone in zones:
        try:
            uj, denied = _read_energy(f"{zone}/energy_uj")
            wrap = fs.read_attr_int(f"{zone}/max_energy_range_uj")
        except ParseError:
            uj, denied, wrap = None, False, None
        counters.append(_Counter(zone, uj, wrap, denied))
    return counters


class _PowerChip(msgspec.Struct, frozen=True):
    """An hwmon chip with power or energy sensors: ``power`` holds the ``{property: path}`` of
    each ``powerN`` sensor, ``energy`` those of each ``energyN`` counter, in index order."""

    name: str
    power: tuple[dict[str, str], ...]
    energy: tuple[dict[str, str], ...]


def _power_chips(listed: Sequence[HwmonChip]) -> list[_PowerChip]:
    """The hwmon chips with power or energy sensors, from the files their listing found (no
    chip directory is listed again)."""
    chips = []
    for chip in listed:
        power = tuple(chip.files("power", i) for i in chip.channels("power"))
        energy = tuple(
            files for i in chip.channels("energy") if "input" in (files := chip.files("energy", i))
        )
        if power or energy:
            chips.append(_PowerChip(name=chip.name or chip.ident, power=power, energy=energy))
    return chips


def _hwmon_counters(files: list[str]) -> list[_Counter]:
    counters = []
    for path in files:
        try:
            uj, denied = _read_energy(path)
        except ParseError:
            continue
        counters.append(_Counter(path, uj, None, denied))
    return counters


def _constraint_watts(zone: str, name: str) -> float | None:
    """The ``long_term`` constraint's ``name`` value (``power_limit_uw``/``max_power_uw``) in W."""
    for k in range(4):
        if fs.read_attr(f"{zone}/constraint_{k}_name") == "long_term":
            value = fs.read_attr_int(f"{zone}/constraint_{k}_{name}")
            return None if not value else value / 1e6
    return None


def _rapl_rail(counter: _Counter) -> PowerRail:
    zone = counter.key
    zone_name = fs.read_attr(f"{zone}/name") or os.path.basename(zone)
    domain, index = split_zone_name(zone_name)
    return PowerRail(
        name=zone_name,
        source="rapl",
        domain=domain,
        index=index,
        joules=None if counter.microjoules is None else counter.microjoules / 1e6,
        energy_range_joules=None if counter.wrap_range is None else counter.wrap_range / 1e6,
        limit_watts=_constraint_watts(zone, "power_limit_uw"),
        max_watts=_constraint_watts(zone, "max_power_uw"),
        unavailable_reason=NEEDS_ROOT if counter.denied else None,
        path=zone,
    )


def _sensor_base(path: str, suffix: str) -> str:
    """``.../power1`` from ``.../power1_input``: the sensor's path without its property."""
    return path[: -len(suffix) - 1]


def _hwmon_power_rails(chips: list[_PowerChip]) -> list[PowerRail]:
    """hwmon ``powerN_input``/``powerN_average`` (µW) rails, with ``powerN_cap`` as the limit."""
    rails = []
    for chip in chips:
        for files in chip.power:
            try:
                value = fs.read_attr_int(files.get("input"))
                prop = "input"
                if value is None:
                    value = fs.read_attr_int(files.get("average"))
                    prop = "average"
                cap = fs.read_attr_int(files.get("cap"))
                cap_max = fs.read_attr_int(files.get("cap_max"))
            except ParseError:
                continue
            if value is None:
                continue
            base = _sensor_base(files[prop], prop)
            sensor = os.path.basename(base)
            label = fs.read_text(files.get("label")) or sensor
            rails.append(
                PowerRail(
                    name=f"{chip.name}/{label}",
                    source="hwmon",
                    domain=label,
                    watts=value / 1e6,
                    limit_watts=None if not cap else cap / 1e6,
                    max_watts=None if not cap_max else cap_max / 1e6,
                    path=base,
                )
            )
    return rails


def _hwmon_energy_rail(counter: _Counter, files: dict[str, str], chip_name: str) -> PowerRail:
    sensor = os.path.basename(_sensor_base(counter.key, "input"))
    label = fs.read_text(files.get("label")) or sensor
    return PowerRail(
        name=f"{chip_name}/{label}",
        source="hwmon",
        domain=label,
        joules=None if counter.microjoules is None else counter.microjoules / 1e6,
        unavailable_reason=NEEDS_ROOT if counter.denied else None,
        path=counter.key,
    )


def read_power(
    roots: fs.Roots,
    *,
    extra_rails: Callable[[], Iterable[PowerRail]] | None = None,
    chips: Sequence[HwmonChip] | None = None,
) -> Power:
    """Every power rail this machine exposes, read once.

    ``extra_rails`` supplies rails from other families (batteries, GPUs); ``chips`` are the hwmon
    chips already listed for this reading (default: listed here).
    """
    powered = _power_chips(list_chips(roots) if chips is None else chips)
    energy = {files["input"]: (files, chip.name) for chip in powered for files in chip.energy}
    rails = [_rapl_rail(c) for c in _rapl_counters(_rapl_zones(roots))]
    hwmon = _hwmon_counters(list(energy))
    rails.extend(_hwmon_energy_rail(c, *energy[c.key]) for c in hwmon)
    rails.extend(_hwmon_power_rails(powered))
    if extra_rails is not None:
        rails.extend(extra_rails())
    return Power(rails=tuple(rails))
