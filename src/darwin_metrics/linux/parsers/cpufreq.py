"""cpufreq attributes (``/sys/devices/system/cpu/cpufreq/policyN/*_freq``): kHz as text.

``cpuinfo_cur_freq`` and ``scaling_cur_freq`` print ``<unknown>`` when the driver cannot tell
(``Documentation/admin-guide/pm/cpufreq.rst``); some files say ``<unsupported>``.
"""

from __future__ import annotations

from darwin_metrics.linux.parsers.numbers import u64


def parse_khz(data: bytes, source: str) -> float | None:
    """A frequency attribute in hertz (kHz * 1000).

    ``None`` for an empty file, ``<unknown>``/``<unsupported>``, or ``0`` (a driver's way of saying
    it does not know); ParseError for anything else that is not an unsigned integer.
    """
    text = data.strip()
    if not text or text in (b"<unknown>", b"<unsupported>"):
        return None
    khz = u64(text, source, "frequency")
    return khz * 1000.0 if khz else None
