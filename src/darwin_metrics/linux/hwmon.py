"""Discovery of hwmon chips (``/sys/class/hwmon/hwmonN``) shared by temperatures, fans, power and
control: each chip directory is listed once, and its temp/fan/pwm/power/energy files kept.

A chip's attributes usually live in ``hwmonN/``; older drivers (applesmc) put them in
``hwmonN/device/``. Both are merged, the hwmon directory winning. ``hwmonN`` numbers change across
boots, so each chip gets a stable id from its device (see
:func:`darwin_metrics.linux.parsers.sensors.chip_id`).
"""

from __future__ import annotations

import os
from collections import Counter
from itertools import groupby

import msgspec

from darwin_metrics.lazylog import get_logger
from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots, read_text, read_value
from darwin_metrics.linux.parsers.sensors import chip_id, split_attribute

log = get_logger(__name__)

__all__ = [
    "HwmonChip",
    "collect_attributes",
    "list_chips",
    "natural_key",
    "read_text",
    "read_value",
    "real_device",
]


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``hwmon2`` before ``hwmon10``."""
    key: list[tuple[int, int | str]] = []
    for digits, chars in groupby(name, "0123456789".__contains__):
        run = "".join(chars)
        key.append((0, int(run)) if digits else (1, run))
    return tuple(key)


class HwmonChip(msgspec.Struct, frozen=True):
    """One hwmon chip: where it is, what it is called, and its temp/fan/pwm/power/energy files.

    ``attributes`` maps ``(type, index)`` (``("temp", 1)``) to ``{property: path}``, where the
    property is the part after the underscore (``input``, ``crit``; ``""`` for a bare ``pwm1``).
    """

    directory: str
    ident: str
    name: str | None
    device: str | None
    attributes: dict[tuple[str, int], dict[str, str]] = msgspec.field(default_factory=dict)

    def channels(self, kind: str) -> list[int]:
        """The indices of ``kind`` (``temp``, ``fan``, ``pwm``, ``power``, ``energy``)
        attributes, ascending."""
        return sorted(i for (t, i) in self.attributes if t == kind)

    def files(self, kind: str, index: int) -> dict[str, str]:
        """``{property: path}`` of one channel (empty when it has none)."""
        return self.attributes.get((kind, index), {})


def _collect(
    directory: str, into: dict[tuple[str, int], dict[str, str]], *, files_only: bool = False
) -> None:
    for entry in fs.listdir(directory):
        parts = split_attribute(entry)
        if parts is None:
            continue
        path = os.path.join(directory, entry)
        if files_only and os.path.isdir(path):
            continue
        kind, index, prop = parts
        into.setdefault((kind, index), {}).setdefault(prop, path)


def collect_attributes(directory: str, device: str | None) -> dict[tuple[str, int], dict[str, str]]:
    """The temp/fan/pwm/power/energy attribute files of a chip directory and of its device
    directory (old layout), keyed by ``(type, index)``; the chip directory wins."""
    attributes: dict[tuple[str, int], dict[str, str]] = {}
    _collect(directory, attributes)
    if device is not None:
        _collect(device, attributes, files_only=True)
    return attributes


def real_device(directory: str) -> str | None:
    """The real path of ``directory/device``; ``None`` when there is no (working) link."""
    link = os.path.join(directory, "device")
    if not os.path.exists(link):
        return None
    return os.path.realpath(link)


def list_chips(roots: Roots) -> list[HwmonChip]:
    """Every hwmon chip under ``class/hwmon``, in ``hwmonN`` order, each listed once."""
    base = roots.sys("class", "hwmon")
    found: list[tuple[str, str | None, str | None]] = []
    seen: set[str] = set()
    for entry in sorted(fs.listdir(base), key=natural_key):
        directory = os.path.realpath(os.path.join(base, entry))
        if directory in seen or not os.path.isdir(directory):
            continue
        seen.add(directory)
        device = real_device(directory)
        name = read_text(os.path.join(directory, "name"))
        if name is None and device is not None:
            name = read_text(os.path.join(device, "name"))
        found.append((directory, device, name))
    per_device = Counter(device for _, device, _ in found if device is not None)
    chips = []
    for directory, device, name in found:
        attributes = collect_attributes(directory, device)
        shared = device is not None and per_device[device] > 1
        ident = chip_id(device, name, directory, shared=shared)
        chips.append(HwmonChip(directory, ident, name, device, attributes))
    return chips
