"""Pure parsers for the DRM/GPU sysfs files and the GPU name databases.

Sources: the amdgpu driver documentation (``Documentation/gpu/amdgpu/thermal.rst``: ``pp_dpm_*``,
``mem_info_*``, ``gpu_busy_percent``, hwmon), the PCI sysfs ABI (``current_link_speed``), the
kernel's ``uevent`` format, libdrm's ``amdgpu.ids`` and the ``pci.ids`` database format.
Every function takes text and returns plain values, raising only
:class:`~darwin_metrics.errors.ParseError`.
"""

from __future__ import annotations

import re

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.fs import parse_int

_DPM_LINE = re.compile(r"([0-9]+|S):\s*([0-9]+)\s*([MmKkGg]?[Hh][Zz])\s*(\*)?")
_UNIT = {"hz": 1, "khz": 1_000, "mhz": 1_000_000, "ghz": 1_000_000_000}
_MAX_DIGITS = 12
_PCI_ADDRESS = re.compile(r"[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]")

#: PCIe transfer rate (GT/s) of each link generation.
_PCIE_GENERATIONS = {2.5: 1, 5.0: 2, 8.0: 3, 16.0: 4, 32.0: 5, 64.0: 6}


class DpmClock(msgspec.Struct, frozen=True):
    """An amdgpu ``pp_dpm_sclk``/``pp_dpm_mclk`` table: level frequencies (Hz) and the current one."""

    levels: tuple[int, ...]
    current: int | None

    @property
    def maximum(self) -> int | None:
        """The highest level's frequency in Hz."""
        return max(self.levels) if self.levels else None


def parse_dpm_clock(text: str, source: str) -> DpmClock:
    """Parse a ``pp_dpm_*`` clock table: lines ``N: 852Mhz`` with ``*`` on the current level.

    A deep-sleep level ``S: 19Mhz`` counts as a level. Blank lines are ignored; any other line, or a
    table without levels, is a ParseError.
    """
    levels: list[int] = []
    current: int | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        m = _DPM_LINE.fullmatch(line)
        if m is None or len(m.group(2)) > _MAX_DIGITS:
            raise ParseError(source, f"not a DPM level line: {line[:40]!r}")
        hz = int(m.group(2)) * _UNIT[m.group(3).lower()]
        levels.append(hz)
        if m.group(4):
            current = hz
    if not levels:
        raise ParseError(source, "no DPM levels")
    return DpmClock(levels=tuple(levels), current=current)


#: A sysfs attribute holding one decimal integer (optionally negative).
parse_int_attr = parse_int


def parse_link_speed(text: str, source: str) -> int | None:
    """PCIe generation from ``current_link_speed``/``max_link_speed`` (``"8.0 GT/s PCIe"`` → 3).

    ``"Unknown"`` (a link the kernel cannot read, such as a device in D3cold) and rates that are no
    PCIe generation give ``None``; text that is no link speed is a ParseError.
    """
    text = text.strip()
    if text.lower().startswith("unknown"):
        return None
    m = re.fullmatch(r"([0-9]{1,3}(?:\.[0-9]{1,2})?)\s*GT/s(?:\s+PCIe)?", text)
    if m is None:
        raise ParseError(source, f"not a PCIe link speed: {text[:40]!r}")
    return _PCIE_GENERATIONS.get(float(m.group(1)))


def parse_uevent(text: str, source: str) -> dict[str, str]:
    """A ``uevent`` file: ``KEY=value`` lines. Blank lines are skipped; others are a ParseError."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key or not key.replace("_", "").isalnum():
            raise ParseError(source, f"not a KEY=value line: {line[:40]!r}")
        values[key] = value
    return values


def parse_pci_id(text: str, source: str) -> int:
    """A PCI id attribute such as ``0x687f`` (``vendor``, ``device``, ``revision``)."""
    text = text.strip()
    if not re.fullmatch(r"0[xX][0-9a-fA-F]{1,8}", text):
        raise ParseError(source, f"not a hexadecimal PCI id: {text[:40]!r}")
    return int(text, 16)


def is_pci_address(name: str) -> bool:
    """True for a PCI device directory name such as ``0000:09:00.0``."""
    return _PCI_ADDRESS.fullmatch(name) is not None


def parse_amdgpu_ids(text: str) -> dict[tuple[int, int], str]:
    """libdrm's ``amdgpu.ids``: ``DEVICE,\\tREVISION,\\tNAME`` lines (hex ids) → names.

    Comments (``#``), the version line and malformed lines are skipped: this is a name database, not
    a kernel file, and one bad line must not hide the others.
    """
    names: dict[tuple[int, int], str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split(",", 2)
        if len(parts) != 3:
            continue
        device, revision, name = (p.strip() for p in parts)
        if not name or not _is_hex(device, 4) or not _is_hex(revision, 2):
            continue
        names.setdefault((int(device, 16), int(revision, 16)), name)
    return names


def lookup_pci_ids(text: str, vendor: int, device: int) -> tuple[str | None, str | None]:
    """``(vendor name, device name)`` from ``pci.ids`` text; either is ``None`` when not listed.

    Format: a vendor line ``vvvv  Name`` at column 0, its devices on lines ``\\tdddd  Name``
    (subsystems on ``\\t\\t`` lines, ignored). The ``C`` class section at the end is skipped.
    """
    want_vendor = f"{vendor:04x}"
    want_device = f"{device:04x}"
    vendor_name: str | None = None
    in_vendor = False
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith("\t"):
            if in_vendor or line.startswith("C "):
                break
            ident, _, name = line.partition(" ")
            if ident.lower() == want_vendor and _is_hex(ident, 4):
                in_vendor = True
                vendor_name = name.strip() or None
            continue
        if in_vendor and not line.startswith("\t\t"):
            ident, _, name = line[1:].partition(" ")
            if ident.lower() == want_device and _is_hex(ident, 4):
                return vendor_name, name.strip() or None
    return vendor_name, None


def _is_hex(text: str, width: int) -> bool:
    return len(text) == width and all(c in "0123456789abcdefABCDEF" for c in text)
