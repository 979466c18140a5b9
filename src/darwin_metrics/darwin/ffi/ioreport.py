"""libIOReport: Apple Silicon's energy counters and performance-state residencies, without root.

One subscription per channel group is made and reused (creating it is the expensive part): the
group's channels are copied (``IOReportCopyChannelsInGroup``), made mutable and subscribed to. A
NULL channel list or subscription means IOReport is unavailable here (Intel Macs, virtual
machines): :class:`NotSupported`.

- :class:`EnergyReport`: ``Energy Model``; each :meth:`~EnergyReport.sample` is one
  ``IOReportCreateSamples`` with every channel's name, unit label and integer value.
- :class:`StateReport`: a performance-state group (``CPU Stats`` / ``CPU Core Performance States``);
  :meth:`~StateReport.delta` returns each channel's state residencies since the previous call
  (``IOReportCreateSamplesDelta``), ``None`` on the first.

Ownership: the copied channels, their mutable copy, the subscription, the subscribed-channels
dictionary, every sample and delta are Create/Copy results and are released (the previous sample
of a StateReport when the next replaces it, or on close); the channel getters follow the Get rule.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

from darwin_metrics.darwin.decode.ioreport import EnergyChannel, StateChannel
from darwin_metrics.darwin.ffi import cf, loader
from darwin_metrics.errors import NotSupported

ENERGY_GROUP = "Energy Model"
CPU_STATES = ("CPU Stats", "CPU Core Performance States")


def _fn(name: str) -> Any:
    return loader.function(loader.IOREPORT, name)


def _cf(name: str) -> Any:
    return loader.function(loader.COREFOUNDATION, name)


def _text(ref: Any) -> str:
    return cf.string_value(int(ref)) if ref else ""


class _Subscription:
    """A subscription to one IOReport group (and optional subgroup)."""

    def __init__(self, group: str, subgroup: str | None = None) -> None:
        names = [cf.create_string(group)]
        if subgroup is not None:
            names.append(cf.create_string(subgroup))
        try:
            channels = _fn("IOReportCopyChannelsInGroup")(
                names[0], names[1] if subgroup is not None else None, 0, 0, 0
            )
        finally:
            for name in names:
                cf.release(name)
        if not channels:
            raise NotSupported(f"IOReport has no {group!r} channels on this machine")
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

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the subscription and its dictionaries (idempotent)."""
        with self._lock:
            for ref in (self._subscription, self._subscribed, self._desired):
                cf.release(ref)
            self._subscription = self._subscribed = self._desired = None

    def _create_sample(self) -> int:
        """A new sample (owned by the caller)."""
        with self._lock:
            if self._subscription is None:
                raise ValueError("IOReport subscription is closed")
            sample = _fn("IOReportCreateSamples")(self._subscription, self._subscribed, None)
        if not sample:
            raise OSError("IOReportCreateSamples returned NULL")
        return int(sample)

    @staticmethod
    def _channels(sample: int) -> list[int]:
        key = cf.create_string("IOReportChannels")
        with cf.owned(key):
            items = _cf("CFDictionaryGetValue")(sample, key)  # Get rule
        return cf.array_items(int(items)) if items else []


class EnergyReport(_Subscription):
    """A subscription to the ``Energy Model`` group; :meth:`close` releases it."""

    def __init__(self) -> None:
        super().__init__(ENERGY_GROUP)

    def __enter__(self) -> EnergyReport:
        return self

    def sample(self) -> list[EnergyChannel]:
        """Every channel of one sample: name, trimmed unit label, integer value."""
        sample = self._create_sample()
        found = []
        with cf.owned(sample):
            for channel in self._channels(sample):
                name = _fn("IOReportChannelGetChannelName")(channel)
                if not name:
                    continue
                found.append(
                    EnergyChannel(
                        name=_text(name),
                        unit=_text(_fn("IOReportChannelGetUnitLabel")(channel)).strip(),
                        value=int(_fn("IOReportSimpleGetIntegerValue")(channel, 0)),
                    )
                )
        return found


class StateReport(_Subscription):
    """Residencies of a performance-state group between consecutive :meth:`delta` calls."""

    def __init__(self, group: str = CPU_STATES[0], subgroup: str | None = CPU_STATES[1]) -> None:
        super().__init__(group, subgroup)
        self._previous: int | None = None

    def __enter__(self) -> StateReport:
        return self

    def close(self) -> None:
        """Release the kept sample and the subscription (idempotent)."""
        cf.release(self._previous)
        self._previous = None
        super().close()

    def delta(self) -> list[StateChannel] | None:
        """Each channel's ``(state, residency)`` since the previous call; ``None`` the first time."""
        current = self._create_sample()
        previous, self._previous = self._previous, current
        if previous is None:
            return None
        with cf.owned(previous):
            delta = _fn("IOReportCreateSamplesDelta")(previous, current, None)
        if not delta:
            raise OSError("IOReportCreateSamplesDelta returned NULL")
        found = []
        with cf.owned(delta):
            for channel in self._channels(int(delta)):
                count = int(_fn("IOReportStateGetCount")(channel))
                states = tuple(
                    (
                        _text(_fn("IOReportStateGetNameForIndex")(channel, i)),
                        int(_fn("IOReportStateGetResidency")(channel, i)),
                    )
                    for i in range(max(count, 0))
                )
                found.append(
                    StateChannel(_text(_fn("IOReportChannelGetChannelName")(channel)), states)
                )
        return found
