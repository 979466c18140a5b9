"""DRM cards in sysfs, their hwmon sensors, and GPU product names.

Shared by the amdgpu and Intel collectors. ``/sys/class/drm`` holds cards (``card0``, ``card12``)
and their connectors (``card1-DP-1``); only ``card<N>`` entries are cards. Card numbers are not
stable across boots, so cards are keyed and ordered by PCI address.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.memo import Memo, MemoSpec
from darwin_metrics.linux.parsers.gpu import (
    is_pci_address,
    lookup_pci_ids,
    parse_amdgpu_ids,
    parse_int_attr,
    parse_link_speed,
    parse_pci_id,
    parse_uevent,
)

_CARD = re.compile(r"card([0-9]+)")

#: Where libdrm's AMD product-name table is installed.
AMDGPU_IDS_PATHS = ("/usr/share/libdrm/amdgpu.ids", "/opt/amdgpu/share/libdrm/amdgpu.ids")
#: Where the PCI id database is installed (hwdata, pciutils).
PCI_IDS_PATHS = ("/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids", "/usr/share/pci.ids")


class DrmCard(msgspec.Struct, frozen=True):
    """One DRM card: ``path`` is ``…/class/drm/cardN``, ``device`` its ``device`` directory."""

    name: str
    number: int
    path: str
    device: str
    driver: str | None
    pci_address: str | None
    vendor_id: int | None
    device_id: int | None
    revision: int | None

    def attr(self, *parts: str) -> str:
        """A path under the card's device directory."""
        return os.path.join(self.device, *parts)

    @property
    def runtime_suspended(self) -> bool | None:
        """True when the device is runtime-suspended (reading its sensors would wake it); ``None``
        when the kernel does not say (no ``power/runtime_status``)."""
        status = fs.read_attr(self.attr("power", "runtime_status"))
        return None if not status else status == "suspended"


def list_cards(roots: Roots, drivers: Sequence[str]) -> list[DrmCard]:
    """The DRM cards bound to one of ``drivers``, ordered by PCI address then card number."""
    base = roots.sys("class", "drm")
    cards = []
    for entry in fs.listdir(base):
        m = _CARD.fullmatch(entry)
        if m is None:
            continue
        card = _read_card(os.path.join(base, entry), entry, int(m.group(1)))
        if card is not None and card.driver in drivers:
            cards.append(card)
    cards.sort(key=lambda c: (c.pci_address is None, c.pci_address or "", c.number))
    return cards


def _read_card(path: str, name: str, number: int) -> DrmCard | None:
    device = os.path.join(path, "device")
    if not os.path.isdir(device):
        return None
    uevent = _uevent(os.path.join(device, "uevent"))
    driver = _link_name(os.path.join(device, "driver")) or uevent.get("DRIVER")
    address = os.path.basename(os.path.realpath(device))
    if not is_pci_address(address):
        address = uevent.get("PCI_SLOT_NAME", "")
    vendor_id, device_id = _pci_ids(device, uevent)
    return DrmCard(
        name=name,
        number=number,
        path=path,
        device=device,
        driver=driver,
        pci_address=address.lower() if is_pci_address(address) else None,
        vendor_id=vendor_id,
        device_id=device_id,
        revision=hex_attr(os.path.join(device, "revision")),
    )


def _uevent(path: str) -> dict[str, str]:
    text = fs.read_attr(path)
    if text is None:
        return {}
    try:
        return parse_uevent(text, path)
    except ParseError:
        return {}


def _link_name(path: str) -> str | None:
    try:
        return os.path.basename(os.readlink(path)) or None
    except OSError:
        return None


def _pci_ids(device: str, uevent: dict[str, str]) -> tuple[int | None, int | None]:
    vendor = hex_attr(os.path.join(device, "vendor"))
    dev = hex_attr(os.path.join(device, "device"))
    if (vendor is None or dev is None) and ":" in uevent.get("PCI_ID", ""):
        v, _, d = uevent["PCI_ID"].partition(":")
        try:
            vendor, dev = int(v, 16), int(d, 16)
        except ValueError:
            pass
    return vendor, dev


def hex_attr(path: str) -> int | None:
    """A ``0x…`` sysfs attribute, or ``None`` when absent or malformed."""
    text = fs.read_attr(path)
    if not text:
        return None
    try:
        return parse_pci_id(text, path)
    except ParseError:
        return None


def int_attr(path: str) -> int | None:
    """A decimal sysfs attribute, or ``None`` when absent, empty or malformed."""
    text = fs.read_attr(path)
    if not text:
        return None
    try:
        return parse_int_attr(text, path)
    except ParseError:
        return None


def text_attr(path: str) -> str | None:
    """A text attribute, stripped; ``None`` when absent or empty."""
    text = fs.read_attr(path)
    return text or None


def link_generation(path: str) -> int | None:
    """The PCIe generation in a ``*_link_speed`` attribute, or ``None``."""
    text = fs.read_attr(path)
    if not text:
        return None
    try:
        return parse_link_speed(text, path)
    except ParseError:
        return None


# --- hwmon --------------------------------------------------------------------------------------


class GpuHwmon(msgspec.Struct, frozen=True):
    """What a GPU's hwmon directory reports, in SI units (°C, W, J, RPM, percent, Hz)."""

    temperature: float | None = None
    temperature_junction: float | None = None
    temperature_memory: float | None = None
    temperature_slowdown: float | None = None
    temperature_shutdown: float | None = None
    power_draw: float | None = None
    power_limit: float | None = None
    energy: float | None = None
    fan_speed: float | None = None
    fan_percent: float | None = None
    clock_graphics: int | None = None
    clock_memory: int | None = None


