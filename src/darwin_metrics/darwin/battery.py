"""Batteries on macOS: IOPS power sources joined with the ``AppleSmartBattery`` registry entry,
and the external adapter's details (``IOPSCopyExternalPowerAdapterDetails``)."""

from __future__ import annotations

from typing import Any

from darwin_metrics.darwin.decode import battery as decode
from darwin_metrics.darwin.ffi import iokit
from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.battery import PowerSources

log = get_logger(__name__)


def _optional(read: Any, what: str) -> Any:
    try:
        return read()
    except (OSError, DarwinMetricsError) as exc:
        log.debug("%s unavailable: %s", what, exc)
        return None


def read_power_sources() -> PowerSources:
    """Batteries and the adapter; a desktop Mac gives no batteries."""
    descriptions = _optional(iokit.power_sources, "IOPS power sources") or []
    smart = _optional(
        lambda: iokit.first_service_properties("AppleSmartBattery"), "AppleSmartBattery"
    )
    adapter = _optional(iokit.external_power_adapter, "external power adapter")
    return decode.power_sources(descriptions, smart, adapter)
