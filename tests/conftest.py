"""Shared test fixtures: the captured Linux trees, the captured Mac data, and marker handling.

The captured data lives outside the repository, at ``$DARWIN_METRICS_FIXTURES`` or
``../shared/fixtures`` beside the checkout. Tests that need it skip with a clear reason when absent.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from darwin_metrics.linux.fs import Roots
from tests.support.ttar import extract

# Fuzzing checks behaviour, not speed: no deadlines, and no "too slow" failures on a busy 2-core CI.
settings.register_profile(
    "darwin-metrics",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("darwin-metrics")

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("DARWIN_METRICS_FIXTURES") or REPO.parent / "shared" / "fixtures")
LINUX_FIXTURES = FIXTURES / "linux"
DARWIN_FIXTURES = FIXTURES / "darwin"
#: Small hand-made fixture files written for this project (not captured data).
HANDMADE = REPO / "tests" / "data"


@dataclass(frozen=True)
class Tree:
    """An extracted captured tree: ``roots`` for the backend, ``base`` for direct file access."""

    base: Path
    roots: Roots

    @property
    def proc(self) -> Path:
        return Path(self.roots.procfs)

    @property
    def sys(self) -> Path:
        return Path(self.roots.sysfs)


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"captured fixture data not found at {path} (set DARWIN_METRICS_FIXTURES)")
    return path


@pytest.fixture(scope="session")
def ne_tree(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    """node_exporter's fixtures: the plain ``proc/`` tree and ``sys.ttar`` (+ ``udev.ttar``)."""
    src = _need(LINUX_FIXTURES / "node_exporter")
    base = tmp_path_factory.mktemp("node_exporter")
    extract(src / "sys.ttar", base)
    extract(src / "udev.ttar", base)
    shutil.copytree(src / "proc", base / "proc", symlinks=True)
    _restore_self_link(base / "proc")
    return Tree(base=base, roots=Roots(procfs=str(base / "proc"), sysfs=str(base / "sys")))


def _restore_self_link(proc: Path) -> None:
    """Upstream ``proc/self`` is a symlink to ``10``; the shared copy may hold it as a plain file
    whose content is the target. Put the link back so ``/proc/self/...`` resolves as it should."""
    self_path = proc / "self"
    if self_path.is_file() and not self_path.is_symlink():
        target = self_path.read_text().strip()
        if target.isdigit():
            self_path.unlink()
            self_path.symlink_to(target)


@pytest.fixture(scope="session")
def pf_tree(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    """prometheus/procfs's ``fixtures.ttar``: ``fixtures/proc`` and ``fixtures/sys``."""
    src = _need(LINUX_FIXTURES / "procfs" / "fixtures.ttar")
    base = tmp_path_factory.mktemp("procfs")
    extract(src, base)
    root = base / "fixtures"
    return Tree(base=root, roots=Roots(procfs=str(root / "proc"), sysfs=str(root / "sys")))


@pytest.fixture
def writable_ne_tree(ne_tree: Tree, tmp_path: Path) -> Iterator[Tree]:
    """A private, writable copy of the node_exporter tree (for tests that write sysfs files)."""
    base = tmp_path / "ne"
    shutil.copytree(ne_tree.base, base, symlinks=True)
    for dirpath, dirnames, _ in os.walk(base):
        for d in dirnames:
            p = Path(dirpath) / d
            if not p.is_symlink():
                p.chmod(0o755)
    yield Tree(base=base, roots=Roots(procfs=str(base / "proc"), sysfs=str(base / "sys")))


@pytest.fixture(scope="session")
def darwin_fixtures() -> Path:
    """The folder of data captured on real Macs."""
    return _need(DARWIN_FIXTURES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_darwin = pytest.mark.skip(reason="needs macOS")
    skip_root = pytest.mark.skip(reason="needs root")
    skip_linux = pytest.mark.skip(reason="live Linux test")
    for item in items:
        # Markers, not keywords: every test under tests/darwin/ has "darwin" among its keywords.
        marked_darwin = item.get_closest_marker("darwin") is not None
        if marked_darwin and sys.platform != "darwin":
            item.add_marker(skip_darwin)
        if item.get_closest_marker("root") and os.geteuid() != 0:
            item.add_marker(skip_root)
        if item.get_closest_marker("live") and not marked_darwin and sys.platform != "linux":
            item.add_marker(skip_linux)
