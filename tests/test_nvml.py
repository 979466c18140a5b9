# ruff: noqa: N802, N815  (FakeNvml mirrors the camelCase function names of pynvml)
"""NVML → GPU record mapping, with NVML replaced at the binding's boundary.

Stdlib, pytest and nvidia-ml-py only (``scripts/gpu-check`` runs it with a bare system Python against
the installed binding's own structure types); the hypothesis fuzz is in ``test_nvml_fuzz.py``.

``FakeNvml`` stands where the ``pynvml`` module stands: it has the same function names, answers
with pynvml's own structure types and raises pynvml's own ``NVMLError`` subclasses, so the code
under test cannot tell it from the real binding. Each fake GPU is a dict from a call (function
name, or (function name, argument)) to its answer; a missing key answers ``NotSupported``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pynvml
import pytest

from darwin_metrics import nvml, nvmllib
from darwin_metrics.linux.fs import Roots
from darwin_metrics.nvml import (
    CLOCK_EVENT_REASONS,
    NvmlSession,
    cuda_version_text,
    decode_clock_event_reasons,
    normalize_pci_bus_id,
    pstate_name,
    read_nvidia_gpus,
)
from darwin_metrics.records.gpu import GPU, GPUEccErrors, GPUProcess, MigMode

MIB = 1024 * 1024


class Err:
    """An answer that raises ``NVMLError(code)``."""

    def __init__(self, code: int) -> None:
        self.code = code


NOT_SUPPORTED = Err(pynvml.NVML_ERROR_NOT_SUPPORTED)
NO_PERMISSION = Err(pynvml.NVML_ERROR_NO_PERMISSION)
GPU_LOST = Err(pynvml.NVML_ERROR_GPU_IS_LOST)
FUNCTION_NOT_FOUND = Err(pynvml.NVML_ERROR_FUNCTION_NOT_FOUND)
UNKNOWN = Err(pynvml.NVML_ERROR_UNKNOWN)


def proc(pid: int, used: int | None, gi: int = 0xFFFFFFFF, ci: int = 0xFFFFFFFF) -> Any:
    return pynvml.nvmlFriendlyObject(
        {"pid": pid, "usedGpuMemory": used, "gpuInstanceId": gi, "computeInstanceId": ci}
    )


class FakeNvml:
    """A stand-in for the ``pynvml`` module (see the module docstring)."""

    NVMLError = pynvml.NVMLError
    nvmlMemory_v2 = pynvml.nvmlMemory_v2

    def __init__(
        self,
        gpus: list[dict[Any, Any]],
        *,
        system: dict[Any, Any] | None = None,
        init_error: int | None = None,
        missing: frozenset[str] = frozenset(),
    ) -> None:
        self.gpus = gpus
        self.system = {
            "nvmlSystemGetDriverVersion": "550.54.15",
            "nvmlSystemGetCudaDriverVersion_v2": 12040,
            **(system or {}),
        }
        self.init_error = init_error
        self.missing = missing
        self.inits = 0
        self.shutdowns = 0
        self.calls: list[tuple[Any, ...]] = []

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise pynvml.NVMLError(self.init_error)
        self.inits += 1

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        answer = self.gpus[index].get("handle", index)
        return self._resolve(answer)  # type: ignore[no-any-return]

    @staticmethod
    def _resolve(answer: Any) -> Any:
        if isinstance(answer, Err):
            raise pynvml.NVMLError(answer.code)
        return answer

    def __getattribute__(self, name: str) -> Any:
        if name in object.__getattribute__(self, "missing"):
            raise AttributeError(name)
        return object.__getattribute__(self, name)

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("nvml") or name in self.missing:
            raise AttributeError(name)
        if name.startswith("nvmlSystem"):

            def system(*args: Any) -> Any:
                self.calls.append((name, *args))
                key = (name, *args) if args else name
                return self._resolve(self.system.get(key, NOT_SUPPORTED))

            return system

        def device(handle: int, *args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, handle, *args))
            gpu = self.gpus[handle]
            if kwargs.get("version") == pynvml.nvmlMemory_v2:
                key: Any = (name, "v2")
            else:
                key = (name, *args) if args else name
            return self._resolve(gpu.get(key, NOT_SUPPORTED))

        return device


def h100(extra: dict[Any, Any] | None = None, **overrides: Any) -> dict[Any, Any]:
    """A data-centre GPU that supports (nearly) everything."""
    gpu: dict[Any, Any] = {
        "nvmlDeviceGetName": "NVIDIA H100 80GB HBM3",
        "nvmlDeviceGetUUID": "GPU-6f1a1f7e-2b6c-4a5e-9d0e-3c2b1a0f9e8d",
        "nvmlDeviceGetPciInfo": pynvml.nvmlPciInfo_t(
            busIdLegacy=b"0000:18:00.0", busId=b"00000000:18:00.0", domain=0, bus=0x18
        ),
        "nvmlDeviceGetVbiosVersion": "96.00.89.00.01",
        "nvmlDeviceGetUtilizationRates": pynvml.c_nvmlUtilization_t(gpu=87, memory=43),
        "nvmlDeviceGetEncoderUtilization": [0, 167000],
        "nvmlDeviceGetDecoderUtilization": [3, 167000],
        ("nvmlDeviceGetMemoryInfo", "v2"): pynvml.c_nvmlMemory_v2_t(
            version=pynvml.nvmlMemory_v2,
            total=85520809984,
            reserved=553648128,
            free=80000000000,
            used=4967161856,
        ),
        ("nvmlDeviceGetTemperature", 0): 41,
        ("nvmlDeviceGetTemperatureThreshold", 1): 87,
        ("nvmlDeviceGetTemperatureThreshold", 0): 92,
        "nvmlDeviceGetPowerUsage": 71234,
        "nvmlDeviceGetEnforcedPowerLimit": 700000,
        "nvmlDeviceGetPowerManagementLimit": 650000,
        "nvmlDeviceGetTotalEnergyConsumption": 123456789,
        ("nvmlDeviceGetClockInfo", 0): 1755,
        ("nvmlDeviceGetClockInfo", 1): 1755,
        ("nvmlDeviceGetClockInfo", 2): 2619,
        ("nvmlDeviceGetMaxClockInfo", 0): 1980,
        ("nvmlDeviceGetMaxClockInfo", 1): 1980,
        ("nvmlDeviceGetMaxClockInfo", 2): 2619,
        "nvmlDeviceGetPerformanceState": 0,
        "nvmlDeviceGetCurrentClocksEventReasons": 0x1 | 0x4 | 0x200,
        "nvmlDeviceGetSupportedClocksEventReasons": 0x1FF,
        ("nvmlDeviceGetPcieThroughput", 0): 1234,
        ("nvmlDeviceGetPcieThroughput", 1): 5678,
        "nvmlDeviceGetCurrPcieLinkGeneration": 5,
        "nvmlDeviceGetCurrPcieLinkWidth": 16,
        "nvmlDeviceGetMaxPcieLinkGeneration": 5,
        "nvmlDeviceGetMaxPcieLinkWidth": 16,
        "nvmlDeviceGetEccMode": [1, 1],
        ("nvmlDeviceGetTotalEccErrors", 0, 0): 2,
        ("nvmlDeviceGetTotalEccErrors", 1, 0): 0,
        ("nvmlDeviceGetTotalEccErrors", 0, 1): 10,
        "nvmlDeviceGetMigMode": [0, 0],
        "nvmlDeviceGetComputeRunningProcesses_v3": [proc(4242, 1073741824)],
        "nvmlDeviceGetGraphicsRunningProcesses_v3": [proc(4242, 1073741824), proc(17, None)],
    }
    gpu.update(extra or {})
    gpu.update(overrides)
    return gpu


@pytest.fixture
def proc_root(tmp_path: Path) -> Roots:
    """A /proc with two processes' ``comm`` files (17 Xorg, 4242 python3)."""
    for pid, comm in ((17, "Xorg"), (4242, "python3")):
        d = tmp_path / "proc" / str(pid)
        d.mkdir(parents=True)
        (d / "comm").write_text(comm + "\n")
    return Roots(procfs=str(tmp_path / "proc"), sysfs=str(tmp_path / "sys"))


