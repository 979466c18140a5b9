# ruff: noqa: N802, N815  (NvmlBinding mirrors the camelCase function names of pynvml)
"""NVIDIA GPUs through NVML, using NVIDIA's own binding ``nvidia-ml-py`` (module ``pynvml``).

Every NVML call goes through an :class:`NvmlBinding`: by default the ``pynvml`` module itself;
tests pass an object with the same function names. :class:`NvmlSession` calls ``nvmlInit`` once,
lazily and under a lock, and ``nvmlShutdown`` at interpreter exit. A missing binding, library or
driver (``ImportError``, ``NVMLError_LibraryNotFound``, ``NVMLError_DriverNotLoaded`` or any other
init failure) means no NVIDIA GPUs: :func:`read_nvidia_gpus` returns ``()``.

The binding is imported only where NVIDIA's library can be found (:func:`find_nvml_library`):
importing ``pynvml`` costs tens of milliseconds (it pulls in ``ctypes.util``, ``subprocess`` and
thousands of lines of its own), which a machine without the driver should not pay.

Per call: ``NotSupported``, ``NoPermission`` and every other NVML error make that one field
``None``. ``GpuIsLost`` stops reading that GPU: it is returned as a record with ``lost=True``
(identity fields read before the loss are kept) and the other GPUs are read as usual.

Unit conversions: power mW → W, energy mJ → J, clocks MHz → Hz, PCIe throughput KB/s → bytes/s
(1 KB = 1024 bytes).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Protocol

from darwin_metrics.lazylog import get_logger
from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.memo import MemoSpec
from darwin_metrics.nvmllib import NVML_SONAME, find_nvml_library
from darwin_metrics.records.gpu import GPU, GPUEccErrors, GPUProcess, GPUProcessType, MigMode

log = get_logger(__name__)

# NVML return codes (nvml.h; stable across driver versions).
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_NO_PERMISSION = 4
NVML_ERROR_GPU_IS_LOST = 15

# Enumerations passed to NVML (nvml.h).
_TEMPERATURE_GPU = 0
_THRESHOLD_SHUTDOWN = 0
_THRESHOLD_SLOWDOWN = 1
_CLOCK_GRAPHICS = 0
_CLOCK_SM = 1
_CLOCK_MEM = 2
_PCIE_TX_BYTES = 0
_PCIE_RX_BYTES = 1
_ECC_CORRECTED = 0
_ECC_UNCORRECTED = 1
_ECC_VOLATILE = 0
_ECC_AGGREGATE = 1
_PSTATE_MAX = 15

#: NVML clock-event (throttle) reason bits and their names in :attr:`GPU.throttle_reasons`.
CLOCK_EVENT_REASONS: tuple[tuple[int, str], ...] = (
    (0x1, "gpu_idle"),
    (0x2, "applications_clocks_setting"),
    (0x4, "sw_power_cap"),
    (0x8, "hw_slowdown"),
    (0x10, "sync_boost"),
    (0x20, "sw_thermal_slowdown"),
    (0x40, "hw_thermal_slowdown"),
    (0x80, "hw_power_brake_slowdown"),
    (0x100, "display_clock_setting"),
    (0x200, "board_limit"),
    (0x400, "reliability"),
)
_KNOWN_REASON_BITS = sum(bit for bit, _ in CLOCK_EVENT_REASONS)


class NvmlBinding(Protocol):
    """The part of ``pynvml`` that darwin-metrics uses (names and arguments as in nvidia-ml-py).

    Functions raise ``NVMLError`` (an exception whose ``value`` is the NVML return code). A function
    missing from the binding (an older nvidia-ml-py) counts as unsupported.
    """

    NVMLError: type[Exception]
    #: The version tag of ``nvmlMemory_v2_t`` (absent from bindings older than the v2 call).
    nvmlMemory_v2: int

    def nvmlInit(self) -> None: ...
    def nvmlShutdown(self) -> None: ...
    def nvmlDeviceGetCount(self) -> int: ...
    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any: ...
    def nvmlSystemGetDriverVersion(self) -> str: ...
    def nvmlSystemGetCudaDriverVersion_v2(self) -> int: ...
    def nvmlSystemGetCudaDriverVersion(self) -> int: ...
    def nvmlSystemGetProcessName(self, pid: int) -> str: ...
    def nvmlDeviceGetName(self, handle: Any) -> str: ...
    def nvmlDeviceGetUUID(self, handle: Any) -> str: ...
    def nvmlDeviceGetPciInfo(self, handle: Any) -> Any: ...
    def nvmlDeviceGetVbiosVersion(self, handle: Any) -> str: ...
    def nvmlDeviceGetUtilizationRates(self, handle: Any) -> Any: ...
    def nvmlDeviceGetEncoderUtilization(self, handle: Any) -> Any: ...
    def nvmlDeviceGetDecoderUtilization(self, handle: Any) -> Any: ...
    def nvmlDeviceGetMemoryInfo(self, handle: Any, version: int | None = None) -> Any: ...
    def nvmlDeviceGetTemperature(self, handle: Any, sensor: int) -> int: ...
    def nvmlDeviceGetTemperatureThreshold(self, handle: Any, threshold: int) -> int: ...
    def nvmlDeviceGetFanSpeed(self, handle: Any) -> int: ...
    def nvmlDeviceGetPowerUsage(self, handle: Any) -> int: ...
    def nvmlDeviceGetEnforcedPowerLimit(self, handle: Any) -> int: ...
    def nvmlDeviceGetPowerManagementLimit(self, handle: Any) -> int: ...
    def nvmlDeviceGetTotalEnergyConsumption(self, handle: Any) -> int: ...
    def nvmlDeviceGetClockInfo(self, handle: Any, type: int) -> int: ...
    def nvmlDeviceGetMaxClockInfo(self, handle: Any, type: int) -> int: ...
    def nvmlDeviceGetPerformanceState(self, handle: Any) -> int: ...
    def nvmlDeviceGetCurrentClocksEventReasons(self, handle: Any) -> int: ...
    def nvmlDeviceGetCurrentClocksThrottleReasons(self, handle: Any) -> int: ...
    def nvmlDeviceGetSupportedClocksEventReasons(self, handle: Any) -> int: ...
    def nvmlDeviceGetSupportedClocksThrottleReasons(self, handle: Any) -> int: ...
    def nvmlDeviceGetPcieThroughput(self, handle: Any, counter: int) -> int: ...
    def nvmlDeviceGetCurrPcieLinkGeneration(self, handle: Any) -> int: ...
    def nvmlDeviceGetCurrPcieLinkWidth(self, handle: Any) -> int: ...
    def nvmlDeviceGetMaxPcieLinkGeneration(self, handle: Any) -> int: ...
    def nvmlDeviceGetMaxPcieLinkWidth(self, handle: Any) -> int: ...
    def nvmlDeviceGetEccMode(self, handle: Any) -> Any: ...
    def nvmlDeviceGetTotalEccErrors(
        self, handle: Any, error_type: int, counter_type: int
    ) -> int: ...
    def nvmlDeviceGetMigMode(self, handle: Any) -> Any: ...
    def nvmlDeviceGetComputeRunningProcesses_v3(self, handle: Any) -> Any: ...
    def nvmlDeviceGetComputeRunningProcesses_v2(self, handle: Any) -> Any: ...
    def nvmlDeviceGetGraphicsRunningProcesses_v3(self, handle: Any) -> Any: ...
    def nvmlDeviceGetGraphicsRunningProcesses_v2(self, handle: Any) -> Any: ...


class NvmlNotFound(Exception):
    """NVIDIA's library or binding is not on this machine (the message says which)."""


