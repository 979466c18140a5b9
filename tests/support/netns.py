"""A network namespace for a test (root and iproute2 needed; the test is skipped otherwise)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``ip ARGS`` (iproute2) and return its result."""
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


@contextmanager
def namespace(prefix: str) -> Iterator[str]:
    """A new network namespace named ``PREFIX<pid>``, deleted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("iproute2 (ip) is not installed")
    name = f"{prefix}{os.getpid()}"
    made = ip("netns", "add", name, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {made.stderr.strip()}")
    try:
        yield name
    finally:
        ip("netns", "del", name, check=False)
