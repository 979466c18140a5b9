"""GPU records: one :class:`GPU` per graphics processor, whatever its vendor.

Units follow the project rule: bytes, hertz, degrees Celsius, watts, joules, bytes per second;
``*_percent`` fields are 0-100. Every field a GPU (or its driver, or this caller's permissions)
cannot give is ``None``; nothing is faked as ``0``.
"""

from __future__ import annotations

from typing import Literal

import msgspec

GPUVendor = Literal["nvidia", "amd", "intel", "apple"]
GPUProcessType = Literal["compute", "graphics", "compute+graphics"]

#: Clock-event (throttle) reasons that mean the GPU runs slower than it wants to because of a power,
#: thermal or hardware limit. The other reasons (``gpu_idle``, ``applications_clocks_setting``,
#: ``display_clock_setting``, ``sync_boost``) are idling or a clock setting, not a slowdown.
THROTTLING_REASONS = frozenset(
    {
        "sw_power_cap",
        "hw_slowdown",
        "sw_thermal_slowdown",
        "hw_thermal_slowdown",
        "hw_power_brake_slowdown",
        "board_limit",
        "reliability",
    }
)
#: The subset of :data:`THROTTLING_REASONS` caused by temperature.
THERMAL_THROTTLING_REASONS = frozenset({"sw_thermal_slowdown", "hw_thermal_slowdown"})


