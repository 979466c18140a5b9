"""Running this checkout's package as another user (``nobody``, uid 65534) in a test.

The test's own interpreter and sources may sit where another user cannot enter (a virtual
environment under ``/root``, a clone in a 0700 directory or a fresh ``mktemp -d``). So the
sources and msgspec are copied into a world-readable temporary directory, and an interpreter of
this Python version that anyone may run is found: this one if others can reach it, else the
system's ``pythonX.Y`` or ``python3`` (msgspec is compiled for the version).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec
import pytest

SOURCES = Path(__file__).resolve().parents[2] / "src" / "darwin_metrics"


def open_to_others(path: str) -> bool:
    """Whether any user may reach ``path`` (every directory on the way searchable by others,
    the file itself executable by them)."""
    parts = os.path.realpath(path).split(os.sep)
    for i in range(2, len(parts) + 1):
        mode = os.stat(os.sep.join(parts[:i]) or os.sep).st_mode
        if not mode & stat.S_IXOTH:
            return False
    return True


def _same_version(python: str) -> bool:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return out == str(sys.version_info[:2])


def interpreter_for_others() -> str | None:
    """An interpreter of this Python version that any user may run, or ``None``."""
    if open_to_others(sys.executable):
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for name in (version, "python3"):
        found = shutil.which(name, path="/usr/bin:/usr/local/bin:/bin")
        if found is not None and open_to_others(found) and _same_version(found):
            return found
    return None


@contextmanager
def package_for_others() -> Iterator[tuple[str, dict[str, str]]]:
    """``(python, env)``: an interpreter others may run and an environment whose ``PYTHONPATH``
    holds world-readable copies of darwin_metrics and msgspec (removed afterwards). Skips the
    test, with the reason, where no such interpreter exists."""
    python = interpreter_for_others()
    if python is None:
        pytest.skip(f"no Python {sys.version_info[:2]} interpreter that another user may run")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        shutil.copytree(
            SOURCES,
            os.path.join(tmp, "darwin_metrics"),
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        shutil.copytree(
            os.path.dirname(msgspec.__file__),
            os.path.join(tmp, "msgspec"),
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        for root, dirs, files in os.walk(tmp):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)
        yield python, {"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin"}