def _import_pynvml() -> NvmlBinding:
    """The ``pynvml`` module, imported only where NVIDIA's library can be found."""
    if find_nvml_library() is None:
        raise NvmlNotFound(f"NVIDIA's management library ({NVML_SONAME}) was not found")
    try:
        import pynvml
    except ImportError:
        raise NvmlNotFound("nvidia-ml-py (pynvml) is not installed") from None
    binding: NvmlBinding = pynvml
    return binding


class NvmlSession:
    """One NVML initialisation, made on first use and shut down by :meth:`shutdown`, when the
    session is collected, or at interpreter exit, whichever comes first.

    ``load`` returns the binding (``None`` when it is not installed; it may raise
    :class:`NvmlNotFound` saying what is missing). If ``nvmlInit`` fails (no library, no driver, or
    any NVML error) the session is unavailable and stays so: initialisation is not retried on every
    call, because it is slow. :meth:`shutdown` ends the session; the next
    :meth:`binding` call initialises again.
    """

    def __init__(self, load: Callable[[], NvmlBinding | None] = _import_pynvml) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._binding: NvmlBinding | None = None
        self._tried = False
        self._shutdown_hook: weakref.finalize[Any, Any] | None = None
        #: Why NVML is unavailable (``None`` while it works or has not been tried).
        self.unavailable_reason: str | None = None

    def binding(self) -> NvmlBinding | None:
        """The initialised binding, or ``None`` when NVML cannot be used here."""
        with self._lock:
            if not self._tried:
                self._tried = True
                self._binding = self._init()
            return self._binding

    def _init(self) -> NvmlBinding | None:
        try:
            binding = self._load()
        except NvmlNotFound as exc:
            self.unavailable_reason = str(exc)
            return None
        if binding is None:
            self.unavailable_reason = "nvidia-ml-py (pynvml) is not installed"
            return None
        try:
            binding.nvmlInit()
        except binding.NVMLError as exc:
            self.unavailable_reason = f"nvmlInit failed: {exc}"
            log.debug("NVML unavailable: %s", exc)
            return None
        # nvmlShutdown balances this nvmlInit when the session is collected (its backend was
        # dropped), at interpreter exit, or on shutdown(), whichever comes first.
        self._shutdown_hook = weakref.finalize(self, _shutdown_binding, binding)
        self.unavailable_reason = None
        return binding

    def shutdown(self) -> None:
        """Call ``nvmlShutdown`` if NVML was initialised (errors are ignored)."""
        with self._lock:
            hook, self._shutdown_hook = self._shutdown_hook, None
            self._binding, self._tried = None, False
            if hook is not None:
                hook()