def read(fake: FakeNvml, roots: Roots) -> tuple[GPU, ...]:
    return read_nvidia_gpus(roots, NvmlSession(load=lambda: fake))


def test_full_featured_gpu(proc_root: Roots) -> None:
    (gpu,) = read(FakeNvml([h100()]), proc_root)
    assert gpu == GPU(
        index=0,
        vendor="nvidia",
        name="NVIDIA H100 80GB HBM3",
        device_index=0,
        uuid="GPU-6f1a1f7e-2b6c-4a5e-9d0e-3c2b1a0f9e8d",
        pci_bus_id="0000:18:00.0",
        driver="nvidia",
        driver_version="550.54.15",
        cuda_version="12.4",
        vbios_version="96.00.89.00.01",
        utilization_percent=87.0,
        memory_utilization_percent=43.0,
        encoder_utilization_percent=0.0,
        decoder_utilization_percent=3.0,
        memory_total=85520809984,
        memory_used=4967161856,
        memory_free=80000000000,
        memory_reserved=553648128,
        temperature_celsius=41.0,
        slowdown_celsius=87.0,
        shutdown_celsius=92.0,
        fan_percent=None,
        power_watts=71.234,
        power_limit_watts=700.0,
        energy_joules=123456.789,
        graphics_hertz=1_755_000_000,
        sm_hertz=1_755_000_000,
        memory_hertz=2_619_000_000,
        graphics_max_hertz=1_980_000_000,
        sm_max_hertz=1_980_000_000,
        memory_max_hertz=2_619_000_000,
        performance_state="P0",
        throttle_reasons=("gpu_idle", "sw_power_cap"),
        pcie_tx_bytes_per_second=1234 * 1024,
        pcie_rx_bytes_per_second=5678 * 1024,
        pcie_link_generation=5,
        pcie_link_width=16,
        pcie_link_generation_max=5,
        pcie_link_width_max=16,
        ecc_enabled=True,
        ecc_errors=GPUEccErrors(
            corrected_volatile=2,
            uncorrected_volatile=0,
            corrected_aggregate=10,
            uncorrected_aggregate=None,
        ),
        mig_mode=MigMode(enabled=False, pending_enabled=False),
        processes=(
            GPUProcess(pid=17, type="graphics", name="Xorg", used_memory=None),
            GPUProcess(pid=4242, type="compute+graphics", name="python3", used_memory=1073741824),
        ),
    )
    assert gpu.throttling is True
    assert gpu.throttling_reasons == ("sw_power_cap",)
    assert gpu.lost is False


