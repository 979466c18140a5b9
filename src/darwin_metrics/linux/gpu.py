"""Every GPU on a Linux machine: NVIDIA (NVML), then AMD (amdgpu sysfs), then Intel (i915/xe).

``index`` is renumbered to the position in the combined list, so it is unique across vendors; the
vendor's own number stays in ``device_index``. NVML describes the machine this runs on, so it is
asked only when the roots are this machine's own ``/proc`` and ``/sys`` (or when a session is
given explicitly): a captured tree never mixes in the host's GPUs. AMD and Intel follow the roots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from darwin_metrics.linux import fs
from darwin_metrics.linux.fs import Roots, is_live

if TYPE_CHECKING:
    from darwin_metrics.linux.drm import GpuNames
    from darwin_metrics.nvml import NvmlSession
    from darwin_metrics.records.gpu import GPU


def read_gpus(
    roots: Roots, session: NvmlSession | None = None, names: GpuNames | None = None
) -> tuple[GPU, ...]:
    """All GPUs in a stable order; ``()`` when there are none.

    A machine without NVIDIA's library (and no ``session`` given) has no NVIDIA GPUs, and one
    without DRM cards has no AMD or Intel GPUs: those readers are not even imported there.
    """
    found = (*_nvidia_gpus(roots, session), *_drm_gpus(roots, names))
    return tuple(
        gpu if gpu.index == i else msgspec.structs.replace(gpu, index=i)
        for i, gpu in enumerate(found)
    )


def _nvidia_gpus(roots: Roots, session: NvmlSession | None) -> tuple[GPU, ...]:
    if session is None:
        if not is_live(roots):
            return ()
        from darwin_metrics.nvmllib import find_nvml_library

        if find_nvml_library() is None:
            return ()
    from darwin_metrics.nvml import read_nvidia_gpus

    return read_nvidia_gpus(roots, session)


def _drm_gpus(roots: Roots, names: GpuNames | None) -> tuple[GPU, ...]:
    entries = fs.listdir(roots.sys("class", "drm"))
    if not any(e.startswith("card") and e[4:].isdigit() for e in entries):
        return ()
    from darwin_metrics.linux.amdgpu import read_amd_gpus
    from darwin_metrics.linux.intel_gpu import read_intel_gpus

    return (*read_amd_gpus(roots, names), *read_intel_gpus(roots, names))
