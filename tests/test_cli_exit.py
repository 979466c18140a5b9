"""How the console script ends: ``cli.main.run`` skips the interpreter's teardown after a one-shot
command only when nothing is left for it (no ``atexit`` callback, no other thread), and never at
the cost of output or the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import Tree

#: Runs ``cli.main.run`` on the arguments given, after the set-up code in argv[1].
_RUN = (
    "import sys; exec(sys.argv[1]); sys.argv = ['darwin-metrics', *sys.argv[2:]]\n"
    "from darwin_metrics.cli.main import run\n"
    "run()\n"
)


def _run(setup: str, *args: str, tree: Tree | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="120")
    env.pop("DARWIN_METRICS_PROCFS", None)
    env.pop("DARWIN_METRICS_SYSFS", None)
    if tree is not None:
        env["DARWIN_METRICS_PROCFS"] = tree.roots.procfs
        env["DARWIN_METRICS_SYSFS"] = tree.roots.sysfs
    return subprocess.run(
        [sys.executable, "-c", _RUN, setup, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_snapshot_output_is_complete_and_the_code_zero(ne_tree: Tree) -> None:
    result = _run("pass", "snapshot", "--json", tree=ne_tree)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["cpu"] is not None


def test_usage_error_keeps_code_two_and_its_message() -> None:
    result = _run("pass", "snapshot", "--no-such-option")
    assert result.returncode == 2
    assert result.stderr.startswith("darwin-metrics: error: ")


@pytest.mark.parametrize("args", [["--version"], ["snapshot", "--json", "--no-processes"]])
def test_atexit_callbacks_still_run(args: list[str]) -> None:
    setup = "import atexit; atexit.register(lambda: print('at exit', file=sys.stderr))"
    result = _run(setup, *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "at exit"


def test_a_running_thread_is_waited_for() -> None:
    setup = (
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done'))).start()"
    )
    result = _run(setup, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["darwin-metrics 0.1.0", "thread done"]


def test_python_dash_m_ends_the_same_way() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "darwin_metrics", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, "darwin-metrics 0.1.0\n")


#: An object whose finaliser prints: it runs in the interpreter's teardown, not after os._exit.
_TEARDOWN_WITNESS = (
    "class Witness:\n"
    "    def __del__(self):\n"
    "        print('teardown', file=sys.stderr)\n"
    "witness = Witness()"
)


def test_a_one_shot_command_skips_the_teardown() -> None:
    result = _run(_TEARDOWN_WITNESS, "--version")
    assert (result.returncode, result.stdout) == (0, "darwin-metrics 0.1.0\n")
    assert "teardown" not in result.stderr


def test_other_commands_keep_the_teardown() -> None:
    result = _run(_TEARDOWN_WITNESS, "fan", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "teardown"
