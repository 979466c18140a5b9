"""AMD GPUs through the amdgpu driver's sysfs files (``/sys/class/drm/cardN/device``).

Read per card: ``gpu_busy_percent``, ``mem_busy_percent``, ``mem_info_{vram,vis_vram,gtt}_{total,
used}`` (bytes), the current and highest ``pp_dpm_sclk``/``pp_dpm_mclk`` levels (Hz),
``power_dpm_force_performance_level``, ``vbios_version``, ``unique_id``,
``{current,max}_link_{speed,width}``, and the hwmon sensors under ``device/hwmon/hwmonN``:
``temp1`` edge / ``temp2`` junction / ``temp3`` mem (m°C), ``power1_average`` or ``power1_input``
(µW), ``power1_cap``, ``fan1_input`` (RPM), ``pwm1`` (0-255).

A runtime-suspended GPU (``device/power/runtime_status`` is ``suspended``) is reported with
``suspended=True`` and only the attributes that do not wake it (identity and memory sizes): the
busy percentages, DPM tables, link state and hwmon sensors would resume the device.
"""

from __future__ import annotations

import os
from typing import Any

from darwin_metrics.errors import ParseError
from darwin_metrics.linux import fs
from darwin_metrics.linux.drm import (
    DrmCard,
    GpuNames,
    default_names,
    int_attr,
    link_generation,
    list_cards,
    pci_label,
    read_gpu_hwmon,
    text_attr,
)
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.parsers.gpu import DpmClock, parse_dpm_clock
from darwin_metrics.records.gpu import GPU

DRIVERS = ("amdgpu",)


def read_amd_gpus(roots: Roots, names: GpuNames | None = None) -> tuple[GPU, ...]:
    """Every amdgpu card, ordered by PCI address; ``index`` counts from 0 in that order."""
    names = names or default_names(roots)
    return tuple(_read_card(card, i, names) for i, card in enumerate(list_cards(roots, DRIVERS)))


def _read_card(card: DrmCard, index: int, names: GpuNames) -> GPU:
    suspended = card.runtime_suspended
    vram_total = int_attr(card.attr("mem_info_vram_total"))
    vram_used = int_attr(card.attr("mem_info_vram_used"))
    fields: dict[str, Any] = {
        "index": index,
        "vendor": "amd",
        "name": _name(card, names),
        "device_index": card.number,
        "uuid": text_attr(card.attr("unique_id")),
        "pci_bus_id": card.pci_address,
        "driver": card.driver,
        "driver_version": _driver_version(card),
        "vbios_version": text_attr(card.attr("vbios_version")),
        "suspended": suspended,
        "memory_total": vram_total,
        "memory_used": vram_used,
        "memory_free": (
            vram_total - vram_used
            if vram_total is not None and vram_used is not None and vram_used <= vram_total
            else None
        ),
        "memory_visible_total": int_attr(card.attr("mem_info_vis_vram_total")),
        "memory_visible_used": int_attr(card.attr("mem_info_vis_vram_used")),
        "gtt_total": int_attr(card.attr("mem_info_gtt_total")),
        "gtt_used": int_attr(card.attr("mem_info_gtt_used")),
    }
    if not suspended:
        fields.update(_live(card))
    return GPU(**fields)


def _live(card: DrmCard) -> dict[str, Any]:
    sclk = _dpm(card, "pp_dpm_sclk")
    mclk = _dpm(card, "pp_dpm_mclk")
    hw = read_gpu_hwmon(card)
    return {
        "utilization_percent": _percent(int_attr(card.attr("gpu_busy_percent"))),
        "memory_utilization_percent": _percent(int_attr(card.attr("mem_busy_percent"))),
        "graphics_hertz": sclk.current if sclk and sclk.current else hw.clock_graphics,
        "graphics_max_hertz": sclk.maximum if sclk else None,
        "memory_hertz": mclk.current if mclk and mclk.current else hw.clock_memory,
        "memory_max_hertz": mclk.maximum if mclk else None,
        "performance_level": text_attr(card.attr("power_dpm_force_performance_level")),
        "pcie_link_generation": link_generation(card.attr("current_link_speed")),
        "pcie_link_width": _width(card.attr("current_link_width")),
        "pcie_link_generation_max": link_generation(card.attr("max_link_speed")),
        "pcie_link_width_max": _width(card.attr("max_link_width")),
        "temperature_celsius": hw.temperature,
        "junction_celsius": hw.temperature_junction,
        "memory_celsius": hw.temperature_memory,
        "slowdown_celsius": hw.temperature_slowdown,
        "shutdown_celsius": hw.temperature_shutdown,
        "power_watts": hw.power_draw,
        "power_limit_watts": hw.power_limit,
        "energy_joules": hw.energy,
        "fan_rpm": hw.fan_speed,
        "fan_percent": hw.fan_percent,
    }


def _dpm(card: DrmCard, name: str) -> DpmClock | None:
    path = card.attr(name)
    text = fs.read_attr(path)
    if not text:
        return None
    try:
        return parse_dpm_clock(text, path)
    except ParseError:
        return None


def _percent(value: int | None) -> float | None:
    return float(value) if value is not None and 0 <= value <= 100 else None


def _width(path: str) -> int | None:
    value = int_attr(path)
    return value if value is not None and value > 0 else None


def _name(card: DrmCard, names: GpuNames) -> str:
    product = text_attr(card.attr("product_name"))
    if product:
        return product
    if card.device_id is not None:
        name = names.amd(card.device_id, card.revision)
        if name is None and card.vendor_id is not None:
            name = names.pci(card.vendor_id, card.device_id)
        if name:
            return name
    return pci_label("AMD", card)


def _driver_version(card: DrmCard) -> str | None:
    """The amdgpu module version (``/sys/module/amdgpu/version``), present for DKMS builds only."""
    driver = os.path.join(card.device, "driver", "module", "version")
    return text_attr(driver)
