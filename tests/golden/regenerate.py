"""Rewrite ``tests/golden/*.json`` from the captured trees (see ``tests/golden/__init__.py``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.conftest import LINUX_FIXTURES
from tests.golden import GOLDEN, TREES, dump, lay_out, snapshot_json


def main() -> None:
    for name in TREES:
        with tempfile.TemporaryDirectory() as tmp:
            proc, sys_root = lay_out(name, LINUX_FIXTURES, Path(tmp))
            path = GOLDEN / f"{name}.json"
            path.write_text(dump(snapshot_json(proc, sys_root)), encoding="utf-8")
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
