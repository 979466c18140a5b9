"""Power-management settings on Linux: cpufreq governors and EPP, platform profile, AC state."""

from __future__ import annotations

from darwin_metrics.linux import fs
from darwin_metrics.linux.parsers.numbers import numbered
from darwin_metrics.records.power import CorePowerPolicy, PowerManagement


def _words(text: str | None) -> tuple[str, ...]:
    return tuple(text.split()) if text else ()


def read_power_management(roots: fs.Roots, *, on_ac: bool | None) -> PowerManagement:
    """Per-CPU governor, driver and energy-performance preference and the ACPI platform profile;
    ``on_ac`` (from the power supplies) is passed through."""
    base = roots.sys("devices", "system", "cpu")
    cores = []
    cpus = [(n, name) for name in fs.listdir(base) if (n := numbered(name, "cpu")) is not None]
    for cpu, name in sorted(cpus):
        freq = f"{base}/{name}/cpufreq"
        governor = fs.read_attr(f"{freq}/scaling_governor")
        driver = fs.read_attr(f"{freq}/scaling_driver")
        epp = fs.read_attr(f"{freq}/energy_performance_preference")
        if governor is None and driver is None and epp is None:
            continue
        cores.append(
            CorePowerPolicy(
                cpu=cpu,
                governor=governor,
                driver=driver,
                energy_performance_preference=epp,
                available_governors=_words(fs.read_attr(f"{freq}/scaling_available_governors")),
                available_preferences=_words(
                    fs.read_attr(f"{freq}/energy_performance_available_preferences")
                ),
            )
        )
    acpi = roots.sys("firmware", "acpi")
    return PowerManagement(
        cores=tuple(cores),
        platform_profile=fs.read_attr(f"{acpi}/platform_profile") or None,
        platform_profile_choices=_words(fs.read_attr(f"{acpi}/platform_profile_choices")),
        on_ac=on_ac,
    )