def test_unit_conversions_are_exact() -> None:
    fake = FakeNvml([h100(nvmlDeviceGetPowerUsage=1, nvmlDeviceGetTotalEnergyConsumption=1)])
    (gpu,) = read(fake, Roots())
    assert gpu.power_watts == 0.001  # 1 mW
    assert gpu.energy_joules == 0.001  # 1 mJ
    fake = FakeNvml([h100(nvmlDeviceGetPowerUsage=450_500)])
    (gpu,) = read(fake, Roots())
    assert gpu.power_watts == pytest.approx(450.5, abs=1e-12)


def test_geforce_like_gpu_has_none_for_unsupported_fields(proc_root: Roots) -> None:
    supported = {
        "nvmlDeviceGetName": "NVIDIA GeForce RTX 3060",
        "nvmlDeviceGetUUID": "GPU-0b1c",
        "nvmlDeviceGetPciInfo": pynvml.nvmlPciInfo_t(busId=b"00000000:01:00.0"),
        "nvmlDeviceGetUtilizationRates": pynvml.c_nvmlUtilization_t(gpu=5, memory=2),
        ("nvmlDeviceGetMemoryInfo", "v2"): pynvml.c_nvmlMemory_v2_t(
            total=12884901888, reserved=322961408, free=12000000000, used=561940480
        ),
        ("nvmlDeviceGetTemperature", 0): 38,
        "nvmlDeviceGetFanSpeed": 30,
        "nvmlDeviceGetPowerUsage": 14580,
        "nvmlDeviceGetPowerManagementLimit": 170000,
        ("nvmlDeviceGetClockInfo", 0): 210,
        "nvmlDeviceGetPerformanceState": 8,
        "nvmlDeviceGetCurrentClocksEventReasons": 0x1,
        "nvmlDeviceGetEccMode": NOT_SUPPORTED,
        "nvmlDeviceGetComputeRunningProcesses_v3": [],
        "nvmlDeviceGetGraphicsRunningProcesses_v3": [proc(17, 26214400)],
    }
    (gpu,) = read(FakeNvml([supported]), proc_root)
    assert gpu.name == "NVIDIA GeForce RTX 3060"
    assert gpu.pci_bus_id == "0000:01:00.0"
    assert gpu.memory_total == 12884901888
    assert gpu.memory_used == 561940480
    assert gpu.fan_percent == 30.0
    assert gpu.power_watts == pytest.approx(14.58)
    # Enforced limit not supported: the management limit stands in.
    assert gpu.power_limit_watts == 170.0
    assert gpu.graphics_hertz == 210_000_000
    assert gpu.performance_state == "P8"
    # Supported-reasons mask unknown: the current mask is taken as it is.
    assert gpu.throttle_reasons == ("gpu_idle",)
    assert gpu.throttling is False
    assert gpu.processes == (
        GPUProcess(pid=17, type="graphics", name="Xorg", used_memory=26214400),
    )
    for field in (
        "vbios_version",
        "encoder_utilization_percent",
        "decoder_utilization_percent",
        "slowdown_celsius",
        "shutdown_celsius",
        "energy_joules",
        "sm_hertz",
        "memory_hertz",
        "graphics_max_hertz",
        "pcie_tx_bytes_per_second",
        "pcie_rx_bytes_per_second",
        "pcie_link_generation",
        "ecc_enabled",
        "ecc_errors",
        "mig_mode",
    ):
        assert getattr(gpu, field) is None, field


