"""Shared helpers for record types.

Every record is a ``msgspec.Struct`` declared ``frozen=True, kw_only=True`` (and ``gc=False``: a
frozen record made of tuples and other records cannot hold a reference cycle): immutable, slotted,
cheap to build and fast to encode. Sequences inside records are tuples; absent values are ``None``.
"""

from __future__ import annotations

from typing import Any

import msgspec


def _str_fallback(value: Any) -> Any:
    """Last resort for values msgspec cannot encode natively: their ``str``."""
    return str(value)


_LENIENT_ENCODER = msgspec.json.Encoder(enc_hook=_str_fallback)


def to_json(value: Any) -> bytes:
    """Encode a record (or nested records, tuples, mappings) as compact UTF-8 JSON.

    Field names are the record field names; tuples become arrays; infinite and NaN floats become
    ``null``. Text that was not valid UTF-8 in the kernel (lone surrogates U+DCXX from
    ``os.fsdecode``) is written as the six characters ``\\udcXX`` (a real backslash: ``\\\\udcXX``
    in the JSON text), so the output is valid UTF-8 that every strict parser accepts; a JSON escape
    of the surrogate itself would not be (see docs/json.md).
    """
    try:
        return _LENIENT_ENCODER.encode(value)
    except UnicodeEncodeError:
        return _LENIENT_ENCODER.encode(_escape_surrogates(msgspec.to_builtins(value)))


def to_dict(value: Any) -> Any:
    """Convert a record (or nested records, tuples, mappings) to plain JSON-ready Python values.

    Field names are kept as they are, so the JSON names are the record field names. Non-finite
    floats become ``None`` so that the result is valid JSON; tuples become lists.
    """
    return msgspec.json.decode(to_json(value))


def _escape_surrogates(value: Any) -> Any:
    """Replace lone surrogates in every string of ``value`` by a visible ``\\udcXX`` escape."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, (list, tuple)):  # to_builtins keeps tuples (a process's cmdline)
        return [_escape_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_escape_surrogates(k): _escape_surrogates(v) for k, v in value.items()}
    return value
