"""Cold start: what each entry point imports (checked on ``sys.modules``, never timed).

``--version`` and ``--help`` import no record module and neither msgspec nor pynvml, and
``--version`` not even argparse; ``import darwin_metrics`` imports no record module; a family's
first call imports its own records only; ``snapshot()`` and ``snapshot --json`` import no standard
module they do not need (logging, threading, subprocess, socket.py, shutil...); the command table in
``cli/main.py`` agrees with what each command module registers.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import subprocess
import sys

import pytest

from darwin_metrics.cli.main import COMMANDS

#: Runs the command line given as arguments, then prints the loaded module names to stderr.
_CLI = (
    "import json, sys\n"
    "from darwin_metrics.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    "raise SystemExit(code)\n"
)


def _modules(code: str, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = dict(os.environ, COLUMNS="120")
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return result, loaded


def _records(loaded: list[str]) -> list[str]:
    return [m for m in loaded if m.startswith("darwin_metrics.records")]


def _heavy(loaded: list[str]) -> list[str]:
    """Modules a quick command must not need: record modules, msgspec, pynvml, collectors, rich.

    The ``darwin_metrics.records`` package itself is allowed: it only lists the names it exports.
    """
    prefixes = ("darwin_metrics.records.", "darwin_metrics.linux", "darwin_metrics.darwin")
    prefixes += ("msgspec", "pynvml", "rich", "darwin_metrics.nvml", "darwin_metrics.collect")
    return [m for m in loaded if m.startswith(prefixes)]


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["snapshot", "--help"]])
def test_version_and_help_import_no_records(args: list[str]) -> None:
    result, loaded = _modules(_CLI, *args)
    assert result.stdout.strip()
    assert _heavy(loaded) == []


def test_version_does_not_import_typing() -> None:
    _, bare = _modules("import json, sys; print(json.dumps(sorted(sys.modules)), file=sys.stderr)")
    if "typing" in bare:
        pytest.skip("this interpreter imports typing at start-up (site or sitecustomize)")
    _, loaded = _modules(_CLI, "--version")
    assert "typing" not in loaded


def test_help_lists_every_command_without_importing_them() -> None:
    result, loaded = _modules(_CLI, "--help")
    for name, help_line, module in COMMANDS:
        assert name in result.stdout
        assert help_line.split()[0] in result.stdout
        assert module not in loaded or name == "summary"  # summary gives the top-level options


def test_a_command_imports_only_its_own_module() -> None:
    _, loaded = _modules(_CLI, "fan", "--help")
    commands = {m for m in loaded if m.startswith("darwin_metrics.cli.cmd_")}
    assert commands == {"darwin_metrics.cli.cmd_fan", "darwin_metrics.cli.cmd_summary"}


def test_import_darwin_metrics_imports_no_records() -> None:
    code = "import json, sys; import darwin_metrics; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    _, loaded = _modules(code)
    assert _heavy(loaded) == []


def test_first_family_call_imports_only_its_records() -> None:
    code = (
        "import json, sys; import darwin_metrics as dm; dm.disks(); "
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    _, loaded = _modules(code)
    assert _records(loaded) == ["darwin_metrics.records", "darwin_metrics.records.disk"]
    assert "pynvml" not in loaded
    assert not any(m.startswith("darwin_metrics.cli") for m in loaded)


def test_the_table_matches_what_each_module_registers() -> None:
    for name, help_line, module in COMMANDS:
        parser = argparse.ArgumentParser()
        subparsers = parser.add_subparsers(dest="command")
        importlib.import_module(module).register(subparsers)
        assert list(subparsers.choices) == [name], module
        (action,) = subparsers._choices_actions
        assert action.help == help_line, name


def test_gpus_without_nvidia_library_does_not_import_pynvml() -> None:
    from darwin_metrics.nvmllib import find_nvml_library

    if find_nvml_library() is not None:
        pytest.skip("NVIDIA's library is on this machine: pynvml is rightly imported")
    code = (
        "import json, sys; import darwin_metrics as dm; dm.gpus(); "
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    _, loaded = _modules(code)
    assert "pynvml" not in loaded
    assert "ctypes" not in loaded
    assert "darwin_metrics.nvml" not in loaded
    cards = os.path.isdir("/sys/class/drm") and any(
        e.startswith("card") for e in os.listdir("/sys/class/drm")
    )
    assert cards or "darwin_metrics.linux.amdgpu" not in loaded


#: Standard modules that cost start-up time and that reading the families does not need: logging
#: (collectors log through lazylog), threading and queue (locks come from _thread), subprocess and
#: selectors (the statvfs helper starts only for a network or FUSE mount), socket.py and signal.py
#: (whose enum classes cost milliseconds; netlink uses _socket), importlib, shutil, argparse.
_NOT_NEEDED = frozenset(
    {
        "argparse",
        "importlib",
        "logging",
        "queue",
        "selectors",
        "shutil",
        "signal",
        "socket",
        "subprocess",
        "threading",
        "traceback",
    }
)
#: What a guarded ``statvfs`` (a network or FUSE mount) rightly brings: its thread and process.
_GUARD_MODULES = frozenset({"threading", "subprocess", "selectors", "signal"})


def _bare_modules(*imports: str) -> set[str]:
    """The modules loaded by an interpreter that imported only ``imports`` (a development
    environment loads more: msgspec imports typing_extensions, inspect and importlib there)."""
    code = "".join(f"import {name}; " for name in imports)
    _, bare = _modules(
        f"{code}import json, sys; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    return set(bare)


def _rightly_imported(volume_types: list[str]) -> frozenset[str]:
    """Modules that this machine's mounts or GPUs justify on the snapshot path."""
    from darwin_metrics.linux.volumes import LOCAL_FS_TYPES
    from darwin_metrics.nvmllib import find_nvml_library

    allowed: frozenset[str] = frozenset()
    if any(t not in LOCAL_FS_TYPES and t != "autofs" for t in volume_types):
        allowed |= _GUARD_MODULES
    if find_nvml_library() is not None:
        allowed |= {"threading"}  # pynvml's own lock
    return allowed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux backend's path")
