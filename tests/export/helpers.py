"""Shared helpers of the exporter tests: build an exposition and parse it back."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("prometheus_client", reason="needs the 'prometheus' extra")

from prometheus_client import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from darwin_metrics.export.collector import SnapshotCollector
from darwin_metrics.export.server import make_registry

SampleKey = tuple[str, tuple[tuple[str, str], ...]]


def exposition(collector: SnapshotCollector) -> str:
    """The text exposition of one scrape of ``collector``."""
    return generate_latest(make_registry(collector)).decode()


def parse(text: str) -> dict[str, Metric]:
    """Families by name (counters under their name without ``_total``), parsed by prometheus-client."""
    return {f.name: f for f in text_string_to_metric_families(text)}


def samples(family: Metric, relabel: Any = None) -> dict[SampleKey, float]:
    """``(sample name, sorted labels) → value`` for every sample of ``family``."""
    out: dict[SampleKey, float] = {}
    for s in family.samples:
        labels = dict(s.labels) if relabel is None else relabel(dict(s.labels))
        out[(s.name, tuple(sorted(labels.items())))] = s.value
    return out


def values(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Samples named exactly ``name`` in ``text``: sorted labels → value."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                found[tuple(sorted(s.labels.items()))] = s.value
    return found
