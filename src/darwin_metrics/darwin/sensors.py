"""Temperatures and fans on macOS, from the SMC (see :mod:`darwin_metrics.darwin.decode.smc`).

Temperatures: every key is enumerated once (``#KEY``, READ_INDEX) and the ``T…`` keys with a
temperature type are remembered; each reading then asks only for those. On Apple Silicon the
names differ per chip generation (``Tp*``/``Te*``/``Ts*`` CPU, ``Tg*`` GPU), so they are
discovered, not listed. On Apple Silicon the HID temperature sensors (``IOHIDEventSystemClient``)
are listed after the SMC's, as a second chip (``chip="hid"``). Readings outside (0, 150] °C are
dropped and counted (:attr:`SMCSensors.dropped`).

Fans: ``FNum`` fans, each from ``F{n}Ac/Mn/Mx/Tg``, the mode ``F{n}Md`` (``F{n}md``; ``FS! ``
on older Intel Macs) and the name ``F{n}ID``. A Mac without fans (or without an SMC) has none.
"""

from __future__ import annotations

import os
import threading

from darwin_metrics.darwin.cpu import read_architecture
from darwin_metrics.darwin.decode import hid as decode_hid
from darwin_metrics.darwin.decode import smc as decode
from darwin_metrics.darwin.ffi import hid
from darwin_metrics.darwin.ffi.smc import SMC
from darwin_metrics.errors import DarwinMetricsError, NotSupported
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.sensors import Fan, Temperatures, TemperatureSensor

log = get_logger(__name__)

#: At most this many fans are looked for, whatever ``FNum`` says.
MAX_FANS = 8


class SMCSensors:
    """Reads SMC temperatures and fans; remembers the temperature keys and the architecture."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._temperature_keys: list[str] | None = None
        self._key_info: dict[str, tuple[int, str] | None] = {}
        self._apple_silicon: bool | None = None
        #: Readings dropped as implausible by the last :meth:`temperatures` call.
        self.dropped = 0

    def apple_silicon(self) -> bool:
        """Whether this Mac is Apple Silicon (decides key names and integer byte order)."""
        if self._apple_silicon is None:
            self._apple_silicon = read_architecture() == "arm64"
        return self._apple_silicon

    def _discover(self, smc: SMC) -> list[str]:
        if self._temperature_keys is None:
            found = []
            for key in smc.key_names():
                if not key.startswith("T"):
                    continue
                try:
                    info = smc.key_info(key)
                except OSError as exc:
                    log.debug("SMC key %r: %s", key, exc)
                    continue
                if info is not None and decode.is_temperature_key(key, info[1]):
                    found.append(key)
            with self._lock:
                self._temperature_keys = found
        return self._temperature_keys

    def temperatures(self) -> Temperatures:
        """Every plausible SMC temperature sensor, then on Apple Silicon the HID sensors."""
        smc_sensors = self._smc_temperatures()
        hid_sensors: tuple[TemperatureSensor, ...] = ()
        if self.apple_silicon():
            try:
                hid_sensors, dropped = decode_hid.sensors(hid.temperature_sensors())
                self.dropped += dropped
            except (OSError, DarwinMetricsError) as exc:
                log.debug("HID temperature sensors: %s", exc)
        return Temperatures(sensors=smc_sensors + hid_sensors)

    def _smc_temperatures(self) -> tuple[TemperatureSensor, ...]:
        try:
            smc = SMC(self._key_info)
        except NotSupported as exc:
            log.debug("%s", exc)
            self.dropped = 0
            return ()
        with smc:
            readings = {}
            for key in self._discover(smc):
                try:
                    found = smc.read(key)
                except OSError as exc:
                    log.debug("SMC key %r: %s", key, exc)
                    continue
                if found is not None:
                    readings[key] = found
        scan = decode.temperatures(readings, apple_silicon=self.apple_silicon())
        self.dropped = scan.dropped
        if scan.dropped:
            log.debug("dropped %d implausible SMC temperature readings", scan.dropped)
        return scan.sensors

    def fans(self) -> tuple[Fan, ...]:
        """Every SMC fan; ``controllable`` when this process is root and the fan has a mode key."""
        try:
            smc = SMC(self._key_info)
        except NotSupported as exc:
            log.debug("%s", exc)
            return ()
        with smc:
            return read_fans(smc, apple_silicon=self.apple_silicon())


def read_fan_values(smc: SMC, index: int, *, apple_silicon: bool) -> dict[str, decode.SMCValue]:
    """The decoded keys of fan ``index`` (absent keys left out), with the ``FS! `` mask."""
    values: dict[str, decode.SMCValue] = {}
    for key in (*decode.fan_keys(index), decode.FORCED_MASK_KEY):
        found = smc.read(key)
        if found is not None:
            values[key] = decode.key_value(key, *found, apple_silicon=apple_silicon)
    return values


def fan_count(smc: SMC) -> int:
    """``FNum``, bounded by :data:`MAX_FANS`; 0 when the key is missing."""
    found = smc.read("FNum")
    count = decode.value(*found) if found is not None else None
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return 0
    return min(count, MAX_FANS)


def read_fans(smc: SMC, *, apple_silicon: bool) -> tuple[Fan, ...]:
    """The fans of an open SMC connection; one fan that fails to read is skipped."""
    root = os.geteuid() == 0
    fans = []
    for index in range(fan_count(smc)):
        try:
            values = read_fan_values(smc, index, apple_silicon=apple_silicon)
            fans.append(decode.fan(index, values, controllable=root))
        except (OSError, DarwinMetricsError) as exc:
            log.debug("SMC fan %d: %s", index, exc)
    return tuple(fans)
