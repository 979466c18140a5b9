"""Whether NVIDIA's management library is on this machine, found without loading it.

Kept apart from :mod:`darwin_metrics.nvml` so that a machine without NVIDIA's driver imports
neither the binding nor the NVML reader to learn that it has no NVIDIA GPUs.
"""

from __future__ import annotations

import os
import sys

#: The library nvidia-ml-py opens on Linux (``CDLL("libnvidia-ml.so.1")``).
NVML_SONAME = "libnvidia-ml.so.1"
#: Directories the dynamic loader searches by default, and where drivers put the library outside
#: the loader's cache: NVIDIA's container toolkit, WSL, NixOS.
NVML_DIRECTORIES = (
    "/lib",
    "/usr/lib",
    "/lib64",
    "/usr/lib64",
    "/usr/local/nvidia/lib64",
    "/usr/local/nvidia/lib",
    "/usr/lib/wsl/lib",
    "/run/opengl-driver/lib",
)
#: The dynamic loader's cache of library names (written by ``ldconfig``).
LD_SO_CACHE = "/etc/ld.so.cache"


def find_nvml_library(
    environ: dict[str, str] | None = None,
    directories: tuple[str, ...] = NVML_DIRECTORIES,
    cache: str = LD_SO_CACHE,
) -> str | None:
    """Where the dynamic loader would find :data:`NVML_SONAME`, or ``None``; cheap, no ``dlopen``.

    Looks where ``dlopen`` looks: the ``LD_LIBRARY_PATH`` directories, the loader's cache (the
    answer is then ``cache``, which names the library but not its directory), and the default and
    driver directories. Only Linux has the library; elsewhere the answer is ``None``.
    """
    if not sys.platform.startswith("linux"):
        return None
    env = os.environ if environ is None else environ
    search = [d for d in env.get("LD_LIBRARY_PATH", "").split(":") if d]
    for directory in search:
        path = os.path.join(directory, NVML_SONAME)
        if os.path.exists(path):
            return path
    try:
        with open(cache, "rb") as file:
            if NVML_SONAME.encode() in file.read():
                return cache
    except OSError:
        pass
    for directory in directories:
        path = os.path.join(directory, NVML_SONAME)
        if os.path.exists(path):
            return path
    return None
