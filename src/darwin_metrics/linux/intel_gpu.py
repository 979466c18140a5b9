"""Intel GPUs (``i915`` and ``xe`` drivers) through DRM sysfs: name and frequencies.

Frequencies, in MHz in sysfs and hertz in the record:

- ``i915``: ``cardN/gt_cur_freq_mhz`` (requested, → ``clock_graphics``), ``gt_act_freq_mhz``
  (actual, → ``clock_graphics_actual``), ``gt_max_freq_mhz``/``gt_min_freq_mhz`` (the limits now set,
  → ``clock_graphics_max``/``_min``).
- ``xe``: ``cardN/device/tile0/gt0/freq0/{cur,act,max,min}_freq`` (the same four meanings).

These reads do not wake a sleeping GPU (the driver reports 0 as the actual frequency of an idle
one). Discrete cards' hwmon sensors (power limit, energy, temperature) are read as well, but not
while the device is runtime-suspended, because those reads would wake it.
"""

from __future__ import annotations

import os
from typing import Any

from darwin_metrics.linux.drm import (
    DrmCard,
    GpuNames,
    default_names,
    int_attr,
    list_cards,
    pci_label,
    read_gpu_hwmon,
)
from darwin_metrics.linux.fs import Roots
from darwin_metrics.records.gpu import GPU

DRIVERS = ("i915", "xe")

_I915_FREQS = {
    "graphics_hertz": "gt_cur_freq_mhz",
    "graphics_actual_hertz": "gt_act_freq_mhz",
    "graphics_max_hertz": "gt_max_freq_mhz",
    "graphics_min_hertz": "gt_min_freq_mhz",
}
_XE_FREQS = {
    "graphics_hertz": "cur_freq",
    "graphics_actual_hertz": "act_freq",
    "graphics_max_hertz": "max_freq",
    "graphics_min_hertz": "min_freq",
}


def read_intel_gpus(roots: Roots, names: GpuNames | None = None) -> tuple[GPU, ...]:
    """Every i915/xe card, ordered by PCI address; ``index`` counts from 0 in that order."""
    names = names or default_names(roots)
    return tuple(_read_card(card, i, names) for i, card in enumerate(list_cards(roots, DRIVERS)))


def _read_card(card: DrmCard, index: int, names: GpuNames) -> GPU:
    suspended = card.runtime_suspended
    fields: dict[str, Any] = {
        "index": index,
        "vendor": "intel",
        "name": _name(card, names),
        "device_index": card.number,
        "pci_bus_id": card.pci_address,
        "driver": card.driver,
        "suspended": suspended,
    }
    fields.update(_frequencies(card))
    if not suspended:
        hw = read_gpu_hwmon(card)
        fields.update(
            temperature_celsius=hw.temperature,
            memory_celsius=hw.temperature_memory,
            power_watts=hw.power_draw,
            power_limit_watts=hw.power_limit,
            energy_joules=hw.energy,
            fan_rpm=hw.fan_speed,
        )
    return GPU(**fields)


def _frequencies(card: DrmCard) -> dict[str, int | None]:
    if card.driver == "xe":
        base = os.path.join(card.device, "tile0", "gt0", "freq0")
        files = _XE_FREQS
    else:
        base = card.path
        files = _I915_FREQS
    result: dict[str, int | None] = {}
    for field, name in files.items():
        mhz = int_attr(os.path.join(base, name))
        result[field] = mhz * 1_000_000 if mhz is not None and mhz >= 0 else None
    return result


def _name(card: DrmCard, names: GpuNames) -> str:
    if card.vendor_id is not None and card.device_id is not None:
        name = names.pci(card.vendor_id, card.device_id)
        if name:
            return name
    return pci_label("Intel", card)
