"""Every GPU on a Linux machine: NVIDIA (NVML), then AMD (amdgpu sysfs), then Intel (i915/xe).

``index`` is renumbered to the position in the combined list, so it is unique across vendors; the
vendor's own number stays in ``device_index``. NVML describes the machine this runs on, so it is
asked only when the roots are this machine's own ``/proc`` and ``/sys`` (or when a session is
given explicitly): a captured tree never mixes in the host's GPUs. AMD and Intel follow the roots.
"""

from __future__ import annotations

import msgspec

from darwin_metrics.linux.amdgpu import read_amd_gpus
from darwin_metrics.linux.drm import GpuNames
from darwin_metrics.linux.fs import Roots, is_live
from darwin_metrics.linux.intel_gpu import read_intel_gpus
from darwin_metrics.nvml import NvmlSession, read_nvidia_gpus
from darwin_metrics.records.gpu import GPU


def read_gpus(
    roots: Roots, session: NvmlSession | None = None, names: GpuNames | None = None
) -> tuple[GPU, ...]:
    """All GPUs in a stable order; ``()`` when there are none."""
    nvidia = read_nvidia_gpus(roots, session) if session is not None or is_live(roots) else ()
    found = (
        *nvidia,
        *read_amd_gpus(roots, names),
        *read_intel_gpus(roots, names),
    )
    return tuple(
        gpu if gpu.index == i else msgspec.structs.replace(gpu, index=i)
        for i, gpu in enumerate(found)
    )
