"""Packaging: metadata, the README's links (absolute, into this repository, to files and headings
that exist), the changelog, and a wheel that carries the license."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import darwin_metrics

REPO = Path(__file__).resolve().parent.parent
tomllib = pytest.importorskip("tomllib")


def _project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())
    return dict(data["project"])


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    headings = re.findall(r"^#+ (.+)$", path.read_text(), flags=re.M)
    return {_slug(h) for h in headings}


def test_metadata() -> None:
    project = _project()
    assert project["version"] == darwin_metrics.__version__
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert "MIT License" in (REPO / "LICENSE").read_text()
    assert "darwin-metrics developers" in (REPO / "LICENSE").read_text()
    classifiers = set(project["classifiers"])
    for wanted in (
        "Environment :: Console",
        "Topic :: System :: Monitoring",
        "Operating System :: POSIX :: Linux",
        "Operating System :: MacOS",
    ):
        assert wanted in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    minimum = re.fullmatch(r">=3\.(\d+)", project["requires-python"])
    assert minimum is not None
    versions = sorted(
        int(c.rsplit(".", 1)[1])
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    assert versions[0] == int(minimum.group(1))
    assert versions == list(range(versions[0], versions[-1] + 1))
    urls = project["urls"]
    for key in ("Homepage", "Documentation", "Repository", "Issues", "Changelog"):
        assert urls[key].startswith(urls["Repository"])


def test_readme_links_are_absolute_and_resolve() -> None:
    repository = _project()["urls"]["Repository"]
    readme = (REPO / "README.md").read_text()
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert links, "the README links to the docs"
    for link in links:
        for prefix in (f"{repository}/blob/main/", f"{repository}/tree/main/"):
            if link.startswith(prefix):
                break
        else:
            raise AssertionError(f"README link leaves the repository or is relative: {link}")
        path, _, anchor = link.removeprefix(prefix).partition("#")
        target = REPO / path
        assert target.exists(), f"README links to a missing file: {link}"
        if anchor:
            assert anchor in _anchors(target), f"README links to a missing heading: {link}"


def test_changelog_has_this_version() -> None:
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[?{re.escape(darwin_metrics.__version__)}\]?", changelog, re.M)


@pytest.mark.slow
def test_wheel_carries_license_and_metadata(tmp_path: Path) -> None:
    pytest.importorskip("hatchling", reason="the dev extra installs hatchling to build the wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*command, "--quiet", "--wheel-dir", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("darwin_metrics-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        license_files = [n for n in names if n.endswith("/LICENSE") and ".dist-info/" in n]
        assert license_files, names
        assert "MIT License" in archive.read(license_files[0]).decode()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata_name).decode()
    assert "darwin_metrics/py.typed" in names
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Environment :: Console" in metadata
    assert "Project-URL: Repository, " in metadata
