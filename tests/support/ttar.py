"""A reader for the ``ttar`` text archives that hold the captured Linux trees.

The format is described in ``shared/fixtures/linux/SOURCES.md``: ``Directory:``/``Path:`` entries,
``Lines: N`` followed by exactly N content lines, ``EOF`` and ``NULLBYTE`` markers, ``SymlinkTo:`` for
links, and ``Mode:`` with octal permission bits.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_NULL = re.compile(r"(?<!\\)NULLBYTE")


def _decode_line(line: str) -> bytes:
    no_newline = line.endswith("EOF") and not line.endswith("\\EOF")
    if no_newline:
        line = line[:-3]
    line = _NULL.sub("\0", line)
    line = line.replace("\\NULLBYTE", "NULLBYTE").replace("\\EOF", "EOF")
    data = line.encode("utf-8", "surrogateescape")
    return data if no_newline else data + b"\n"


def extract(archive: Path, dest: Path) -> None:
    """Extract ``archive`` under ``dest``, creating symlinks without resolving them."""
    lines = archive.read_bytes().decode("utf-8", "surrogateescape").split("\n")
    dir_modes: list[tuple[Path, int]] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("Directory: "):
            path = dest / line[len("Directory: ") :]
            path.mkdir(parents=True, exist_ok=True)
            if i < n and lines[i].startswith("Mode: "):
                dir_modes.append((path, int(lines[i][6:], 8)))
                i += 1
            continue
        if not line.startswith("Path: "):
            raise ValueError(f"{archive}:{i}: unexpected line {line!r}")
        path = dest / line[len("Path: ") :]
        path.parent.mkdir(parents=True, exist_ok=True)
        header = lines[i]
        i += 1
        if header.startswith("SymlinkTo: "):
            if path.is_symlink() or path.exists():
                path.unlink()
            os.symlink(header[len("SymlinkTo: ") :], path)
            continue
        if not header.startswith("Lines: "):
            raise ValueError(f"{archive}:{i}: expected Lines:, got {header!r}")
        count = int(header[len("Lines: ") :])
        data = b"".join(_decode_line(lines[i + k]) for k in range(count))
        i += count
        path.write_bytes(data)
        if i < n and lines[i].startswith("Mode: "):
            os.chmod(path, int(lines[i][6:], 8))
            i += 1
    for path, mode in reversed(dir_modes):
        os.chmod(path, mode)
