"""``/proc/cpuinfo``: processor identity and the per-CPU topology and clock fallbacks.

Format: blocks of ``key<TAB>: value`` lines, one block per logical CPU, each starting with
``processor : N``; blank lines separate blocks. Keys vary by architecture: x86 gives ``vendor_id``,
``model name``, ``physical id``, ``core id``, ``cpu cores`` and ``cpu MHz``; arm64 gives
``CPU implementer`` (an ARM MIDR code) and no model name; old 32-bit ARM writes ``Processor`` (capital
P) for the model. Keys this parser does not use are ignored.
"""

from __future__ import annotations

import msgspec

from darwin_metrics.errors import ParseError
from darwin_metrics.linux.parsers.numbers import decimal_scaled, u64

#: ARM MIDR implementer codes (``CPU implementer``) to company names, as the ARM ARM assigns them.
ARM_IMPLEMENTERS = {
    0x41: "ARM",
    0x42: "Broadcom",
    0x43: "Cavium",
    0x44: "DEC",
    0x46: "Fujitsu",
    0x48: "HiSilicon",
    0x49: "Infineon",
    0x4D: "Motorola/Freescale",
    0x4E: "NVIDIA",
    0x50: "APM",
    0x51: "Qualcomm",
    0x53: "Samsung",
    0x56: "Marvell",
    0x61: "Apple",
    0x66: "Faraday",
    0x69: "Intel",
    0x6D: "Microsoft",
    0x70: "Phytium",
    0xC0: "Ampere",
}
_MODEL_KEYS = (b"model name", b"Processor", b"cpu model")
_INT_FIELDS = {b"physical id": "physical_id", b"core id": "core_id", b"cpu cores": "cpu_cores"}


class CpuInfoProcessor(msgspec.Struct, frozen=True):
    """One ``processor`` block. ``frequency`` is ``cpu MHz`` converted to hertz."""

    index: int
    physical_id: int | None = None
    core_id: int | None = None
    cpu_cores: int | None = None
    frequency: float | None = None


class CpuInfo(msgspec.Struct, frozen=True):
    """The model and vendor strings (first seen) and every numbered processor block."""

    model: str | None
    vendor: str | None
    processors: tuple[CpuInfoProcessor, ...]


def _text(value: bytes) -> str | None:
    text = value.decode("utf-8", "replace").strip()
    return text or None


def _vendor(key: bytes, value: bytes, source: str) -> str | None:
    if key != b"CPU implementer":
        return _text(value)
    if value.lower().startswith(b"0x") and len(value) <= 6:
        try:
            code = int(value[2:], 16)
        except ValueError:
            raise ParseError(source, f"CPU implementer: not hex: {value[:40]!r}") from None
        return ARM_IMPLEMENTERS.get(code, f"implementer {value.decode('ascii').lower()}")
    raise ParseError(source, f"CPU implementer: not hex: {value[:40]!r}")


def parse_cpuinfo(data: bytes, source: str = "/proc/cpuinfo") -> CpuInfo:
    """Parse ``/proc/cpuinfo``.

    Raises :class:`ParseError` for an empty file, a non-blank line without ``:``, a repeated
    processor number, or a non-numeric ``physical id``, ``core id``, ``cpu cores`` or ``cpu MHz``.
    """
    model: str | None = None
    vendor: str | None = None
    blocks: dict[int, dict[str, int]] = {}
    current: dict[str, int] | None = None
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        key, colon, value = raw.partition(b":")
        if not colon:
            raise ParseError(source, f"line without ':': {raw[:40]!r}")
        key = key.strip()
        value = value.strip()
        if key == b"processor" and value.isdigit():
            if len(value) > 9:
                raise ParseError(source, f"processor number too large: {value[:40]!r}")
            index = int(value)
            if index in blocks:
                raise ParseError(source, f"processor {index} appears twice")
            current = blocks[index] = {}
        elif model is None and key in _MODEL_KEYS:
            model = _text(value)
        elif vendor is None and key in (b"vendor_id", b"vendor", b"CPU implementer"):
            vendor = _vendor(key, value, source)
        elif key in _INT_FIELDS:
            number = u64(value, source, key.decode())
            if current is not None:
                current[_INT_FIELDS[key]] = number
        elif key == b"cpu MHz":
            hertz = decimal_scaled(value, 6, source, "cpu MHz")
            if current is not None:
                current["frequency"] = hertz
    if model is None and vendor is None and not blocks:
        raise ParseError(source, "no processor information")
    processors = tuple(
        CpuInfoProcessor(
            index=index,
            physical_id=fields.get("physical_id"),
            core_id=fields.get("core_id"),
            cpu_cores=fields.get("cpu_cores"),
            frequency=float(fields["frequency"]) if "frequency" in fields else None,
        )
        for index, fields in sorted(blocks.items())
    )
    return CpuInfo(model=model, vendor=vendor, processors=processors)


def _key_value(data: bytes, start: int) -> tuple[bytes, bytes, int]:
    """(stripped key, stripped value, end) of the line starting at ``start``; key is ``b""`` for
    a line without a colon."""
    end = data.find(b"\n", start)
    if end < 0:
        end = len(data)
    key, colon, value = data[start:end].partition(b":")
    return (key.strip() if colon else b""), value.strip(), end


def parse_cpu_mhz(data: bytes, source: str = "/proc/cpuinfo") -> dict[int, float]:
    """The ``cpu MHz`` of each processor block, in hertz, as :func:`parse_cpuinfo` reads it (the
    last ``cpu MHz`` line of each ``processor : N`` block), reading only those lines.

    Only those lines are checked: ParseError for a repeated or too large processor number or a
    ``cpu MHz`` that is not a decimal. Blocks without the line are absent from the result.
    """
    text = b"\n" + data
    find = text.find
    starts: list[tuple[int, int]] = []  # (line start, processor number)
    seen: set[int] = set()
    pos = find(b"\nprocessor")
    while pos >= 0:
        key, value, end = _key_value(text, pos + 1)
        if key == b"processor" and value.isdigit():
            if len(value) > 9:
                raise ParseError(source, f"processor number too large: {value[:40]!r}")
            index = int(value)
            if index in seen:
                raise ParseError(source, f"processor {index} appears twice")
            seen.add(index)
            starts.append((pos, index))
        pos = find(b"\nprocessor", end)
    result: dict[int, float] = {}
    for i, (begin, index) in enumerate(starts):
        stop = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        at = text.rfind(b"\ncpu MHz", begin, stop)
        while at >= 0:
            key, value, _ = _key_value(text, at + 1)
            if key == b"cpu MHz":
                result[index] = float(decimal_scaled(value, 6, source, "cpu MHz"))
                break
            at = text.rfind(b"\ncpu MHz", begin, at)
    return result