class GPUProcess(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A process using a GPU.

    ``used_memory`` is the GPU memory the process holds on that GPU, in bytes (``None`` when the
    driver does not say, as under MIG or WDDM). ``type`` is ``compute`` (CUDA/OpenCL context),
    ``graphics`` (OpenGL/Vulkan/display context) or ``compute+graphics`` when the process has both.
    ``gpu_instance_id``/``compute_instance_id`` name the MIG instance, ``None`` outside MIG.
    ``name`` is the process's command name (``/proc/PID/comm``); NVML reports host PIDs, so inside a
    container without the host PID namespace the name may be ``None``.
    """

    pid: int
    type: GPUProcessType
    name: str | None = None
    used_memory: int | None = None
    gpu_instance_id: int | None = None
    compute_instance_id: int | None = None


class GPUEccErrors(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """ECC memory error counts. ``volatile`` counts since the driver loaded, ``aggregate`` over the
    GPU's lifetime (kept in the infoROM). ``None`` where that counter is not supported."""

    corrected_volatile: int | None = None
    uncorrected_volatile: int | None = None
    corrected_aggregate: int | None = None
    uncorrected_aggregate: int | None = None


class MigMode(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """NVIDIA Multi-Instance GPU mode: ``enabled`` is whether MIG is on now; ``pending_enabled`` whether it
    will be on after the next GPU reset."""

    enabled: bool
    pending_enabled: bool


class GPU(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One GPU.

    Identity:
      ``index`` is the GPU's position in ``gpus()`` (NVIDIA GPUs first in NVML order, then AMD, then
      Intel, each by PCI address); ``device_index`` is the vendor tool's own number: the NVML index
      (as in ``nvidia-smi``) or the DRM card number (``card1`` → 1). ``uuid`` is a stable identifier:
      NVIDIA's ``GPU-…`` UUID or amdgpu's ``unique_id``. ``pci_bus_id`` is in the Linux sysfs form
      ``0000:3b:00.0`` (lowercase, 4-digit domain). ``driver`` is the kernel driver (``nvidia``,
      ``amdgpu``, ``i915``, ``xe``); ``cuda_version`` is the CUDA version the driver supports (``"12.4"``).
      ``lost`` is True when NVML reported the GPU as lost (fallen off the bus): its other live fields
      are then ``None``. ``suspended`` is True for a runtime-suspended (sleeping) AMD/Intel GPU whose
      live sensors were not read, because reading them would wake it.

    Load, in percent over the driver's sampling window: ``utilization_percent`` (graphics/compute
    engine busy), ``memory_utilization_percent`` (memory controller busy), ``encoder_``/``decoder_``.

    Memory in bytes: ``memory_total``/``used``/``free`` (VRAM; with NVML v2 ``used`` excludes
    ``memory_reserved``, the driver's own reservation); ``memory_visible_*`` is CPU-visible VRAM and
    ``gtt_*`` system memory mapped for the GPU (amdgpu).

    Temperatures in °C: ``temperature_celsius`` (the GPU die or amdgpu ``edge``), ``junction_celsius``
    (hotspot), ``memory_celsius``; ``slowdown_celsius``/``shutdown_celsius`` are the
    thresholds where the GPU slows down / shuts off (amdgpu ``temp1_crit`` / ``temp1_emergency``).

    Cooling and power: ``fan_percent`` is the fan duty (0-100), ``fan_rpm`` RPM; ``power_watts`` and
    ``power_limit_watts`` (the enforced limit) are watts; ``energy_joules`` is joules consumed since
    the driver loaded (a cumulative counter).

    Clocks in hertz: current ``graphics_hertz``, ``sm_hertz``, ``memory_hertz`` and their maxima
    ``*_max_hertz``; ``graphics_min_hertz`` and ``graphics_actual_hertz`` (Intel: the requested
    frequency is ``graphics_hertz``, the one the hardware runs at ``graphics_actual_hertz``).
    ``performance_state`` is NVIDIA's ``P0`` (fastest) … ``P15``; ``performance_level`` is amdgpu's
    ``power_dpm_force_performance_level`` (``auto``, ``manual``…).

    ``throttle_reasons`` are NVIDIA's active clock-event reasons, decoded to names (``gpu_idle``,
    ``applications_clocks_setting``, ``sw_power_cap``, ``hw_slowdown``, ``sync_boost``,
    ``sw_thermal_slowdown``, ``hw_thermal_slowdown``, ``hw_power_brake_slowdown``,
    ``display_clock_setting``, ``board_limit``, ``reliability``); see :attr:`throttling`.

    PCIe: ``pcie_tx_bytes_per_second``/``pcie_rx_bytes_per_second`` in bytes per second (NVML samples them over
    20 ms), ``pcie_link_generation``/``width`` now and their ``_max``.

    ``ecc_enabled``/``ecc_errors``, ``mig_mode`` and ``processes`` (``()`` when none run, ``None``
    when the driver cannot list them) complete the NVIDIA picture.

    macOS adds: ``core_count`` (Apple GPU cores), ``renderer_utilization_percent`` and
    ``tiler_utilization_percent`` (Apple GPUs' two pipelines, 0-100), ``memory_allocated`` (bytes
    the driver has allocated, of which ``memory_used`` are in use) and ``unified_memory`` (the GPU
    shares system memory: Apple Silicon).
    """

    index: int
    vendor: GPUVendor
    name: str | None = None
    device_index: int | None = None
    uuid: str | None = None
    pci_bus_id: str | None = None
    driver: str | None = None
    driver_version: str | None = None
    cuda_version: str | None = None
    vbios_version: str | None = None
    lost: bool = False
    suspended: bool | None = None

    utilization_percent: float | None = None
    memory_utilization_percent: float | None = None
    encoder_utilization_percent: float | None = None
    decoder_utilization_percent: float | None = None

    memory_total: int | None = None
    memory_used: int | None = None
    memory_free: int | None = None
    memory_reserved: int | None = None
    memory_visible_total: int | None = None
    memory_visible_used: int | None = None
    gtt_total: int | None = None
    gtt_used: int | None = None

    temperature_celsius: float | None = None
    junction_celsius: float | None = None
    memory_celsius: float | None = None
    slowdown_celsius: float | None = None
    shutdown_celsius: float | None = None

    fan_percent: float | None = None
    fan_rpm: float | None = None
    power_watts: float | None = None
    power_limit_watts: float | None = None
    energy_joules: float | None = None

    graphics_hertz: int | None = None
    sm_hertz: int | None = None
    memory_hertz: int | None = None
    graphics_max_hertz: int | None = None
    sm_max_hertz: int | None = None
    memory_max_hertz: int | None = None
    graphics_min_hertz: int | None = None
    graphics_actual_hertz: int | None = None
    performance_state: str | None = None
    performance_level: str | None = None

    throttle_reasons: tuple[str, ...] | None = None

    pcie_tx_bytes_per_second: int | None = None
    pcie_rx_bytes_per_second: int | None = None
    pcie_link_generation: int | None = None
    pcie_link_width: int | None = None
    pcie_link_generation_max: int | None = None
    pcie_link_width_max: int | None = None

    ecc_enabled: bool | None = None
    ecc_errors: GPUEccErrors | None = None
    mig_mode: MigMode | None = None
    processes: tuple[GPUProcess, ...] | None = None
    core_count: int | None = None
    renderer_utilization_percent: float | None = None
    tiler_utilization_percent: float | None = None
    memory_allocated: int | None = None
    unified_memory: bool | None = None

    @property
    def throttling_reasons(self) -> tuple[str, ...] | None:
        """The active reasons that slow the GPU down (those in :data:`THROTTLING_REASONS`), or
        ``None`` when the reasons are unknown."""
        if self.throttle_reasons is None:
            return None
        return tuple(r for r in self.throttle_reasons if r in THROTTLING_REASONS)

    @property
    def throttling(self) -> bool | None:
        """True when a power, thermal or hardware limit slows the GPU now; ``None`` when unknown."""
        reasons = self.throttling_reasons
        return None if reasons is None else bool(reasons)
