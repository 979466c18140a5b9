"""Short histories of a few values (CPU per core, memory, traffic) and their sparklines."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

#: Samples each history keeps (one per refresh).
DEPTH = 60
#: Eight levels, lowest to highest; a missing value is a space.
_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], width: int, top: float | None = None) -> str:
    """The last ``width`` values as block characters, right-aligned, padded with spaces.

    ``top`` is the value drawn as a full block (100 for percentages); without it the largest value
    shown is. Values are clamped to ``0..top``; ``None`` is drawn as a space.
    """
    if width <= 0:
        return ""
    shown = list(values)[-width:]
    known = [v for v in shown if v is not None]
    scale = top if top is not None else max(known, default=0.0)
    chars = []
    for value in shown:
        if value is None:
            chars.append(" ")
        elif scale <= 0:
            chars.append(_BLOCKS[0])
        else:
            level = min(max(value / scale, 0.0), 1.0)
            chars.append(_BLOCKS[min(int(level * len(_BLOCKS)), len(_BLOCKS) - 1)])
    return " " * (width - len(chars)) + "".join(chars)


class History:
    """Named series of at most :data:`DEPTH` values each; a name not updated lately is dropped."""

    def __init__(self, depth: int = DEPTH) -> None:
        self.depth = depth
        self._series: dict[str, deque[float | None]] = {}

    def add(self, name: str, value: float | None) -> None:
        """Append ``value`` to series ``name`` (created on first use)."""
        series = self._series.get(name)
        if series is None:
            series = self._series[name] = deque(maxlen=self.depth)
        series.append(value)

    def get(self, name: str) -> Sequence[float | None]:
        """The values of ``name``, oldest first (empty when unknown)."""
        series = self._series.get(name)
        return tuple(series) if series is not None else ()

    def keep_only(self, names: Iterable[str], prefix: str) -> None:
        """Forget the series starting with ``prefix`` that are not in ``names`` (gone devices)."""
        wanted = set(names)
        for name in [n for n in self._series if n.startswith(prefix) and n not in wanted]:
            del self._series[name]
