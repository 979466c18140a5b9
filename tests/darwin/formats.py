"""Readers for the captured Mac data formats, producing the values the CoreFoundation converter
produces (``dict``, ``list``, ``int``, ``str``, ``bytes``, ``bool``) so the decoders see the same
shapes as in production.

- ``sysctl`` text (``name: value`` lines) → ``dict[str, str]``;
- ``ioreg -l`` text (``"key" = value`` lines of one node) → ``dict``;
- DarwinDumper "IORegistry Viewer" JSON (``{"data":{"title":…},"attr":{"ColType":…,"ColValue":…}}``)
  → ``dict``.

In both ioreg forms ``Data`` is ``<hex>`` or, when printable, ``<"text","text">`` (each string
NUL-terminated in the bytes). Numbers print unsigned, so signed values appear as 2**64 - n.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any


def sysctl_text(path: Path) -> dict[str, str]:
    """``sysctl`` output as name → raw text value (the last occurrence wins)."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition(":")
        if sep and name and " " not in name:
            values[name] = value.strip()
    return values


class _Reader:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def take(self, ch: str) -> None:
        if self.peek() != ch:
            raise ValueError(f"expected {ch!r} at {self.i}: {self.s[self.i : self.i + 20]!r}")
        self.i += 1

    def string(self) -> str:
        self.take('"')
        end = self.s.index('"', self.i)
        value = self.s[self.i : end]
        self.i = end + 1
        return value

    def value(self) -> Any:
        ch = self.peek()
        if ch == '"':
            return self.string()
        if ch == "<":
            return self.data()
        if ch == "{":
            return self.dictionary()
        if ch == "(":
            return self.array()
        start = self.i
        while self.i < len(self.s) and self.s[self.i] not in ",)}\n":
            self.i += 1
        word = self.s[start : self.i].strip()
        if word == "Yes":
            return True
        if word == "No":
            return False
        return int(word)

    def data(self) -> bytes:
        self.take("<")
        if self.peek() == '"':
            parts = [self.string()]
            while self.peek() == ",":
                self.take(",")
                parts.append(self.string())
            self.take(">")
            return b"".join(p.encode() + b"\0" for p in parts)
        end = self.s.index(">", self.i)
        hexdigits = self.s[self.i : end].strip()
        self.i = end + 1
        return bytes.fromhex(hexdigits)

    def dictionary(self) -> dict[str, Any]:
        self.take("{")
        result: dict[str, Any] = {}
        while self.peek() != "}":
            key = self.string()
            self.take("=")
            result[key] = self.value()
            if self.peek() == ",":
                self.take(",")
        self.take("}")
        return result

    def array(self) -> list[Any]:
        self.take("(")
        items = []
        while self.peek() != ")":
            items.append(self.value())
            if self.peek() == ",":
                self.take(",")
        self.take(")")
        return items


def ioreg_value(text: str) -> Any:
    """One ioreg value (``123``, ``"s"``, ``<hex>``, ``{...}``, ``(...)``, ``Yes``)."""
    return _Reader(text).value()


def ioreg_text(path: Path) -> dict[str, Any]:
    """The properties of the node in an ``ioreg -l`` excerpt (lines ``| "key" = value``)."""
    props: dict[str, Any] = {}
    for line in path.read_text().splitlines():
        body = line.lstrip(" |")
        if not body.startswith('"') or '" = ' not in body:
            continue
        key, _, rest = body[1:].partition('" = ')
        props[key] = ioreg_value(rest)
    return props


def _viewer_value(node: dict[str, Any]) -> Any:
    kind = node["attr"]["ColType"]
    raw = node["attr"]["ColValue"]
    if kind == "Number":
        return int(raw)
    if kind == "String":
        return raw
    if kind == "Boolean":
        return raw == "Yes"
    if kind == "Data":
        return ioreg_value(html.unescape(raw))
    if kind == "Dictionary":
        return {child["data"]["title"]: _viewer_value(child) for child in node.get("children", [])}
    if kind == "Array":
        return [_viewer_value(child) for child in node.get("children", [])]
    raise ValueError(f"unknown ColType {kind}")


def ioregviewer(path: Path) -> dict[str, Any]:
    """The properties of a DarwinDumper IORegistry Viewer data file."""
    nodes = json.loads(path.read_text())
    return {node["data"]["title"]: _viewer_value(node) for node in nodes}


#: One line of a DarwinDumper SMC key dump: ``  KEY  [type]  printed value  (bytes xx xx …)``.
_SMC_LINE = re.compile(rb"^\s*(.{4})\s+\[(.{4})\]\s*(.*?)\s*\(bytes ([0-9a-fA-F ]*)\)\s*$")


def smc_dump(path: Path) -> dict[str, tuple[str, bytes, str]]:
    """SMC key dump → ``{key: (type, payload bytes, the value the dumper printed)}``.

    The file is read as bytes (some dumps hold non-UTF-8 key names). The printed value is often
    wrong (see SOURCES.md); the payload bytes are what the SMC returned.
    """
    keys: dict[str, tuple[str, bytes, str]] = {}
    for line in path.read_bytes().splitlines():
        match = _SMC_LINE.match(line)
        if match:
            key, data_type, printed, hexbytes = match.groups()
            keys[key.decode("latin-1")] = (
                data_type.decode("latin-1"),
                bytes.fromhex(hexbytes.decode()),
                printed.decode("latin-1"),
            )
    return keys
