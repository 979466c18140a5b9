"""Non-UTF-8 text in JSON (issue 9): names made of arbitrary bytes reach strict JSON as the visible
text ``\\udcXX`` (docs/json.md), in records, tuples, lists and mapping keys."""

from __future__ import annotations

import json
import os

import msgspec

from darwin_metrics.records.base import to_dict, to_json


class _Named(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    cmdline: tuple[str, ...] = ()


def test_lone_surrogates_become_visible_escapes() -> None:
    name = os.fsdecode(b"eth\xff")
    value = {"items": [_Named(name=name, cmdline=(os.fsdecode(b"-x\x9e"), "ok"))], name: 1}
    data = to_json(value)
    text = data.decode("utf-8")  # strict UTF-8: no surrogate left
    parsed = json.loads(text)
    assert parsed["items"][0]["name"] == "eth\\udcff"
    assert parsed["items"][0]["cmdline"] == ["-x\\udc9e", "ok"]
    assert parsed["eth\\udcff"] == 1
    assert to_dict(value)["items"][0]["name"] == "eth\\udcff"


def test_valid_text_is_untouched() -> None:
    assert json.loads(to_json(_Named(name="wlan0 ünï", cmdline=("a",)))) == {
        "name": "wlan0 ünï",
        "cmdline": ["a"],
    }