def _shutdown_binding(binding: NvmlBinding) -> None:
    try:
        binding.nvmlShutdown()
    except binding.NVMLError as exc:
        log.debug("nvmlShutdown failed: %s", exc)


#: The NVML session of a backend, made on first use: each backend initialises NVML once (the
#: library counts its inits and shutdowns) and ends its session when it is dropped.
_SESSIONS: MemoSpec[str, NvmlSession] = MemoSpec("nvml.session", maxsize=1)


def backend_session(roots: Roots) -> NvmlSession:
    """The NVML session of the backend that ``roots`` belongs to."""
    return _SESSIONS.of(roots).get_or_make("nvml", NvmlSession)


class _GpuLost(Exception):
    """Raised inside the reader when NVML answers ``GpuIsLost``."""


class _Calls:
    """Calls into the binding with the per-call error rules of this module."""

    def __init__(self, binding: NvmlBinding) -> None:
        self.binding = binding

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """The function's answer, or ``None`` when it fails; raises :class:`_GpuLost`."""
        fn = getattr(self.binding, name, None)
        if fn is None:
            return None
        try:
            return fn(*args, **kwargs)
        except self.binding.NVMLError as exc:
            code = getattr(exc, "value", None)
            if code == NVML_ERROR_GPU_IS_LOST:
                raise _GpuLost from exc
            if code not in (NVML_ERROR_NOT_SUPPORTED, NVML_ERROR_NO_PERMISSION):
                log.debug("NVML %s failed: %s", name, exc)
            return None
        except UnicodeDecodeError as exc:
            log.debug("NVML %s returned undecodable text: %s", name, exc)
            return None


