"""The golden end-to-end snapshot: ``snapshot --json`` of the captured Linux trees, checked in.

Like node_exporter's ``e2e-output.txt``: any change to a record, a field, a parser or the JSON
encoding shows up as a reviewable diff of ``tests/golden/*.json``. Regenerate after an intended
change, from the repository root, and review the diff before committing::

    .venv/bin/python -m tests.golden.regenerate

Normalised before comparing (these depend on the moment or on the machine running the test, not
on the tree): ``timestamp`` (set to 0) and the temporary directory the tree was extracted to (paths are written
as ``/sys/...`` and ``/proc/...``). A captured tree's processes have uids and no user names (this
machine's user database does not name another machine's users), so those need no normalising.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent
#: Golden file name → (fixture path under shared/fixtures/linux, how to lay it out).
TREES = {
    "node_exporter": "node_exporter",
    "procfs": "procfs/fixtures.ttar",
}


def lay_out(name: str, fixtures: Path, base: Path) -> tuple[Path, Path]:
    """Extract the captured tree ``name`` under ``base``; returns its (proc, sys) roots."""
    from tests.support.ttar import extract

    if name == "node_exporter":
        src = fixtures / "node_exporter"
        extract(src / "sys.ttar", base)
        extract(src / "udev.ttar", base)
        shutil.copytree(src / "proc", base / "proc", symlinks=True)
        self_path = base / "proc" / "self"
        if self_path.is_file() and not self_path.is_symlink():
            target = self_path.read_text().strip()
            self_path.unlink()
            self_path.symlink_to(target)
        return base / "proc", base / "sys"
    extract(fixtures / "procfs" / "fixtures.ttar", base)
    return base / "fixtures" / "proc", base / "fixtures" / "sys"


def snapshot_json(proc: Path, sys_root: Path) -> Any:
    """``darwin-metrics snapshot --json`` of the tree, as a whole process, normalised."""
    env = dict(os.environ, DARWIN_METRICS_PROCFS=str(proc), DARWIN_METRICS_SYSFS=str(sys_root))
    command = Path(sys.executable).parent / "darwin-metrics"
    out = subprocess.run(
        [str(command), "snapshot", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    text = out.stdout
    for root, stands_for in ((sys_root, "/sys"), (proc, "/proc")):
        for form in {str(root), os.path.realpath(root)}:
            text = text.replace(json.dumps(form)[1:-1], stands_for)
    return normalise(json.loads(text))


def normalise(data: Any) -> Any:
    """Blank what depends on the moment or on this machine, not on the tree (paths under the
    tree's roots were already written as ``/sys/...`` and ``/proc/...``)."""
    data["timestamp"] = 0
    return data


def dump(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n"