#: hwmon temperature labels → role: 1 the GPU (amdgpu ``edge``, xe ``pkg``), 2 the hotspot
#: (amdgpu ``junction``), 3 memory (amdgpu ``mem``, xe ``vram``). Unlabelled channels go by number.
_TEMP_LABELS = {"edge": 1, "pkg": 1, "gpu": 1, "junction": 2, "hotspot": 2, "mem": 3, "vram": 3}
_PWM_MAX = 255


def read_gpu_hwmon(card: DrmCard) -> GpuHwmon:
    """The first hwmon directory under the card's device (``device/hwmon/hwmonN``)."""
    base = card.attr("hwmon")
    for entry in fs.listdir(base):
        if entry.startswith("hwmon"):
            return _read_hwmon(os.path.join(base, entry))
    return GpuHwmon()


def _read_hwmon(d: str) -> GpuHwmon:
    def p(name: str) -> str:
        return os.path.join(d, name)

    temps: dict[int, int] = {}  # role (1 edge, 2 junction, 3 mem) → channel number
    for entry in fs.listdir(d):
        m = re.fullmatch(r"temp([0-9]+)_input", entry)
        if m is None:
            continue
        channel = int(m.group(1))
        label = (fs.read_attr(p(f"temp{channel}_label")) or "").lower()
        role = _TEMP_LABELS.get(label, channel if not label else 0)
        if role in (1, 2, 3) and role not in temps:
            temps[role] = channel

    def milli(channel: int | None, suffix: str) -> float | None:
        if channel is None:
            return None
        v = int_attr(p(f"temp{channel}_{suffix}"))
        return None if v is None else v / 1000

    power = int_attr(p("power1_average"))
    if power is None:
        power = int_attr(p("power1_input"))
    cap = int_attr(p("power1_cap"))
    if cap is None:
        cap = int_attr(p("power1_max"))
    energy = int_attr(p("energy1_input"))
    pwm = int_attr(p("pwm1"))
    fan = int_attr(p("fan1_input"))
    return GpuHwmon(
        temperature=milli(temps.get(1), "input"),
        temperature_junction=milli(temps.get(2), "input"),
        temperature_memory=milli(temps.get(3), "input"),
        temperature_slowdown=milli(temps.get(1), "crit"),
        temperature_shutdown=milli(temps.get(1), "emergency"),
        power_draw=None if power is None else power / 1e6,
        power_limit=None if cap is None or cap <= 0 else cap / 1e6,
        energy=None if energy is None else energy / 1e6,
        fan_speed=None if fan is None else float(fan),
        fan_percent=None if pwm is None else min(max(pwm, 0), _PWM_MAX) * 100 / _PWM_MAX,
        clock_graphics=int_attr(p("freq1_input")),
        clock_memory=int_attr(p("freq2_input")),
    )


# --- product names ------------------------------------------------------------------------------


class GpuNames:
    """Product names from libdrm's ``amdgpu.ids`` and the ``pci.ids`` database, read on first use.

    These are name databases installed with the system, not machine state, so they are read from
    the host even when the backend reads a captured tree. Missing files simply give no name.
    """

    def __init__(
        self,
        amdgpu_ids: Sequence[str] = AMDGPU_IDS_PATHS,
        pci_ids: Sequence[str] = PCI_IDS_PATHS,
    ) -> None:
        self._amdgpu_paths = tuple(amdgpu_ids)
        self._pci_paths = tuple(pci_ids)
        self._amdgpu: dict[tuple[int, int], str] | None = None
        self._pci_text: str | None = None
        #: (vendor, device) → (name or None,): every card's lookup, bounded.
        self._names: Memo[tuple[int, int], tuple[str | None]] = Memo("drm.pci_names", 256)
        self._lock = threading.Lock()

    def amd(self, device_id: int, revision: int | None) -> str | None:
        """The marketing name of an AMD GPU by PCI device id and revision."""
        with self._lock:
            if self._amdgpu is None:
                text = _first_text(self._amdgpu_paths)
                self._amdgpu = parse_amdgpu_ids(text) if text else {}
            table = self._amdgpu
        if revision is not None and (device_id, revision) in table:
            return table[(device_id, revision)]
        return None

    def pci(self, vendor_id: int, device_id: int) -> str | None:
        """The ``pci.ids`` device name, e.g. ``"HD Graphics 630"``."""
        key = (vendor_id, device_id)
        with self._lock:
            found = self._names.get(key)
            if found is None:
                if self._pci_text is None:
                    self._pci_text = _first_text(self._pci_paths) or ""
                found = lookup_pci_ids(self._pci_text, vendor_id, device_id)[1:]
                self._names.put(key, found)
            return found[0]


def _first_text(paths: Sequence[str]) -> str | None:
    for path in paths:
        data = fs.read_optional(path)
        if data is not None:
            return data.decode("utf-8", "replace")
    return None


#: The name database of a backend, loaded on its first GPU name.
_NAMES: MemoSpec[str, GpuNames] = MemoSpec("drm.names", maxsize=1)


def default_names(roots: Roots) -> GpuNames:
    """The name database (the system's ``amdgpu.ids`` and ``pci.ids``) of the backend that
    ``roots`` belongs to."""
    return _NAMES.of(roots).get_or_make("system", GpuNames)


def pci_label(vendor: str, card: DrmCard) -> str:
    """A fallback name such as ``"AMD GPU [1002:687f]"``."""
    if card.vendor_id is None or card.device_id is None:
        return f"{vendor} GPU"
    return f"{vendor} GPU [{card.vendor_id:04x}:{card.device_id:04x}]"