def read_nvidia_gpus(roots: Roots, session: NvmlSession | None = None) -> tuple[GPU, ...]:
    """Every NVIDIA GPU NVML can see, in NVML index order (``()`` when NVML is unavailable).

    ``roots`` locates ``/proc`` for process names; ``session`` defaults to the session of the
    backend that ``roots`` belongs to (:func:`backend_session`).
    """
    binding = (session or backend_session(roots)).binding()
    if binding is None:
        return ()
    call = _Calls(binding)
    try:
        count = call("nvmlDeviceGetCount")
        driver_version = _text(call("nvmlSystemGetDriverVersion"))
        cuda = call("nvmlSystemGetCudaDriverVersion_v2")
        if cuda is None:
            cuda = call("nvmlSystemGetCudaDriverVersion")
    except _GpuLost:
        return ()
    common = {
        "driver": "nvidia",
        "driver_version": driver_version,
        "cuda_version": cuda_version_text(cuda),
    }
    gpus = []
    for index in range(count or 0):
        gpu = _read_gpu(call, index, common, roots)
        if gpu is not None:
            gpus.append(gpu)
    return tuple(gpus)


def _read_gpu(call: _Calls, index: int, common: dict[str, Any], roots: Roots) -> GPU | None:
    fields: dict[str, Any] = {"index": index, "vendor": "nvidia", "device_index": index, **common}
    try:
        handle = call("nvmlDeviceGetHandleByIndex", index)
        if handle is None:
            log.debug("NVML GPU %d has no handle (no permission?); skipped", index)
            return None
        _read_identity(call, handle, fields)
        _read_live(call, handle, fields)
        fields["processes"] = _read_processes(call, handle, roots)
    except _GpuLost:
        keep = {"index", "vendor", "device_index", "name", "uuid", "pci_bus_id", "vbios_version"}
        keep |= set(common)
        return GPU(lost=True, **{k: v for k, v in fields.items() if k in keep})
    return GPU(**fields)


def _read_identity(call: _Calls, h: Any, f: dict[str, Any]) -> None:
    f["name"] = _text(call("nvmlDeviceGetName", h))
    f["uuid"] = _text(call("nvmlDeviceGetUUID", h))
    pci = call("nvmlDeviceGetPciInfo", h)
    if pci is not None:
        raw = _text(getattr(pci, "busId", None)) or _text(getattr(pci, "busIdLegacy", None))
        f["pci_bus_id"] = normalize_pci_bus_id(raw) if raw else None
    f["vbios_version"] = _text(call("nvmlDeviceGetVbiosVersion", h))


