"""libIOReport: the ``Energy Model`` channels of Apple Silicon, read without root.

One subscription is made and reused (creating it is the expensive part): the channels of the
group are copied (``IOReportCopyChannelsInGroup``), made mutable, and subscribed to. Each
:meth:`EnergyReport.sample` is one ``IOReportCreateSamples``: every channel's name, unit label and
integer value. A NULL channel list or subscription means IOReport is unavailable here (Intel Macs,
virtual machines): :class:`NotSupported`.

Ownership: the copied channels, their mutable copy, the subscription, the subscribed-channels
dictionary and every sample are Create/Copy results and are released; the channel getters follow
the Get rule.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

from darwin_metrics.darwin.decode.ioreport import EnergyChannel
from darwin_metrics.darwin.ffi import cf, loader
from darwin_metrics.errors import NotSupported

ENERGY_GROUP = "Energy Model"


def _fn(name: str) -> Any:
    return loader.function(loader.IOREPORT, name)


def _cf(name: str) -> Any:
    return loader.function(loader.COREFOUNDATION, name)


class EnergyReport:
    """A subscription to the ``Energy Model`` group; :meth:`close` releases it."""

    def __init__(self) -> None:
        group = cf.create_string(ENERGY_GROUP)
        with cf.owned(group):
            channels = _fn("IOReportCopyChannelsInGroup")(group, None, 0, 0, 0)
        if not channels:
            raise NotSupported("IOReport has no Energy Model channels on this machine")
        with cf.owned(channels):
            desired = _cf("CFDictionaryCreateMutableCopy")(None, 0, channels)
        if not desired:
            raise MemoryError("CFDictionaryCreateMutableCopy returned NULL")
        subscribed = ctypes.c_void_p(None)
        subscription = _fn("IOReportCreateSubscription")(
            None, desired, ctypes.byref(subscribed), 0, None
        )
        if not subscription:
            cf.release(subscribed.value)
            cf.release(desired)
            raise NotSupported("IOReport refused the subscription (NULL): IOReport unavailable")
        self._desired: int | None = int(desired)
        self._subscription: int | None = int(subscription)
        self._subscribed: int | None = int(subscribed.value) if subscribed.value else None
        self._lock = threading.Lock()

    def __enter__(self) -> EnergyReport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the subscription and its dictionaries (idempotent)."""
        with self._lock:
            for ref in (self._subscription, self._subscribed, self._desired):
                cf.release(ref)
            self._subscription = self._subscribed = self._desired = None

    def sample(self) -> list[EnergyChannel]:
        """Every channel of one sample: name, trimmed unit label, integer value."""
        with self._lock:
            if self._subscription is None:
                raise ValueError("IOReport subscription is closed")
            sample = _fn("IOReportCreateSamples")(self._subscription, self._subscribed, None)
        if not sample:
            raise OSError("IOReportCreateSamples returned NULL")
        found = []
        with cf.owned(sample):
            key = cf.create_string("IOReportChannels")
            with cf.owned(key):
                items = _cf("CFDictionaryGetValue")(sample, key)  # Get rule
            for channel in cf.array_items(int(items)) if items else []:
                name = _fn("IOReportChannelGetChannelName")(channel)
                unit = _fn("IOReportChannelGetUnitLabel")(channel)
                if not name:
                    continue
                found.append(
                    EnergyChannel(
                        name=cf.string_value(int(name)),
                        unit=cf.string_value(int(unit)).strip() if unit else "",
                        value=int(_fn("IOReportSimpleGetIntegerValue")(channel, 0)),
                    )
                )
        return found
