"""Deep and strange process trees (issue 9): a 1,000-deep chain of real nested shells, cycles and
self-parents in captured or racing data.

Any unprivileged user can make such a chain; ``process_tree()``, ``processes --tree`` and
``processes --tree --json`` must handle it (they used to fail with RecursionError at depths of
300 to 600).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.proctree import build_tree
from darwin_metrics.records.process import Process, ProcessCPUTimes, ProcessMemory, ProcessNode
from tests.conftest import REPO

DEPTH = 1000
#: Each shell starts the next and waits for it; the innermost prints ``ready`` and waits for its
#: standard input (shared by all) to close.
CHAIN = """n=$1
if [ "$n" -gt 0 ]; then
  /bin/sh "$0" $((n - 1))
  :
else
  echo ready
  read _ || true
fi
"""


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The pid of the outermost of DEPTH + 1 nested ``/bin/sh`` processes."""
    script = tmp_path_factory.mktemp("chain") / "chain.sh"
    script.write_text(CHAIN)
    proc = subprocess.Popen(
        ["/bin/sh", str(script), str(DEPTH)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        line = proc.stdout.readline()
        if line.strip() != "ready":
            pytest.skip(f"could not start {DEPTH} nested shells (process limit?)")
        yield proc.pid
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _depth_below(nodes: tuple[ProcessNode, ...], pid: int) -> int:
    """How many generations the chain starting at ``pid`` spans (iteratively)."""
    stack = list(nodes)
    start = None
    while stack:
        node = stack.pop()
        if node.process.pid == pid:
            start = node
            break
        stack.extend(node.children)
    assert start is not None, f"pid {pid} not in the tree"
    depth = 0
    while start.children:
        (start,) = start.children
        depth += 1
    return depth


def test_process_tree_of_a_deep_chain(chain: int) -> None:
    tree = LinuxBackend().process_tree()
    assert _depth_below(tree, chain) == DEPTH


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "darwin_metrics", "processes", "--tree", "--interval", "0", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
    )


def test_cli_tree_of_a_deep_chain(chain: int) -> None:
    done = _run()
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert f"[{chain}]" in done.stdout


def test_cli_tree_json_of_a_deep_chain(chain: int) -> None:
    done = _run("--json")
    assert done.returncode == 0, done.stderr[-2000:]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # the standard library's parser recurses once per level
    try:
        data = json.loads(done.stdout)
    finally:
        sys.setrecursionlimit(limit)
    stack, depth_of_chain = [(n, 0) for n in data["tree"]], None
    start_depth = None
    while stack:
        node, depth = stack.pop()
        if node["pid"] == chain:
            start_depth = depth
        if start_depth is not None and not node["children"] and node["name"] == "sh":
            depth_of_chain = max(depth_of_chain or 0, depth - start_depth)
        stack.extend((c, depth + 1) for c in node["children"])
    assert start_depth is not None
    assert depth_of_chain is not None and depth_of_chain >= DEPTH


# -- cycles and self-parents (captured or racing data) -------------------------------------------


def _proc(pid: int, ppid: int) -> Process:
    return Process(
        pid=pid,
        ppid=ppid,
        name=f"p{pid}",
        status="sleeping",
        cpu_times=ProcessCPUTimes(user=0.0, system=0.0),
        memory=ProcessMemory(rss=0, vms=0),
        num_threads=1,
    )


def test_self_parent_and_cycles_become_roots() -> None:
    procs = [_proc(1, 0), _proc(5, 5), _proc(7, 8), _proc(8, 9), _proc(9, 7), _proc(10, 9)]
    tree = build_tree(procs)
    roots = sorted(n.process.pid for n in tree)
    assert 1 in roots and 5 in roots
    seen: list[int] = []
    stack = list(tree)
    while stack:
        node = stack.pop()
        seen.append(node.process.pid)
        stack.extend(node.children)
    assert sorted(seen) == [1, 5, 7, 8, 9, 10]  # every process exactly once


def test_synthetic_chain_of_20000() -> None:
    procs = [_proc(1, 0)] + [_proc(i, i - 1) for i in range(2, 20_001)]
    (root,) = build_tree(procs)
    depth, node = 0, root
    while node.children:
        (node,) = node.children
        depth += 1
    assert depth == 19_999


def test_chain_script_is_plain_sh(tmp_path: Path) -> None:
    """The fixture's script works as written (a 3-deep chain)."""
    script = tmp_path / "chain.sh"
    script.write_text(CHAIN)
    done = subprocess.run(["/bin/sh", str(script), "3"], input="", capture_output=True, text=True)
    assert done.stdout.strip() == "ready" and done.returncode == 0
    assert os.access("/bin/sh", os.X_OK)
