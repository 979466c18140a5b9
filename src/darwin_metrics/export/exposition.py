"""A builder of Prometheus metric families for one scrape.

Families are created on first use and keep their samples in the order they were added. Values that
are ``None`` (the platform cannot give them) are skipped, so a missing reading never becomes a
made-up 0. Counter names are given with their ``_total`` suffix, as they appear in the exposition.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.metrics_core import Metric

Labels = Mapping[str, str]


class Exposition:
    """The metric families of one scrape, keyed by family name."""

    def __init__(self) -> None:
        self._families: dict[str, Metric] = {}

    def _family(self, name: str, doc: str, typ: str) -> Metric:
        family = self._families.get(name)
        if family is None:
            family = Metric(name, doc, typ)
            self._families[name] = family
        return family

    def gauge(self, name: str, doc: str, value: float | None, labels: Labels | None = None) -> None:
        """Add one gauge sample (skipped when ``value`` is ``None``)."""
        if value is None:
            return
        self._family(name, doc, "gauge").add_sample(name, dict(labels or {}), float(value))

    def counter(
        self, name: str, doc: str, value: float | None, labels: Labels | None = None
    ) -> None:
        """Add one counter sample; ``name`` ends in ``_total`` (skipped when ``value`` is ``None``)."""
        if value is None:
            return
        base = name[: -len("_total")] if name.endswith("_total") else name
        self._family(base, doc, "counter").add_sample(name, dict(labels or {}), float(value))

    def untyped(
        self, name: str, doc: str, value: float | None, labels: Labels | None = None
    ) -> None:
        """Add one untyped sample (node_exporter's type for raw kernel counters such as netstat)."""
        if value is None:
            return
        self._family(name, doc, "unknown").add_sample(name, dict(labels or {}), float(value))

    def families(self) -> list[Metric]:
        """Every family built so far, in the order first used."""
        return list(self._families.values())
