"""Thermal state on macOS: the system's thermal pressure level (notify(3), no privilege) and, on
Intel Macs, the CPU speed limit (``IOPMCopyCPUPowerStatus``). One reading, no state.

:class:`ThermalPressureWatch` is the event source for a monitor: ``notify_check`` says whether the
level was posted since the last look, without polling the value.
"""

from __future__ import annotations

from darwin_metrics.darwin.decode import thermal as decode
from darwin_metrics.darwin.ffi import iokit, libc
from darwin_metrics.darwin.ffi.constants import THERMAL_PRESSURE_NOTIFICATION
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.thermal import Thermal

log = get_logger(__name__)


def read_pressure_level() -> str | None:
    """``nominal`` … ``sleeping``; ``None`` when notify(3) does not answer."""
    try:
        return decode.pressure_level(libc.notify_state(THERMAL_PRESSURE_NOTIFICATION))
    except OSError as exc:
        log.debug("thermal pressure: %s", exc)
        return None


def read_thermal() -> Thermal:
    """Thermal pressure and CPU speed limit, with the throttling summary."""
    try:
        status = iokit.cpu_power_status()
    except OSError as exc:
        log.debug("IOPMCopyCPUPowerStatus: %s", exc)
        status = None
    return decode.thermal(read_pressure_level(), decode.speed_limit(status))


class ThermalPressureWatch:
    """Watches the thermal pressure level; :meth:`poll` returns the new level name when it was
    posted since the previous call (the first call reports the current level), else ``None``.

    Use as a context manager or call :meth:`close`: it holds a notify(3) token.
    """

    def __init__(self) -> None:
        self._watch = libc.NotifyWatch(THERMAL_PRESSURE_NOTIFICATION)

    def poll(self) -> str | None:
        """The level when it changed since the last poll, else ``None``."""
        if not self._watch.changed():
            return None
        return decode.pressure_level(self._watch.state())

    def close(self) -> None:
        """Cancel the notify(3) registration."""
        self._watch.close()

    def __enter__(self) -> ThermalPressureWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
