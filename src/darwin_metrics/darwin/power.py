"""Power on macOS, read once (no sleeping, no state but the reused subscriptions):

- SMC instantaneous rails (watts): ``PSTR`` system, ``PDTR`` DC-in, ``PPBR`` battery, and on
  Intel ``PCPC`` CPU package and ``PCPG`` GPU (:func:`darwin_metrics.darwin.decode.smc.power_rails`);
- Apple Silicon: IOReport ``Energy Model`` cumulative energy (joules) for CPU (per die on Ultra),
  GPU, ANE and DRAM (:mod:`darwin_metrics.darwin.decode.ioreport`); their watts are a Sampler
  rate over two readings.
"""

from __future__ import annotations

import threading

from darwin_metrics.darwin.decode import ioreport as decode_ioreport
from darwin_metrics.darwin.decode import smc as decode_smc
from darwin_metrics.darwin.ffi.ioreport import EnergyReport
from darwin_metrics.darwin.ffi.smc import SMC
from darwin_metrics.errors import DarwinMetricsError, NotSupported
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.power import Power, PowerRail

log = get_logger(__name__)


class PowerReader:
    """Keeps the IOReport subscription (and the SMC key info) between readings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._report: EnergyReport | None = None
        self._ioreport_unavailable: str | None = None
        self._key_info: dict[str, tuple[int, str] | None] = {}

    def close(self) -> None:
        """Release the IOReport subscription."""
        with self._lock:
            if self._report is not None:
                self._report.close()
                self._report = None

    def smc_rails(self) -> tuple[PowerRail, ...]:
        """The SMC power rails (none without an SMC)."""
        try:
            smc = SMC(self._key_info)
        except NotSupported as exc:
            log.debug("%s", exc)
            return ()
        readings = {}
        with smc:
            for key in decode_smc.POWER_KEYS:
                try:
                    found = smc.read(key)
                except OSError as exc:
                    log.debug("SMC key %r: %s", key, exc)
                    continue
                if found is not None:
                    readings[key] = found
        return decode_smc.power_rails(readings)

    def energy_rails(self) -> tuple[PowerRail, ...]:
        """IOReport energy rails; none where IOReport is unavailable (remembered, with why)."""
        with self._lock:
            if self._ioreport_unavailable is not None:
                return ()
            if self._report is None:
                try:
                    self._report = EnergyReport()
                except NotSupported as exc:
                    self._ioreport_unavailable = str(exc)
                    log.debug("%s", exc)
                    return ()
            report = self._report
        try:
            return decode_ioreport.energy_rails(report.sample())
        except (OSError, DarwinMetricsError) as exc:
            log.debug("IOReport sample: %s", exc)
            return ()

    def read(self) -> Power:
        """SMC rails, then IOReport rails."""
        return Power(rails=self.smc_rails() + self.energy_rails())
