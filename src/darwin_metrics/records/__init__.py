"""Every record type: the project's vocabulary. Units are in each class's docstring."""

from __future__ import annotations

from darwin_metrics.records.base import to_dict
from darwin_metrics.records.cpu import CPU, Core, CoreFrequency, CPUTimes, LoadAverage
from darwin_metrics.records.disk import DiskIO, Volume
from darwin_metrics.records.memory import Memory, Pressure, PressureLevel, PressureStall, Swap
from darwin_metrics.records.net import (
    Address,
    AddressFamily,
    Interface,
    InterfaceCounters,
    InterfaceKind,
)
from darwin_metrics.records.process import (
    Process,
    ProcessCPUTimes,
    ProcessIO,
    ProcessMemory,
    ProcessNode,
    Thread,
)
from darwin_metrics.records.snapshot import Capabilities, FamilyCapability, Snapshot

__all__ = [
    "CPU",
    "Address",
    "AddressFamily",
    "CPUTimes",
    "Capabilities",
    "Core",
    "CoreFrequency",
    "DiskIO",
    "FamilyCapability",
    "Interface",
    "InterfaceCounters",
    "InterfaceKind",
    "LoadAverage",
    "Memory",
    "Pressure",
    "PressureLevel",
    "PressureStall",
    "Process",
    "ProcessCPUTimes",
    "ProcessIO",
    "ProcessMemory",
    "ProcessNode",
    "Snapshot",
    "Swap",
    "Thread",
    "Volume",
    "to_dict",
]