def _read_live(call: _Calls, h: Any, f: dict[str, Any]) -> None:
    util = call("nvmlDeviceGetUtilizationRates", h)
    if util is not None:
        f["utilization_percent"] = _float(getattr(util, "gpu", None))
        f["memory_utilization_percent"] = _float(getattr(util, "memory", None))
    f["encoder_utilization_percent"] = _first(call("nvmlDeviceGetEncoderUtilization", h))
    f["decoder_utilization_percent"] = _first(call("nvmlDeviceGetDecoderUtilization", h))

    # A binding without the nvmlMemory_v2 constant predates the ``version`` argument: ask v1 only.
    v2 = getattr(call.binding, "nvmlMemory_v2", None)
    mem = call("nvmlDeviceGetMemoryInfo", h, version=v2) if isinstance(v2, int) else None
    if mem is not None:
        f["memory_reserved"] = _int(getattr(mem, "reserved", None))
    else:
        mem = call("nvmlDeviceGetMemoryInfo", h)
    if mem is not None:
        f["memory_total"] = _int(getattr(mem, "total", None))
        f["memory_used"] = _int(getattr(mem, "used", None))
        f["memory_free"] = _int(getattr(mem, "free", None))

    f["temperature_celsius"] = _float(call("nvmlDeviceGetTemperature", h, _TEMPERATURE_GPU))
    f["slowdown_celsius"] = _float(
        call("nvmlDeviceGetTemperatureThreshold", h, _THRESHOLD_SLOWDOWN)
    )
    f["shutdown_celsius"] = _float(
        call("nvmlDeviceGetTemperatureThreshold", h, _THRESHOLD_SHUTDOWN)
    )
    f["fan_percent"] = _float(call("nvmlDeviceGetFanSpeed", h))

    f["power_watts"] = _scaled(call("nvmlDeviceGetPowerUsage", h), 1e-3)
    limit = call("nvmlDeviceGetEnforcedPowerLimit", h)
    if limit is None:
        limit = call("nvmlDeviceGetPowerManagementLimit", h)
    f["power_limit_watts"] = _scaled(limit, 1e-3)
    f["energy_joules"] = _scaled(call("nvmlDeviceGetTotalEnergyConsumption", h), 1e-3)

    for key, clock in (("graphics", _CLOCK_GRAPHICS), ("sm", _CLOCK_SM), ("memory", _CLOCK_MEM)):
        f[f"{key}_hertz"] = _mhz(call("nvmlDeviceGetClockInfo", h, clock))
        f[f"{key}_max_hertz"] = _mhz(call("nvmlDeviceGetMaxClockInfo", h, clock))
    f["performance_state"] = pstate_name(call("nvmlDeviceGetPerformanceState", h))
    f["throttle_reasons"] = _throttle_reasons(call, h)

    f["pcie_tx_bytes_per_second"] = _kib(call("nvmlDeviceGetPcieThroughput", h, _PCIE_TX_BYTES))
    f["pcie_rx_bytes_per_second"] = _kib(call("nvmlDeviceGetPcieThroughput", h, _PCIE_RX_BYTES))
    f["pcie_link_generation"] = _int(call("nvmlDeviceGetCurrPcieLinkGeneration", h))
    f["pcie_link_width"] = _int(call("nvmlDeviceGetCurrPcieLinkWidth", h))
    f["pcie_link_generation_max"] = _int(call("nvmlDeviceGetMaxPcieLinkGeneration", h))
    f["pcie_link_width_max"] = _int(call("nvmlDeviceGetMaxPcieLinkWidth", h))

    ecc_mode = call("nvmlDeviceGetEccMode", h)
    current_ecc = _first(ecc_mode)
    f["ecc_enabled"] = None if current_ecc is None else bool(current_ecc)
    if f["ecc_enabled"]:
        f["ecc_errors"] = _ecc_errors(call, h)
    mig = call("nvmlDeviceGetMigMode", h)
    if mig is not None and len(mig) >= 2:
        f["mig_mode"] = MigMode(enabled=bool(mig[0]), pending_enabled=bool(mig[1]))


def _throttle_reasons(call: _Calls, h: Any) -> tuple[str, ...] | None:
    current = call("nvmlDeviceGetCurrentClocksEventReasons", h)
    if current is None:
        current = call("nvmlDeviceGetCurrentClocksThrottleReasons", h)
    if current is None:
        return None
    supported = call("nvmlDeviceGetSupportedClocksEventReasons", h)
    if supported is None:
        supported = call("nvmlDeviceGetSupportedClocksThrottleReasons", h)
    return decode_clock_event_reasons(current, supported)


def decode_clock_event_reasons(current: int, supported: int | None = None) -> tuple[str, ...]:
    """Names of the reason bits set in ``current`` (AND-ed with ``supported`` when known).

    Unknown bits are named by their hex value (``"0x800"``) rather than dropped.
    """
    mask = int(current) & (int(supported) if supported is not None else ~0)
    names = [name for bit, name in CLOCK_EVENT_REASONS if mask & bit]
    unknown = mask & ~_KNOWN_REASON_BITS
    bit = 1
    while unknown:
        if unknown & bit:
            names.append(hex(bit))
            unknown &= ~bit
        bit <<= 1
    return tuple(names)


def _ecc_errors(call: _Calls, h: Any) -> GPUEccErrors | None:
    values = {
        f"{kind}_{counter}": _int(call("nvmlDeviceGetTotalEccErrors", h, etype, ctype))
        for kind, etype in (("corrected", _ECC_CORRECTED), ("uncorrected", _ECC_UNCORRECTED))
        for counter, ctype in (("volatile", _ECC_VOLATILE), ("aggregate", _ECC_AGGREGATE))
    }
    if all(v is None for v in values.values()):
        return None
    return GPUEccErrors(**values)


