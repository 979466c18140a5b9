"""Importing darwin-metrics anywhere loads no native library, and the macOS code stays type-checkable
on every platform (no module-level platform guards that would hide it from mypy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import darwin_metrics

_PROBE = r"""
import ctypes, importlib, pkgutil
opened = []
real_init = ctypes.CDLL.__init__
def spy(self, name, *args, **kwargs):
    opened.append(name)
    return real_init(self, name, *args, **kwargs)
ctypes.CDLL.__init__ = spy

import darwin_metrics
import darwin_metrics.darwin as pkg
names = [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
for name in names:
    importlib.import_module(name)
from darwin_metrics.darwin.backend import DarwinBackend
from darwin_metrics.darwin.ffi import loader
DarwinBackend()
assert loader.loaded() == (), loader.loaded()
assert opened == [], opened
print(len(names))
"""


def test_import_loads_no_dylib() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # ffi (8 modules + package), decode (7 + package), 7 collectors.
    assert int(result.stdout) >= 20


def test_darwin_sources_have_no_platform_guards() -> None:
    root = Path(darwin_metrics.__file__).parent / "darwin"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "sys.platform" in path.read_text() or "TYPE_CHECKING and" in path.read_text()
    ]
    assert offenders == []
