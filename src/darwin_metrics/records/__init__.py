"""Every record type: the project's vocabulary. Units are in each class's docstring.

The record modules are imported on first use of one of their names (the module ``__getattr__``
below), so reading one family does not import every other family's records. To export a name, add
it to the ``TYPE_CHECKING`` imports (what type checkers and editors read), to :data:`_EXPORTS`
(what runs) and to ``__all__``; ``tests/test_records_lazy.py`` checks that the three agree.
"""

from __future__ import annotations

import sys

#: ``typing.TYPE_CHECKING`` without importing typing (type checkers treat this name as true):
#: ``import darwin_metrics`` and ``darwin-metrics --version`` load this package, and typing is a
#: measurable part of their start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from darwin_metrics.records.base import to_dict, to_json
    from darwin_metrics.records.battery import Battery, BatteryStatus, PowerAdapter, PowerSources
    from darwin_metrics.records.cgroup import (
        CGroup,
        CGroupCPU,
        CGroupIO,
        CGroupMemory,
        CGroupPids,
        CGroupPressure,
    )
    from darwin_metrics.records.connections import (
        Connection,
        ConnectionCount,
        ConnectionCounts,
        ConnectionKind,
        ConnectionState,
        ListeningPort,
        SocketFamily,
        SocketType,
    )
    from darwin_metrics.records.cpu import (
        CPU,
        Core,
        CoreFrequency,
        CPUCluster,
        CPUTimes,
        LoadAverage,
    )
    from darwin_metrics.records.disk import DiskIO, Volume
    from darwin_metrics.records.gpu import GPU, GPUEccErrors, GPUProcess, MigMode
    from darwin_metrics.records.memory import Memory, Pressure, PressureLevel, PressureStall, Swap
    from darwin_metrics.records.net import (
        Address,
        AddressFamily,
        Interface,
        InterfaceCounters,
        InterfaceKind,
    )
    from darwin_metrics.records.netstats import (
        ICMPStats,
        InterfaceLoss,
        IPStats,
        NetworkStats,
        NetworkStatsRates,
        TCPStats,
        UDPStats,
    )
    from darwin_metrics.records.power import (
        CorePowerPolicy,
        Power,
        PowerAssertion,
        PowerManagement,
        PowerRail,
        PowerRailRate,
        ProcessEnergy,
        ProcessPowerEstimate,
    )
    from darwin_metrics.records.process import (
        Process,
        ProcessCPUTimes,
        ProcessIO,
        ProcessMemory,
        ProcessNode,
        Thread,
    )
    from darwin_metrics.records.rates import (
        CoreRates,
        CPUModePercents,
        CPURates,
        DiskRates,
        InterfaceRates,
        ProcessRates,
        Rates,
        Sample,
        ThermalRates,
    )
    from darwin_metrics.records.sensors import (
        CoolingDevice,
        Fan,
        FanDrive,
        FanMode,
        FanSetting,
        SensorKind,
        Temperatures,
        TemperatureSensor,
        ThermalZone,
        TripPoint,
    )
    from darwin_metrics.records.snapshot import Capabilities, FamilyCapability, Snapshot
    from darwin_metrics.records.sockstat import ProtocolSockets, SocketStats
    from darwin_metrics.records.thermal import CoreThrottle, GPUThrottle, PackageThrottle, Thermal
    from darwin_metrics.records.wifi import WiFi, WiFiBand, WiFiDiscarded, WiFiMode, WiFiStation

