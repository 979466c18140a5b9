"""The Grafana dashboard in ``dashboards/`` queries only metric names the exporter serves."""

from __future__ import annotations

import json
import re
from typing import Any

from darwin_metrics.export import extra
from darwin_metrics.export.collector import COLLECTOR_NAMES, SnapshotCollector
from darwin_metrics.export.exposition import Exposition
from darwin_metrics.linux.backend import LinuxBackend
from tests.conftest import REPO, Tree
from tests.export import synthetic
from tests.export.helpers import exposition, parse

DASHBOARD = REPO / "dashboards" / "darwin-metrics.json"
NAME = re.compile(r"\b((?:darwin_metrics|node)_[A-Za-z0-9_]+)\b")


def _expressions(panel: dict[str, Any]) -> list[str]:
    found = [t["expr"] for t in panel.get("targets", ())]
    for child in panel.get("panels", ()):
        found += _expressions(child)
    return found


def _served(ne_tree: Tree) -> set[str]:
    """Sample names of an exposition of every family: the captured tree plus synthetic records."""
    backend = LinuxBackend(procfs=str(ne_tree.proc), sysfs=str(ne_tree.sys))
    text = exposition(SnapshotCollector(backend, collectors=COLLECTOR_NAMES, top_processes=3))
    out = Exposition()
    readings = synthetic.readings()
    for emit in (
        extra.emit_gpu,
        extra.emit_fans,
        extra.emit_power,
        extra.emit_connections,
        extra.emit_cgroup,
    ):
        emit(out, readings)
    extra.emit_processes(out, readings, 3)
    names = {s.name for f in parse(text).values() for s in f.samples}
    names |= {s.name for f in out.families() for s in f.samples}
    return names


def test_every_queried_metric_is_served(ne_tree: Tree) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [e for panel in dashboard["panels"] for e in _expressions(panel)]
    queries.append(dashboard["templating"]["list"][1]["query"]["query"])
    assert len(queries) > 20
    queried = {m for q in queries for m in NAME.findall(q)}
    missing = sorted(queried - _served(ne_tree))
    assert not missing, f"the dashboard queries metrics the exporter does not serve: {missing}"


def test_every_darwin_metrics_family_has_a_panel(ne_tree: Tree) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    queried = {
        m for panel in dashboard["panels"] for e in _expressions(panel) for m in NAME.findall(e)
    }
    served = {n for n in _served(ne_tree) if n.startswith("darwin_metrics_")}
    assert not sorted(served - queried), sorted(served - queried)
