"""Hostile trees: every file each public function reads, broken every way (issue 9).

For each public function (and ``darwin-metrics snapshot --json``) the files it opens on the captured
node_exporter and prometheus/procfs trees are traced, then each is truncated, filled with garbage,
given huge or negative numbers, NUL bytes, non-UTF-8 bytes, emptied, or replaced by a directory, a
FIFO, a symlink loop or a file its reader may not open (:data:`tests.support.hostile.MUTATIONS`).
The contract: a value that serialises to strict JSON or a documented ``DarwinMetricsError``; never
another exception, never a hang (a per-case timeout), never a crash.

``make test`` runs a fixed-seed sample bounded in count and time; ``make hostile`` runs every case
(``DARWIN_METRICS_HOSTILE=full``, marker ``slow``).
"""

from __future__ import annotations

import collections
import os
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Tree
from tests.support import hostile

#: Seed of the sample that ``make test`` runs.
SEED = 9
#: Cases in that sample, and the time after which it stops early (seconds).
SAMPLE_CASES = 1500
SAMPLE_BUDGET = 60.0
#: Seconds one case may take before it counts as a hang.
CASE_TIMEOUT = 20.0

#: The one file each family cannot do without: broken, it may make the family raise a documented
#: error. Any other broken file must only make attributes None or items skipped (the rule for a
#: bad attribute and a bad item), never fail the family.
REQUIRED = {
    "cpu": ("proc/stat",),
    "memory": ("proc/meminfo",),
    "disks": ("proc/diskstats",),
    "network_stats": ("proc/net/snmp",),
    "network_stats_pid": ("/net/snmp",),
    "socket_stats": ("proc/net/sockstat",),
    "socket_stats_pid": ("/net/sockstat",),
    "volumes": ("/mountinfo",),
    "wifi": ("proc/net/wireless",),
    "interfaces": ("proc/net/dev",),
}
#: Explicit requests about one process: any of its files, broken, may fail the request.
PER_PROCESS = frozenset({"process", "threads", "process_connections", "cgroup_pid", "cgroup"})


def contract_failure(outcome: hostile.Outcome) -> bool:
    """Whether an outcome breaks the contract (see the module docstring and :data:`REQUIRED`)."""
    if outcome.kind == "ok":
        return False
    if outcome.kind != "typed":
        return True
    function, path = outcome.case.function, outcome.case.path
    if function in PER_PROCESS:
        return False
    return not path.endswith(REQUIRED.get(function, ()))


pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the permission-denied cases switch to nobody, which needs root"
)


@pytest.fixture(scope="module")
def trees(ne_tree: Tree, pf_tree: Tree) -> Iterator[dict[str, Path]]:
    """World-readable writable copies of both captured trees (nobody reads the denied cases)."""
    work = Path(tempfile.mkdtemp(prefix="dm-hostile-"))
    work.chmod(0o755)
    try:
        yield {
            "node_exporter": hostile.world_readable_copy(ne_tree.base, work / "ne"),
            "procfs": hostile.world_readable_copy(pf_tree.base, work / "pf"),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def all_cases(trees: dict[str, Path]) -> list[tuple[str, hostile.Case]]:
    cases = []
    for tree_name, base in sorted(trees.items()):
        for function, call in sorted(hostile.calls(str(base / "proc")).items()):
            for path in hostile.trace(call, base):
                for mutation in hostile.MUTATIONS:
                    cases.append((tree_name, hostile.Case(function, path, mutation)))
    return cases


def run(trees: dict[str, Path], cases: list[tuple[str, hostile.Case]], budget: float) -> None:
    calls = {name: hostile.calls(str(base / "proc")) for name, base in trees.items()}
    outcomes: list[hostile.Outcome] = []
    start = time.monotonic()
    for tree_name, case in cases:
        if time.monotonic() - start > budget:
            break
        call = calls[tree_name][case.function]
        outcomes.append(hostile.run_case(call, trees[tree_name], case, timeout=CASE_TIMEOUT))
    kinds = collections.Counter(o.kind for o in outcomes)
    mutations = collections.Counter(o.case.mutation for o in outcomes)
    functions = collections.Counter(o.case.function for o in outcomes)
    elapsed = time.monotonic() - start
    print(
        f"\nhostile trees: {len(outcomes)} of {len(cases)} cases in {elapsed:.1f} s: "
        f"{dict(sorted(kinds.items()))}\n  by mutation: {dict(sorted(mutations.items()))}"
        f"\n  by function: {dict(sorted(functions.items()))}"
    )
    failures = [o for o in outcomes if contract_failure(o)]
    report = "\n".join(
        f"{o.case.function} {o.case.mutation} {o.case.path}: {o.kind} {o.detail}"
        for o in failures[:40]
    )
    assert not failures, f"{len(failures)} contract failures:\n{report}"
    assert len(outcomes) >= min(len(cases), 200), "the sample ran too few cases to mean much"


def test_every_function_reads_something(trees: dict[str, Path]) -> None:
    """The tracer sees the files: a generator over nothing would pass vacuously."""
    base = trees["node_exporter"]
    calls = hostile.calls(str(base / "proc"))
    traced = {name: hostile.trace(call, base) for name, call in calls.items()}
    assert "proc/stat" in traced["cpu"]
    assert "proc/meminfo" in traced["memory"]
    assert any(p.startswith("sys/") for p in traced["temperatures"])
    assert len(traced["snapshot_json"]) > 100
    assert {"process", "threads", "cgroup_pid"} <= set(calls)


def test_hostile_sample(trees: dict[str, Path]) -> None:
    """A fixed-seed sample of every (function, file, mutation) case, bounded in count and time."""
    cases = all_cases(trees)
    random.Random(SEED).shuffle(cases)
    run(trees, cases[:SAMPLE_CASES], SAMPLE_BUDGET)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.skipif(
    os.environ.get("DARWIN_METRICS_HOSTILE") != "full",
    reason="the full hostile set runs with DARWIN_METRICS_HOSTILE=full (make hostile)",
)
def test_hostile_full(trees: dict[str, Path]) -> None:
    """Every case, each under its own timeout (a few minutes on 2 cores)."""
    run(trees, all_cases(trees), budget=float("inf"))