def test_no_permission_makes_fields_none_and_skips_unreachable_gpus(proc_root: Roots) -> None:
    fake = FakeNvml(
        [
            h100(
                nvmlDeviceGetEnforcedPowerLimit=NO_PERMISSION,
                nvmlDeviceGetPowerManagementLimit=NO_PERMISSION,
                nvmlDeviceGetComputeRunningProcesses_v3=NO_PERMISSION,
                nvmlDeviceGetComputeRunningProcesses_v2=NO_PERMISSION,
                nvmlDeviceGetGraphicsRunningProcesses_v3=NO_PERMISSION,
                nvmlDeviceGetGraphicsRunningProcesses_v2=NO_PERMISSION,
            ),
            h100(handle=NO_PERMISSION),
            h100(nvmlDeviceGetUUID="GPU-third"),
        ]
    )
    gpus = read(fake, proc_root)
    assert [g.device_index for g in gpus] == [0, 2]
    assert [g.index for g in gpus] == [0, 2]
    assert gpus[0].power_limit_watts is None
    assert gpus[0].processes is None
    assert gpus[0].power_watts == 71.234
    assert gpus[1].uuid == "GPU-third"


def test_gpu_lost_mid_enumeration(proc_root: Roots) -> None:
    fake = FakeNvml(
        [
            h100(nvmlDeviceGetUUID="GPU-a"),
            h100(nvmlDeviceGetUUID="GPU-b", nvmlDeviceGetUtilizationRates=GPU_LOST),
            h100(nvmlDeviceGetUUID="GPU-c", handle=GPU_LOST),
            h100(nvmlDeviceGetUUID="GPU-d"),
        ]
    )
    a, b, c, d = read(fake, proc_root)
    assert (a.lost, b.lost, c.lost, d.lost) == (False, True, True, False)
    # What was read before the loss is kept; nothing after it is.
    assert b.uuid == "GPU-b"
    assert b.name == "NVIDIA H100 80GB HBM3"
    assert b.pci_bus_id == "0000:18:00.0"
    assert b.driver_version == "550.54.15"
    assert b.memory_total is None
    assert b.utilization_percent is None
    assert b.processes is None
    assert c == GPU(
        index=2,
        vendor="nvidia",
        device_index=2,
        driver="nvidia",
        driver_version="550.54.15",
        cuda_version="12.4",
        lost=True,
    )
    assert d.uuid == "GPU-d"
    assert d.memory_total == 85520809984
    # Nothing more was asked of the lost GPU after the loss.
    assert not [call for call in fake.calls if call[1:2] == (1,) and "Memory" in call[0]]


def test_several_gpus_in_nvml_order(proc_root: Roots) -> None:
    fake = FakeNvml(
        [h100(nvmlDeviceGetUUID=f"GPU-{i}", nvmlDeviceGetPowerUsage=100_000 + i) for i in range(8)]
    )
    gpus = read(fake, proc_root)
    assert [g.index for g in gpus] == list(range(8))
    assert [g.uuid for g in gpus] == [f"GPU-{i}" for i in range(8)]
    assert [g.power_watts for g in gpus] == [pytest.approx(100 + i / 1000) for i in range(8)]


