"""Real-time monitoring: :class:`Monitor`, its event types, and the async helpers.

See docs/events.md for every event, its fields, which are pushed by the kernel and which are
polled, and what polling can miss.
"""

from __future__ import annotations

from darwin_metrics.monitor.aio import asnapshot, stream
from darwin_metrics.monitor.core import EventIterator, Monitor
from darwin_metrics.monitor.events import (
    EVENT_NAMES,
    EVENT_TYPES,
    AddressAdded,
    AddressRemoved,
    BatteryLow,
    BatteryStateChanged,
    CgroupLimitHit,
    Event,
    FanStalled,
    GpuAppeared,
    GpuLost,
    InterfaceDown,
    InterfaceUp,
    MemoryPressureChanged,
    MonitorStats,
    PortClosed,
    PortOpened,
    PowerSourceChanged,
    ProcessExited,
    ProcessStarted,
    TemperatureCritical,
    ThresholdCrossed,
    ThrottlingStarted,
    ThrottlingStopped,
    VolumeAlmostFull,
    VolumeMounted,
    VolumeUnmounted,
)
from darwin_metrics.monitor.rules import ThresholdRule

__all__ = [
    "EVENT_NAMES",
    "EVENT_TYPES",
    "AddressAdded",
    "AddressRemoved",
    "BatteryLow",
    "BatteryStateChanged",
    "CgroupLimitHit",
    "Event",
    "EventIterator",
    "FanStalled",
    "GpuAppeared",
    "GpuLost",
    "InterfaceDown",
    "InterfaceUp",
    "MemoryPressureChanged",
    "Monitor",
    "MonitorStats",
    "PortClosed",
    "PortOpened",
    "PowerSourceChanged",
    "ProcessExited",
    "ProcessStarted",
    "TemperatureCritical",
    "ThresholdCrossed",
    "ThresholdRule",
    "ThrottlingStarted",
    "ThrottlingStopped",
    "VolumeAlmostFull",
    "VolumeMounted",
    "VolumeUnmounted",
    "asnapshot",
    "stream",
]
