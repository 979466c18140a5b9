"""Lay the hand-made sensor fixtures (``tests/data/sensors/overlay``) over a copy of a captured tree.

The overlay adds what the captured node_exporter tree lacks (a plain ``pwm1`` on nct6779, trip
points, amdgpu / pwm-fan / faulty hwmon chips, throttle times); this module adds the symlinks the
kernel would create for them. See ``tests/data/sensors/README.md``: all of it is synthetic.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import HANDMADE, LINUX_FIXTURES, Tree

OVERLAY = HANDMADE / "sensors" / "overlay"
NCT_DIR = "devices/platform/nct6775.656/hwmon/hwmon3"
PWMFAN_DIR = "devices/platform/pwm-fan/hwmon/hwmon12"
AMDGPU_DIR = "devices/pci0000:00/0000:00:03.1/0000:0a:00.0/hwmon/hwmon13"
BROKEN_DIR = "devices/platform/broken.0/hwmon/hwmon14"
NVME_DIR = "devices/pci0000:00/0000:00:02.1/0000:01:00.0/nvme/nvme0/hwmon3"

#: ``class/hwmon`` entries added beside the captured hwmon0..10.
HWMON_LINKS = {
    "hwmon11": f"../../{NVME_DIR}",
    "hwmon12": f"../../{PWMFAN_DIR}",
    "hwmon13": f"../../{AMDGPU_DIR}",
    "hwmon14": f"../../{BROKEN_DIR}",
}
#: ``device`` links of the hand-made chips (relative to their hwmon directory).
DEVICE_LINKS = {PWMFAN_DIR: "../../../pwm-fan", AMDGPU_DIR: "../../../0000:0a:00.0"}


def install(tree: Tree) -> Tree:
    """Copy the overlay into ``tree`` (a writable copy) and create the kernel's links; returns it."""
    shutil.copytree(OVERLAY / "sys", tree.sys, dirs_exist_ok=True, symlinks=True)
    for name, target in HWMON_LINKS.items():
        os.symlink(target, tree.sys / "class" / "hwmon" / name)
    for directory, target in DEVICE_LINKS.items():
        os.symlink(target, tree.sys / directory / "device")
    os.symlink(
        "../../devices/virtual/thermal/thermal_zone1",
        tree.sys / "class" / "thermal" / "thermal_zone1",
    )
    return tree


def copy_tree(source: Tree, base: Path) -> Tree:
    """A writable copy of ``source`` under ``base`` (directories made writable, links kept)."""
    shutil.copytree(source.base, base, symlinks=True)
    for dirpath, dirnames, _ in os.walk(base):
        for d in dirnames:
            p = Path(dirpath) / d
            if not p.is_symlink():
                p.chmod(0o755)
    return Tree(
        base=base,
        roots=type(source.roots)(procfs=str(base / "proc"), sysfs=str(base / "sys")),
    )


_templates: dict[Path, Tree] = {}


def template(ne_tree: Tree, factory: pytest.TempPathFactory) -> Tree:
    """The node_exporter tree with the overlay installed, built once per session. Read it only:
    tests that write take :func:`fan_subset` copies of it."""
    if ne_tree.base not in _templates:
        base = factory.mktemp("sensor-template") / "ne"
        _templates[ne_tree.base] = install(copy_tree(ne_tree, base))
    return _templates[ne_tree.base]


#: The parts of the tree fan control touches: the hwmon class links and the platform chips
#: (nct6779, applesmc, asus, pwm-fan, the faulty it8728). Links into parts not copied dangle and
#: are skipped by the readers, as vanished chips are.
FAN_PARTS = ("sys/class/hwmon", "sys/devices/platform")


def fan_subset(source: Tree, base: Path, parts: tuple[str, ...] = FAN_PARTS) -> Tree:
    """A small writable copy of ``source`` holding only ``parts`` (and an empty proc)."""
    for part in parts:
        shutil.copytree(source.base / part, base / part, symlinks=True)
    (base / "proc").mkdir(parents=True, exist_ok=True)
    return Tree(
        base=base,
        roots=type(source.roots)(procfs=str(base / "proc"), sysfs=str(base / "sys")),
    )


def write(path: Path, value: object) -> None:
    """Write one sysfs-style attribute (value and a newline), atomically as sysfs does: a reader
    in another thread (a fan watchdog) never sees the file empty or half written."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(f"{value}\n")
    os.replace(temporary, path)


def read(path: Path) -> str:
    """One attribute's stripped text."""
    return path.read_text().strip()


ORACLE = LINUX_FIXTURES / "node_exporter" / "e2e-output.txt"
_LINE = re.compile(r"^(\w+)\{([^}]*)\} (\S+)$")


def oracle(metric: str) -> dict[tuple[tuple[str, str], ...], float]:
    """``{sorted label pairs: value}`` of one metric in node_exporter's e2e output."""
    if not ORACLE.exists():
        pytest.skip(f"oracle not found at {ORACLE}")
    found = {}
    for line in ORACLE.read_text().splitlines():
        match = _LINE.match(line)
        if match and match.group(1) == metric:
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', match.group(2))))
            found[labels] = float(match.group(3))
    return found
