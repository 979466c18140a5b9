"""Fan control, the platform-neutral contract: what ``darwin_metrics.fan_control()`` returns.

Each platform implements it (Linux: PWM through hwmon, :mod:`darwin_metrics.linux.fancontrol`;
macOS: the SMC). Writing to hardware is opt-in and needs root; every implementation checks bounds,
saves the fan's previous settings before the first write and restores automatic control when the
``with`` block ends, on SIGTERM/SIGINT/SIGHUP, at exit, and after a SIGKILL on the next start.
Failures raise :class:`~darwin_metrics.errors.FanControlError` with the fan left safe.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from darwin_metrics.errors import FanControlError

if TYPE_CHECKING:
    from darwin_metrics.records.sensors import Fan, FanSetting

__all__ = ["FanControlError", "FanController"]


@runtime_checkable
class FanController(Protocol):
    """Control of one fan inside a ``with`` block; duties are percent (0-100)."""

    fan: Fan

    @property
    def minimum_duty_percent(self) -> float:
        """The lowest duty (percent) accepted without ``force``."""
        ...

    @property
    def tripped(self) -> str | None:
        """Why the safety watchdog took the fan back (full speed), or ``None``."""
        ...

    def __enter__(self) -> FanController: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def set_duty(self, percent: float, *, force: bool | None = None) -> FanSetting:
        """Drive the fan at ``percent`` duty and return what the hardware reports back."""
        ...

    def set_full_speed(self) -> FanSetting:
        """Drive the fan at full speed."""
        ...

    def set_automatic(self, *, keep: bool = False) -> FanSetting:
        """Hand the fan back to the firmware or chip (``keep``: do not restore on exit)."""
        ...

    def restore(self) -> None:
        """Put back the settings saved before the first write."""
        ...

    def reading(self, *, stalled: bool = False) -> FanSetting:
        """The fan's present duty, mode and speed."""
        ...