def _running(call: _Calls, h: Any, kind: str) -> list[Any] | None:
    for suffix in ("_v3", "_v2"):
        procs = call(f"nvmlDeviceGet{kind}RunningProcesses{suffix}", h)
        if procs is not None:
            return list(procs)
    return None


def _read_processes(call: _Calls, h: Any, roots: Roots) -> tuple[GPUProcess, ...] | None:
    compute = _running(call, h, "Compute")
    graphics = _running(call, h, "Graphics")
    if compute is None and graphics is None:
        return None
    merged: dict[int, dict[str, Any]] = {}
    for kind, procs in (("compute", compute or []), ("graphics", graphics or [])):
        for p in procs:
            pid = _int(getattr(p, "pid", None))
            if pid is None:
                continue
            used = _int(getattr(p, "usedGpuMemory", None))
            entry = merged.setdefault(
                pid,
                {
                    "pid": pid,
                    "types": set(),
                    "used_memory": None,
                    "gpu_instance_id": _instance_id(getattr(p, "gpuInstanceId", None)),
                    "compute_instance_id": _instance_id(getattr(p, "computeInstanceId", None)),
                },
            )
            entry["types"].add(kind)
            if used is not None:
                prev = entry["used_memory"]
                entry["used_memory"] = used if prev is None else max(prev, used)
    result = []
    for pid in sorted(merged):
        e = merged[pid]
        types: set[str] = e.pop("types")
        ptype: GPUProcessType = (
            "compute+graphics"
            if len(types) == 2
            else "compute"
            if "compute" in types
            else "graphics"
        )
        result.append(GPUProcess(type=ptype, name=_process_name(call, roots, pid), **e))
    return tuple(result)


def _process_name(call: _Calls, roots: Roots, pid: int) -> str | None:
    """The command name from ``/proc/PID/comm``, else NVML's process name (basename)."""
    comm = fs.read_attr(roots.proc(str(pid), "comm"))
    if comm:
        return comm
    name = _text(call("nvmlSystemGetProcessName", pid))
    if name is None:
        return None
    return os.path.basename(name) or name


# --- small pure conversions ---------------------------------------------------------------------


def cuda_version_text(value: Any) -> str | None:
    """NVML's CUDA driver version integer (``12040``) as ``"12.4"``; ``None`` if absent."""
    v = _int(value)
    if v is None or v <= 0:
        return None
    return f"{v // 1000}.{(v % 1000) // 10}"


def pstate_name(value: Any) -> str | None:
    """NVML performance state 0-15 as ``"P0"``-``"P15"``; unknown (32) or absent is ``None``."""
    v = _int(value)
    return f"P{v}" if v is not None and 0 <= v <= _PSTATE_MAX else None


def normalize_pci_bus_id(bus_id: str) -> str:
    """A PCI address in the Linux sysfs form: ``00000000:3B:00.0`` → ``0000:3b:00.0``.

    Text that is not a ``domain:bus:device.function`` address is returned lowercased.
    """
    text = bus_id.strip().lower()
    domain, sep, rest = text.partition(":")
    if not sep or ":" not in rest:
        return text
    try:
        return f"{int(domain, 16):04x}:{rest}"
    except ValueError:
        return text


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip("\x00 \n")
    return text or None


def _int(value: Any) -> int | None:
    """NVML answers integers; anything else (including a bool) is no value."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _float(value: Any) -> float | None:
    v = _int(value)
    return None if v is None else float(v)


def _first(value: Any) -> float | None:
    """The first element of an NVML ``[value, period]`` style answer."""
    if value is None:
        return None
    try:
        return _float(value[0])
    except (TypeError, IndexError, KeyError):
        return None


def _scaled(value: Any, factor: float) -> float | None:
    v = _int(value)
    return None if v is None else v * factor


def _mhz(value: Any) -> int | None:
    v = _int(value)
    return None if v is None else v * 1_000_000


def _kib(value: Any) -> int | None:
    v = _int(value)
    return None if v is None else v * 1024


_NO_INSTANCE = 0xFFFFFFFF


def _instance_id(value: Any) -> int | None:
    v = _int(value)
    return None if v is None or v == _NO_INSTANCE else v
