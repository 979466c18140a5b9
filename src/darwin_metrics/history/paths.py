"""Where the history database lives by default."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["default_db_path", "data_dir"]

APP_NAME = "darwin-metrics"
DB_NAME = "history.db"


def data_dir() -> Path:
    """The user's data directory for darwin-metrics.

    macOS: ``~/Library/Application Support/darwin-metrics``. Elsewhere the XDG base directory:
    ``$XDG_DATA_HOME/darwin-metrics`` when that is an absolute path, else
    ``~/.local/share/darwin-metrics``.
    """
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / APP_NAME


def default_db_path() -> Path:
    """The default history database: ``history.db`` in :func:`data_dir`."""
    return data_dir() / DB_NAME