#: Submodule of this package → the public names it defines.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "base": ("to_dict", "to_json"),
    "battery": ("Battery", "BatteryStatus", "PowerAdapter", "PowerSources"),
    "cgroup": ("CGroup", "CGroupCPU", "CGroupIO", "CGroupMemory", "CGroupPids", "CGroupPressure"),
    "connections": (
        "Connection",
        "ConnectionCount",
        "ConnectionCounts",
        "ConnectionKind",
        "ConnectionState",
        "ListeningPort",
        "SocketFamily",
        "SocketType",
    ),
    "cpu": ("CPU", "Core", "CoreFrequency", "CPUCluster", "CPUTimes", "LoadAverage"),
    "disk": ("DiskIO", "Volume"),
    "gpu": ("GPU", "GPUEccErrors", "GPUProcess", "MigMode"),
    "memory": ("Memory", "Pressure", "PressureLevel", "PressureStall", "Swap"),
    "net": ("Address", "AddressFamily", "Interface", "InterfaceCounters", "InterfaceKind"),
    "netstats": (
        "ICMPStats",
        "InterfaceLoss",
        "IPStats",
        "NetworkStats",
        "NetworkStatsRates",
        "TCPStats",
        "UDPStats",
    ),
    "power": (
        "CorePowerPolicy",
        "Power",
        "PowerAssertion",
        "PowerManagement",
        "PowerRail",
        "PowerRailRate",
        "ProcessEnergy",
        "ProcessPowerEstimate",
    ),
    "process": (
        "Process",
        "ProcessCPUTimes",
        "ProcessIO",
        "ProcessMemory",
        "ProcessNode",
        "Thread",
    ),
    "rates": (
        "CoreRates",
        "CPUModePercents",
        "CPURates",
        "DiskRates",
        "InterfaceRates",
        "ProcessRates",
        "Rates",
        "Sample",
        "ThermalRates",
    ),
    "sensors": (
        "CoolingDevice",
        "Fan",
        "FanDrive",
        "FanMode",
        "FanSetting",
        "SensorKind",
        "Temperatures",
        "TemperatureSensor",
        "ThermalZone",
        "TripPoint",
    ),
    "snapshot": ("Capabilities", "FamilyCapability", "Snapshot"),
    "sockstat": ("ProtocolSockets", "SocketStats"),
    "thermal": ("CoreThrottle", "GPUThrottle", "PackageThrottle", "Thermal"),
    "wifi": ("WiFi", "WiFiBand", "WiFiDiscarded", "WiFiMode", "WiFiStation"),
}
#: Public name → its submodule.
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "PowerRailRate",
    "ThermalRates",
    "CoolingDevice",
    "CoreThrottle",
    "Fan",
    "FanDrive",
    "FanMode",
    "FanSetting",
    "GPUThrottle",
    "PackageThrottle",
    "SensorKind",
    "TemperatureSensor",
    "Temperatures",
    "Thermal",
    "ThermalZone",
    "TripPoint",
    "CGroup",
    "CGroupCPU",
    "CGroupIO",
    "CGroupMemory",
    "CGroupPids",
    "CGroupPressure",
    "Connection",
    "ConnectionCount",
    "ConnectionCounts",
    "ConnectionKind",
    "ConnectionState",
    "ICMPStats",
    "IPStats",
    "InterfaceLoss",
    "ListeningPort",
    "NetworkStats",
    "NetworkStatsRates",
    "ProtocolSockets",
    "SocketFamily",
    "SocketStats",
    "SocketType",
    "TCPStats",
    "UDPStats",
    "WiFi",
    "WiFiBand",
    "WiFiDiscarded",
    "WiFiMode",
    "WiFiStation",
    "Battery",
    "BatteryStatus",
    "CorePowerPolicy",
    "Power",
    "PowerAdapter",
    "PowerAssertion",
    "PowerManagement",
    "PowerRail",
    "PowerSources",
    "ProcessEnergy",
    "ProcessPowerEstimate",
    "CPU",
    "CPUCluster",
    "Address",
    "AddressFamily",
    "CPUTimes",
    "Capabilities",
    "Core",
    "CoreFrequency",
    "DiskIO",
    "FamilyCapability",
    "GPU",
    "GPUEccErrors",
    "GPUProcess",
    "MigMode",
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
    "CPUModePercents",
    "CPURates",
    "CoreRates",
    "DiskRates",
    "InterfaceRates",
    "ProcessRates",
    "Rates",
    "Sample",
    "Snapshot",
    "Swap",
    "Thread",
    "Volume",
    "to_dict",
    "to_json",
]


def __getattr__(name: str) -> object:
    """Import the record module that defines ``name`` on first use, and keep the name here."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    qualified = f"{__name__}.{module}"
    __import__(qualified)  # importlib.import_module without importing importlib
    value = getattr(sys.modules[qualified], name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
