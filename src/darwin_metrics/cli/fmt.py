"""Plain-text formatting of values for people: sizes, rates, percentages, durations.

Missing values (``None``) print as :data:`MISSING`, never as ``0``.
"""

from __future__ import annotations

MISSING = "-"
_IEC = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
_SI = ("", "k", "M", "G", "T", "P")


def size(value: float | None) -> str:
    """Bytes with a binary prefix: ``512 B``, ``1.5 KiB``, ``16.0 GiB``."""
    if value is None:
        return MISSING
    amount = float(value)
    for unit in _IEC:
        if abs(amount) < 1024 or unit == _IEC[-1]:
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return MISSING  # unreachable: the loop returns on its last unit


def byte_rate(value: float | None) -> str:
    """Bytes per second with a binary prefix: ``1.2 MiB/s``."""
    return MISSING if value is None else f"{size(value)}/s"


def count_rate(value: float | None) -> str:
    """Events per second with an SI prefix: ``12/s``, ``3.4k/s``."""
    if value is None:
        return MISSING
    amount = float(value)
    for prefix in _SI:
        if abs(amount) < 1000 or prefix == _SI[-1]:
            return f"{amount:.0f}/s" if not prefix else f"{amount:.1f}{prefix}/s"
        amount /= 1000
    return MISSING  # unreachable: the loop returns on its last prefix


def percent(value: float | None, digits: int = 1) -> str:
    """A percentage: ``12.3%``."""
    return MISSING if value is None else f"{value:.{digits}f}%"


def hertz(value: float | None) -> str:
    """A frequency: ``2.40 GHz``, ``800 MHz``."""
    if value is None:
        return MISSING
    if value >= 1e9:
        return f"{value / 1e9:.2f} GHz"
    return f"{value / 1e6:.0f} MHz"


def bits_per_second(value: float | None) -> str:
    """A link speed: ``1 Gb/s``, ``100 Mb/s``."""
    if value is None:
        return MISSING
    for scale, unit in ((1e12, "Tb/s"), (1e9, "Gb/s"), (1e6, "Mb/s"), (1e3, "kb/s")):
        if value >= scale:
            return f"{value / scale:g} {unit}"
    return f"{value:g} b/s"


def duration(seconds: float | None) -> str:
    """CPU or wall time: ``0:42.10`` (minutes:seconds) or ``3:04:05`` (hours)."""
    if seconds is None:
        return MISSING
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs + (seconds - whole):05.2f}"


def clean(text: str) -> str:
    """Text safe to print: undecodable bytes (kept as surrogates) and controls become visible."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
