"""The JSON the web app answers with, as msgspec types (documented in docs/web.md).

Clients may decode with these types to validate: ``msgspec.json.decode(body, type=Snapshot)``.
``/api/history`` answers a :class:`~darwin_metrics.history.query.HistoryResult`.
"""

from __future__ import annotations

import msgspec

__all__ = ["ErrorBody", "Info", "LiveSnapshot"]


class LiveSnapshot(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``/api/snapshot``: the latest sample, flattened.

    ``timestamp`` is seconds since the Unix epoch; ``elapsed`` the seconds its rates cover
    (``null`` before the second sample). ``values`` maps every concrete metric path (all families
    but processes) to its value; ``metrics`` maps each ``metric`` query parameter to the values it
    resolves to (one entry, under the path itself, for a path with a reducer).
    """

    timestamp: float
    elapsed: float | None
    values: dict[str, float]
    metrics: dict[str, dict[str, float]]


class Info(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``/api/info``: what the page needs before it starts.

    ``interval`` is the seconds between fresh samples (the page polls ``/api/snapshot`` that
    often); ``history`` whether ``/api/history`` has a database behind it.
    """

    hostname: str
    platform: str
    interval: float
    history: bool


class ErrorBody(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Every 4xx/5xx answer of ``/api/...``: what went wrong, in one sentence."""

    error: str
