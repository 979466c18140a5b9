"""Shared helpers for record types.

Every record is declared ``@dataclass(frozen=True, slots=True, kw_only=True)``: immutable, cheap and
typed. Sequences inside records are tuples; absent values are ``None``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any


def to_dict(value: Any) -> Any:
    """Convert a record (or nested records, tuples, mappings) to plain JSON-ready Python values.

    Field names are kept as they are, so the JSON names are the record field names. Non-finite
    floats become ``None`` so that the result is valid JSON.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_dict(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_dict(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_dict(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
