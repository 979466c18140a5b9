"""The golden end-to-end test: ``snapshot --json`` of each captured tree equals the checked-in file.

A failure means a record, field, parser or encoding changed: if intended, regenerate with
``.venv/bin/python -m tests.golden.regenerate`` and review the diff (see tests/golden/__init__.py).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from tests.conftest import LINUX_FIXTURES
from tests.golden import GOLDEN, TREES, dump, lay_out, snapshot_json


@pytest.mark.parametrize("name", sorted(TREES))
def test_snapshot_json_matches_golden(name: str, tmp_path: Path) -> None:
    if not (LINUX_FIXTURES / TREES[name]).exists():
        pytest.skip(f"captured fixture data not found at {LINUX_FIXTURES / TREES[name]}")
    proc, sys_root = lay_out(name, LINUX_FIXTURES, tmp_path)
    got = snapshot_json(proc, sys_root)
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    if got != expected:
        diff = difflib.unified_diff(
            dump(expected).splitlines(),
            dump(got).splitlines(),
            f"tests/golden/{name}.json",
            "now",
            lineterm="",
            n=2,
        )
        pytest.fail(
            "snapshot --json changed; if intended, run `.venv/bin/python -m tests.golden.regenerate`"
            " and review the diff:\n" + "\n".join(list(diff)[:200])
        )


def test_golden_files_cover_every_family() -> None:
    from darwin_metrics.records import Snapshot

    for name in TREES:
        data = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
        assert list(data) == list(Snapshot.__struct_fields__), name