def test_mig_enabled(proc_root: Roots) -> None:
    fake = FakeNvml(
        [
            h100(
                nvmlDeviceGetMigMode=[1, 0],
                nvmlDeviceGetUtilizationRates=NOT_SUPPORTED,
                nvmlDeviceGetComputeRunningProcesses_v3=[
                    proc(4242, None, gi=1, ci=0),
                    proc(5000, None, gi=2, ci=0),
                ],
                nvmlDeviceGetGraphicsRunningProcesses_v3=[],
            )
        ]
    )
    (gpu,) = read(fake, proc_root)
    assert gpu.mig_mode == MigMode(enabled=True, pending_enabled=False)
    assert gpu.utilization_percent is None
    assert gpu.processes == (
        GPUProcess(
            pid=4242,
            type="compute",
            name="python3",
            used_memory=None,
            gpu_instance_id=1,
            compute_instance_id=0,
        ),
        # pid 5000 has no /proc entry here (another PID namespace), and NVML cannot name it.
        GPUProcess(pid=5000, type="compute", name=None, gpu_instance_id=2, compute_instance_id=0),
    )


def test_process_name_falls_back_to_nvml(proc_root: Roots) -> None:
    fake = FakeNvml(
        [
            h100(
                nvmlDeviceGetGraphicsRunningProcesses_v3=[],
                nvmlDeviceGetComputeRunningProcesses_v3=[proc(999, 5 * MIB)],
            )
        ],
        system={("nvmlSystemGetProcessName", 999): "/usr/bin/trainer"},
    )
    (gpu,) = read(fake, proc_root)
    assert gpu.processes == (
        GPUProcess(pid=999, type="compute", name="trainer", used_memory=5 * MIB),
    )


def test_processes_fall_back_to_v2() -> None:
    fake = FakeNvml(
        [
            h100(
                nvmlDeviceGetComputeRunningProcesses_v3=FUNCTION_NOT_FOUND,
                nvmlDeviceGetComputeRunningProcesses_v2=[proc(1, 2 * MIB)],
                nvmlDeviceGetGraphicsRunningProcesses_v3=FUNCTION_NOT_FOUND,
                nvmlDeviceGetGraphicsRunningProcesses_v2=[],
            )
        ]
    )
    (gpu,) = read(fake, Roots(procfs="/nonexistent", sysfs="/nonexistent"))
    assert gpu.processes == (GPUProcess(pid=1, type="compute", name=None, used_memory=2 * MIB),)


def test_memory_v2_missing_falls_back_to_v1() -> None:
    v1 = pynvml.c_nvmlMemory_t(total=17179869184, free=16000000000, used=1179869184)
    fake = FakeNvml(
        [
            h100(
                {
                    ("nvmlDeviceGetMemoryInfo", "v2"): FUNCTION_NOT_FOUND,
                    "nvmlDeviceGetMemoryInfo": v1,
                }
            )
        ]
    )
    (gpu,) = read(fake, Roots())
    assert gpu.memory_total == 17179869184
    assert gpu.memory_free == 16000000000
    assert gpu.memory_used == 1179869184
    assert gpu.memory_reserved is None
    asked = [c for c in fake.calls if c[0] == "nvmlDeviceGetMemoryInfo"]
    assert len(asked) == 2


def test_old_binding_without_memory_v2_asks_v1_only() -> None:
    v1 = pynvml.c_nvmlMemory_t(total=17179869184, free=16000000000, used=1179869184)
    fake = FakeNvml([h100(nvmlDeviceGetMemoryInfo=v1)], missing=frozenset({"nvmlMemory_v2"}))
    (gpu,) = read(fake, Roots())
    assert gpu.memory_total == 17179869184
    assert gpu.memory_reserved is None
    assert [c for c in fake.calls if c[0] == "nvmlDeviceGetMemoryInfo"] == [
        ("nvmlDeviceGetMemoryInfo", 0)
    ]


def test_throttle_reasons_fall_back_to_old_names() -> None:
    missing = frozenset(
        {"nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetSupportedClocksEventReasons"}
    )
    fake = FakeNvml(
        [
            h100(
                nvmlDeviceGetCurrentClocksThrottleReasons=0x20 | 0x40 | 0x100 | 0x800,
                nvmlDeviceGetSupportedClocksThrottleReasons=0x1FF,
            )
        ],
        missing=missing,
    )
    (gpu,) = read(fake, Roots())
    assert gpu.throttle_reasons == (
        "sw_thermal_slowdown",
        "hw_thermal_slowdown",
        "display_clock_setting",
    )
    assert gpu.throttling_reasons == ("sw_thermal_slowdown", "hw_thermal_slowdown")


