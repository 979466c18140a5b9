"""Power management on macOS: AC or battery and the adapter's watts (IOPS power sources), Low
Power Mode (``NSProcessInfo``), and the power assertions that keep the Mac awake
(``IOPMCopyAssertionsByProcess``). Each part that cannot be read is ``None`` or empty (logged);
``cores`` is empty: macOS has no per-CPU governors.
"""

from __future__ import annotations

import logging

from darwin_metrics.darwin.battery import read_power_sources
from darwin_metrics.darwin.decode import powermgmt as decode
from darwin_metrics.darwin.ffi import iokit, objc
from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.records.power import PowerAssertion, PowerManagement

log = logging.getLogger(__name__)


def _low_power_mode() -> bool | None:
    try:
        return objc.low_power_mode()
    except (OSError, DarwinMetricsError) as exc:
        log.debug("Low Power Mode: %s", exc)
        return None


def _assertions() -> tuple[PowerAssertion, ...]:
    try:
        found = iokit.assertions_by_process()
    except (OSError, DarwinMetricsError) as exc:
        log.debug("IOPMCopyAssertionsByProcess: %s", exc)
        return ()
    return decode.assertions(found) if found else ()


def read_power_management() -> PowerManagement:
    """On AC or battery, adapter watts, Low Power Mode and power assertions."""
    on_ac: bool | None = None
    adapter_watts: float | None = None
    try:
        sources = read_power_sources()
        on_ac = sources.on_ac
        online = [a.watts for a in sources.adapters if a.online is not False and a.watts]
        adapter_watts = online[0] if online and on_ac else None
    except (OSError, DarwinMetricsError) as exc:
        log.debug("power sources: %s", exc)
    return PowerManagement(
        cores=(),
        on_ac=on_ac,
        low_power_mode=_low_power_mode(),
        adapter_watts=adapter_watts,
        assertions=_assertions(),
    )
