"""``/proc/net/wireless``: the wireless-extensions statistics (``net/wireless/wext-proc.c``).

Two header lines, then one line per wireless interface::

    wlan0: 0000   70.  -40.  -256        0      0      0      0      0        0

status (hex), link quality, signal level, noise level, then discarded packets (nwid, crypt, frag,
retry, misc) and missed beacons. A trailing ``.`` marks a value updated since the last read. With
cfg80211 the level and noise are dBm; a noise of ``-256`` means "not reported".
"""

from __future__ import annotations

import msgspec

from darwin_metrics.errors import ParseError

_NOISE_INVALID = -256


class WirelessLine(msgspec.Struct, frozen=True):
    """One interface's line. ``noise`` is ``None`` where the driver reports none (``-256``)."""

    interface: str
    status: int
    link: float
    level: float
    noise: float | None
    nwid: int
    crypt: int
    fragment: int
    retry: int
    misc: int
    missed_beacons: int


def _number(token: str, source: str, line: int) -> float:
    text = token.rstrip(".")
    try:
        return float(int(text))
    except (ValueError, OverflowError):
        raise ParseError(source, f"line {line}: not a number: {token[:20]!r}") from None


def parse_wireless(data: bytes, source: str) -> dict[str, WirelessLine]:
    """``{interface: WirelessLine}``; an empty table (no Wi-Fi) is ``{}``.

    Raises :class:`ParseError` naming ``source`` for a line with fewer than 11 fields or a
    non-numeric value.
    """
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ParseError(source, "not ASCII") from None
    result: dict[str, WirelessLine] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if number <= 2 or not line.strip():
            continue
        name, colon, rest = line.partition(":")
        fields = rest.split()
        if not colon or not name.strip() or len(fields) < 10:
            raise ParseError(
                source, f"line {number}: expected 'iface: status link level noise ...'"
            )
        try:
            status = int(fields[0], 16)
            counters = [int(f) for f in fields[4:10]]
        except ValueError:
            raise ParseError(source, f"line {number}: not a number") from None
        noise = _number(fields[3], source, number)
        result[name.strip()] = WirelessLine(
            interface=name.strip(),
            status=status,
            link=_number(fields[1], source, number),
            level=_number(fields[2], source, number),
            noise=None if noise == _NOISE_INVALID else noise,
            nwid=counters[0],
            crypt=counters[1],
            fragment=counters[2],
            retry=counters[3],
            misc=counters[4],
            missed_beacons=counters[5],
        )
    return result