def test_throttle_reasons_unknown_when_not_supported() -> None:
    fake = FakeNvml([h100(nvmlDeviceGetCurrentClocksEventReasons=NOT_SUPPORTED)])
    (gpu,) = read(fake, Roots())
    assert gpu.throttle_reasons is None
    assert gpu.throttling is None


def test_decode_clock_event_reasons() -> None:
    assert decode_clock_event_reasons(0) == ()
    assert decode_clock_event_reasons(0x1FF, 0x1FF) == tuple(n for _, n in CLOCK_EVENT_REASONS[:9])
    assert decode_clock_event_reasons(0x8 | 0x80, 0x8) == ("hw_slowdown",)
    assert decode_clock_event_reasons(0x4 | 0x1000) == ("sw_power_cap", "0x1000")
    assert decode_clock_event_reasons(0x10) == ("sync_boost",)


def test_ecc_disabled_reads_no_counters() -> None:
    fake = FakeNvml([h100(nvmlDeviceGetEccMode=[0, 1])])
    (gpu,) = read(fake, Roots())
    assert gpu.ecc_enabled is False
    assert gpu.ecc_errors is None
    assert not [c for c in fake.calls if c[0] == "nvmlDeviceGetTotalEccErrors"]


def test_other_nvml_errors_are_none_not_exceptions() -> None:
    fake = FakeNvml([h100(nvmlDeviceGetPowerUsage=UNKNOWN, nvmlDeviceGetName=UNKNOWN)])
    (gpu,) = read(fake, Roots())
    assert gpu.power_watts is None
    assert gpu.name is None
    assert gpu.uuid == "GPU-6f1a1f7e-2b6c-4a5e-9d0e-3c2b1a0f9e8d"


def test_cuda_version_falls_back_to_v1_call() -> None:
    fake = FakeNvml(
        [h100()],
        system={
            "nvmlSystemGetCudaDriverVersion_v2": FUNCTION_NOT_FOUND,
            "nvmlSystemGetCudaDriverVersion": 11080,
        },
    )
    (gpu,) = read(fake, Roots())
    assert gpu.cuda_version == "11.8"


@pytest.mark.parametrize(
    "code",
    [
        pynvml.NVML_ERROR_LIBRARY_NOT_FOUND,
        pynvml.NVML_ERROR_DRIVER_NOT_LOADED,
        pynvml.NVML_ERROR_NO_PERMISSION,
    ],
)
def test_init_failure_means_no_gpus(code: int) -> None:
    fake = FakeNvml([h100()], init_error=code)
    session = NvmlSession(load=lambda: fake)
    assert read_nvidia_gpus(Roots(), session) == ()
    assert session.unavailable_reason is not None
    assert "nvmlInit failed" in session.unavailable_reason
    # Not retried on the next call.
    assert read_nvidia_gpus(Roots(), session) == ()


def test_missing_binding_means_no_gpus() -> None:
    session = NvmlSession(load=lambda: None)
    assert read_nvidia_gpus(Roots(), session) == ()
    assert session.unavailable_reason == "nvidia-ml-py (pynvml) is not installed"


def test_import_error_means_no_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pynvml(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pynvml":
            raise ImportError("no pynvml")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pynvml)
    monkeypatch.setattr(nvml, "find_nvml_library", lambda: "/usr/lib/libnvidia-ml.so.1")
    with pytest.raises(nvml.NvmlNotFound, match="not installed"):
        nvml._import_pynvml()
    session = NvmlSession()
    assert read_nvidia_gpus(Roots(), session) == ()
    assert session.unavailable_reason == "nvidia-ml-py (pynvml) is not installed"


