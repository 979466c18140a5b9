"""The public API: names, laziness, and that no submodule shadows a public function."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import darwin_metrics


def test_no_submodule_shares_a_public_name() -> None:
    """Importing ``darwin_metrics.<name>`` sets that attribute on the package; a submodule named
    like a public function would replace the function after its first import."""
    modules = {m.name for m in pkgutil.iter_modules(darwin_metrics.__path__)}
    assert not modules & set(darwin_metrics.__all__)


def test_every_public_name_resolves() -> None:
    for name in darwin_metrics.__all__:
        assert getattr(darwin_metrics, name) is not None, name


def test_public_functions_callable_twice_after_submodule_imports() -> None:
    import darwin_metrics.collect
    import darwin_metrics.proctree

    for _ in range(2):
        assert darwin_metrics.snapshot(processes=False).memory is not None
        assert darwin_metrics.process_tree()


def test_import_loads_no_collector() -> None:
    code = (
        "import sys, darwin_metrics; "
        "print(sorted(m for m in sys.modules if m.startswith('darwin_metrics')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)
    assert loaded == ["darwin_metrics", "darwin_metrics.errors"], loaded