def test_snapshot_imports_no_needless_standard_module() -> None:
    code = (
        "import json, sys; import darwin_metrics as dm; s = dm.snapshot(processes=False); "
        "types = [v.fs_type for v in s.volumes or ()]; "
        "print(json.dumps(types), file=sys.stderr); "
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    result, loaded = _modules(code)
    types = json.loads(result.stderr.strip().splitlines()[-2])
    needless = (_NOT_NEEDED & set(loaded)) - _bare_modules("msgspec.json")
    assert needless - _rightly_imported(types) == set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux backend's path")
def test_snapshot_json_command_imports_no_needless_standard_module() -> None:
    result, loaded = _modules(_CLI, "snapshot", "--json", "--no-processes")
    types = [v["fs_type"] for v in json.loads(result.stdout)["volumes"] or ()]
    needless = (_NOT_NEEDED - {"argparse"}) & set(loaded)
    assert needless - _bare_modules("msgspec.json") - _rightly_imported(types) == set()


def test_version_imports_neither_argparse_nor_enum() -> None:
    result, loaded = _modules(_CLI, "--version")
    assert result.stdout.startswith("darwin-metrics ")
    heavy = {"argparse", "enum", "re", "signal", "shutil", "gettext"} - _bare_modules()
    assert heavy & set(loaded) == set()


def test_help_does_not_import_shutil() -> None:
    result, loaded = _modules(_CLI, "--help")
    assert "commands:" in result.stdout
    assert "shutil" not in set(loaded) - _bare_modules()


def _outcome(parser: argparse.ArgumentParser, args: list[str]) -> tuple[object, ...]:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            namespace = parser.parse_args(args)
    except SystemExit as exc:
        return ("exit", exc.code, out.getvalue(), err.getvalue())
    return ("parsed", sorted((k, repr(v)) for k, v in vars(namespace).items()))


@pytest.mark.parametrize("name", [name for name, _, _ in COMMANDS])
def test_a_command_line_starting_with_its_command_needs_no_placeholders(name: str) -> None:
    """``parse`` builds only the named command's parser when the command comes first: every
    outcome (namespace, help, usage error) is the one the parser with every command gives."""
    from darwin_metrics.cli.parser import build_parser

    tails = [[], ["--help"], ["--json"], ["--bogus"], ["--interval", "1"], ["--interval", "x"]]
    tails += [["x"], ["--no-processes"], ["summary"], ["--", "x"], ["--hel"]]
    for tail in tails:
        args = [name, *tail]
        every = _outcome(build_parser(name), args)
        assert _outcome(build_parser(name, placeholders=False), args) == every, args