def test_without_the_library_pynvml_is_not_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__
    imported: list[str] = []

    def watch(name: str, *args: Any, **kwargs: Any) -> Any:
        imported.append(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(nvml, "find_nvml_library", lambda: None)
    monkeypatch.setattr(builtins, "__import__", watch)
    session = NvmlSession()
    assert read_nvidia_gpus(Roots(), session) == ()
    assert "pynvml" not in imported
    assert session.unavailable_reason == (
        "NVIDIA's management library (libnvidia-ml.so.1) was not found"
    )


def test_find_nvml_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    empty, driver, env_dir = tmp_path / "empty", tmp_path / "driver", tmp_path / "env"
    for d in (empty, driver, env_dir):
        d.mkdir()
    cache = tmp_path / "ld.so.cache"
    cache.write_bytes(b"glibc-ld.so.cache1.1\0libc.so.6\0/lib/libc.so.6\0")
    find = nvmllib.find_nvml_library
    assert find({}, (str(empty),), str(cache)) is None
    assert find({}, (str(empty),), str(tmp_path / "no-cache")) is None
    (driver / "libnvidia-ml.so.1").write_bytes(b"")
    assert find({}, (str(empty), str(driver)), str(cache)) == str(driver / "libnvidia-ml.so.1")
    (env_dir / "libnvidia-ml.so.1").write_bytes(b"")
    env = {"LD_LIBRARY_PATH": f"::{empty}:{env_dir}"}
    assert find(env, (str(driver),), str(cache)) == str(env_dir / "libnvidia-ml.so.1")
    cache.write_bytes(b"glibc-ld.so.cache1.1\0libnvidia-ml.so.1\0/usr/lib/x/libnvidia-ml.so.1\0")
    assert find({}, (str(empty),), str(cache)) == str(cache)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert find({}, (str(driver),), str(cache)) is None


def test_init_once_and_shutdown() -> None:
    fake = FakeNvml([h100()])
    session = NvmlSession(load=lambda: fake)
    for _ in range(3):
        assert len(read_nvidia_gpus(Roots(), session)) == 1
    assert fake.inits == 1
    session.shutdown()
    assert fake.shutdowns == 1
    session.shutdown()  # a second shutdown does nothing
    assert fake.shutdowns == 1
    read_nvidia_gpus(Roots(), session)
    assert fake.inits == 2


def test_init_is_guarded_by_a_lock() -> None:
    import threading

    fake = FakeNvml([h100()])
    session = NvmlSession(load=lambda: fake)
    threads = [threading.Thread(target=session.binding) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.inits == 1


def test_real_binding_on_this_machine() -> None:
    """The real pynvml: without a driver (as on the CI machine) this is an empty tuple."""
    session = NvmlSession()
    gpus = read_nvidia_gpus(Roots(), session)
    assert isinstance(gpus, tuple)
    if session.unavailable_reason is not None:
        assert gpus == ()
    session.shutdown()


def test_pure_helpers() -> None:
    assert cuda_version_text(12040) == "12.4"
    assert cuda_version_text(12020) == "12.2"
    assert cuda_version_text(11080) == "11.8"
    assert cuda_version_text(0) is None
    assert cuda_version_text(None) is None
    assert pstate_name(0) == "P0"
    assert pstate_name(15) == "P15"
    assert pstate_name(32) is None
    assert normalize_pci_bus_id("00000000:3B:00.0") == "0000:3b:00.0"
    assert normalize_pci_bus_id("0000:3b:00.0") == "0000:3b:00.0"
    assert normalize_pci_bus_id("00010000:01:00.0") == "10000:01:00.0"
    assert normalize_pci_bus_id("garbage") == "garbage"


def test_process_name_reads_proc_comm(proc_root: Roots) -> None:
    assert os.path.exists(proc_root.proc("17", "comm"))
    fake = FakeNvml([h100(nvmlDeviceGetGraphicsRunningProcesses_v3=[proc(17, None)])])
    (gpu,) = read(fake, proc_root)
    assert gpu.processes is not None
    assert [p.name for p in gpu.processes] == ["Xorg", "python3"]


def test_each_backend_has_a_session_that_ends_with_it() -> None:
    import gc

    assert nvml.backend_session(Roots()) is not nvml.backend_session(Roots())
    fake = FakeNvml([h100()])
    roots = Roots()
    nvml._SESSIONS.of(roots).put("nvml", NvmlSession(load=lambda: fake))
    assert nvml.backend_session(roots) is nvml.backend_session(roots)
    for _ in range(2):
        assert len(read_nvidia_gpus(roots)) == 1
    assert (fake.inits, fake.shutdowns) == (1, 0)
    del roots
    gc.collect()
    assert (fake.inits, fake.shutdowns) == (1, 1)
