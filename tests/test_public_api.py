"""The public API: names, laziness, and that no submodule shadows a public function."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from typing import Any

import pytest

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
    # the records package is the lazy index of names; no record module is imported
    assert loaded == ["darwin_metrics", "darwin_metrics.errors", "darwin_metrics.records"], loaded


def test_every_record_type_is_public() -> None:
    import importlib

    import msgspec

    import darwin_metrics.records as records

    public = set(darwin_metrics.__all__)
    listed = set(dir(darwin_metrics))
    for info in pkgutil.iter_modules(records.__path__):
        module = importlib.import_module(f"darwin_metrics.records.{info.name}")
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, msgspec.Struct)
                and value.__module__ == module.__name__
            ):
                assert name in public and name in listed, name
                assert getattr(darwin_metrics, name) is value


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: darwin_metrics.process("1"), TypeError),
        (lambda: darwin_metrics.process(None), TypeError),
        (lambda: darwin_metrics.process(True), TypeError),
        (lambda: darwin_metrics.process(1.0), TypeError),
        (lambda: darwin_metrics.process(-1), ValueError),
        (lambda: darwin_metrics.threads("1"), TypeError),
        (lambda: darwin_metrics.process_connections("1"), TypeError),
        (lambda: darwin_metrics.network_stats("self"), TypeError),
        (lambda: darwin_metrics.cgroup("../../etc"), TypeError),
        (lambda: darwin_metrics.connections(1), TypeError),
        (lambda: darwin_metrics.connections("inet", pids="yes"), TypeError),
        (lambda: darwin_metrics.volumes(all="yes"), TypeError),
        (lambda: darwin_metrics.snapshot(processes=None), TypeError),
    ],
)
def test_wrong_argument_types_and_values_are_refused(call: Any, error: type) -> None:
    with pytest.raises(error):
        call()


def test_process_and_processes_give_the_same_record() -> None:
    import os

    mine = darwin_metrics.process(os.getpid())
    listed = next(p for p in darwin_metrics.processes() if p.pid == os.getpid())
    assert type(mine) is type(listed)
    # same fields filled (values move between the two reads: compare which are present)
    filled = {n for n in mine.__struct_fields__ if getattr(mine, n) is not None}
    assert filled == {n for n in listed.__struct_fields__ if getattr(listed, n) is not None}


def test_the_linux_fan_controller_implements_the_contract() -> None:
    from darwin_metrics.fancontrol import FanController
    from darwin_metrics.linux.fancontrol import FanController as LinuxFanController

    for name in ("set_duty", "set_full_speed", "set_automatic", "restore", "reading"):
        assert callable(getattr(LinuxFanController, name)), name
    for name in ("minimum_duty_percent", "tripped", "__enter__", "__exit__"):
        assert hasattr(LinuxFanController, name), name
    assert FanController.__module__ == "darwin_metrics.fancontrol"
    assert darwin_metrics.FanControlError.__module__ == "darwin_metrics.errors"
