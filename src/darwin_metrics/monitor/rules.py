"""Threshold rules: a metric path, a limit, a direction, hysteresis and a minimum duration.

Rule text, as ``darwin-metrics watch --on`` takes it::

    rule     := PATH OP NUMBER [ "for" DURATION ] [ "hysteresis" NUMBER ]
    OP       := ">" | ">=" | "<" | "<="
    DURATION := NUMBER ( "ms" | "s" | "m" | "h" )     (a bare number is seconds)

``cpu.percent>90 for 5s`` becomes active once ``cpu.percent`` has stayed above 90 for 5 seconds
and clears once it falls to 90 minus the hysteresis or lower. The path is checked against the
record types when the rule is made (:class:`~darwin_metrics.metricpath.PathError` otherwise).
"""

from __future__ import annotations

import re
from typing import Any, Literal

import msgspec

from darwin_metrics.metricpath import MetricPath, PathError, parse, resolve
from darwin_metrics.monitor.events import ThresholdCrossed

_RULE = re.compile(
    r"^\s*(?P<path>[^<>\s]+)\s*(?P<op>>=|<=|>|<)\s*(?P<value>[-+]?[0-9.]+(?:e[-+]?\d+)?)"
    r"(?:\s+for\s+(?P<duration>[0-9.]+)\s*(?P<unit>ms|s|m|h)?)?"
    r"(?:\s+hysteresis\s+(?P<hysteresis>[0-9.]+(?:e[-+]?\d+)?))?\s*$",
    re.IGNORECASE,
)
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class _PathState(msgspec.Struct):
    """Where one concrete path stands: since when its condition has held, and whether active."""

    since: float | None = None
    active: bool = False


class ThresholdRule(msgspec.Struct):
    """One threshold: ``path`` (text or parsed), ``threshold``, ``direction`` (``above`` fires when
    the value exceeds the threshold, or reaches it with ``inclusive``), ``hysteresis`` (the value
    must come back past ``threshold ∓ hysteresis`` to clear) and ``duration`` (seconds the
    condition must hold before it fires). ``text`` is the rule as the events show it."""

    path: MetricPath
    threshold: float
    direction: Literal["above", "below"]
    hysteresis: float = 0.0
    duration: float = 0.0
    inclusive: bool = False
    text: str = ""
    #: Per concrete path: since when the condition holds, whether the rule is active there.
    states: dict[str, _PathState] = msgspec.field(default_factory=dict)

    @classmethod
    def make(
        cls,
        path: str | MetricPath,
        *,
        above: float | None = None,
        below: float | None = None,
        hysteresis: float = 0.0,
        duration: float = 0.0,
    ) -> ThresholdRule:
        """A rule from keyword arguments: exactly one of ``above`` and ``below``."""
        if (above is None) == (below is None):
            raise ValueError("give exactly one of above= and below=")
        if hysteresis < 0 or duration < 0:
            raise ValueError("hysteresis and duration must not be negative")
        parsed = parse(path) if isinstance(path, str) else path
        limit = above if above is not None else below
        assert limit is not None
        direction: Literal["above", "below"] = "above" if above is not None else "below"
        sign = ">" if direction == "above" else "<"
        text = f"{parsed.text}{sign}{limit:g}"
        if duration:
            text += f" for {duration:g}s"
        if hysteresis:
            text += f" hysteresis {hysteresis:g}"
        return cls(parsed, float(limit), direction, hysteresis, duration, text=text)

    @classmethod
    def from_text(cls, text: str) -> ThresholdRule:
        """Parse ``cpu.percent>90 for 5s``; raises :class:`PathError` for a bad rule or path."""
        match = _RULE.match(text)
        if match is None:
            raise PathError(
                f"rule {text!r}: expected PATH OP NUMBER [for DURATION] [hysteresis NUMBER], "
                "OP one of > >= < <="
            )
        op = match["op"]
        duration = 0.0
        if match["duration"] is not None:
            duration = float(match["duration"]) * _UNITS[(match["unit"] or "s").lower()]
        return cls(
            parse(match["path"]),
            float(match["value"]),
            "above" if op.startswith(">") else "below",
            float(match["hysteresis"] or 0.0),
            duration,
            inclusive=op.endswith("="),
            text=text.strip(),
        )

    def _holds(self, value: float) -> bool:
        if self.direction == "above":
            return value >= self.threshold if self.inclusive else value > self.threshold
        return value <= self.threshold if self.inclusive else value < self.threshold

    def _cleared(self, value: float) -> bool:
        if self.direction == "above":
            return value <= self.threshold - self.hysteresis
        return value >= self.threshold + self.hysteresis

    def evaluate(self, sample: Any, now: float, wall: float) -> list[ThresholdCrossed]:
        """Compare the values the path names in ``sample`` with the threshold. ``now`` is
        monotonic time (for the duration), ``wall`` the Unix time put on the events."""
        events: list[ThresholdCrossed] = []
        found = resolve(self.path, sample)
        if not found and self.path.reducer == "sum":
            # A sum over no items is 0: the last SYN_RECV socket gone clears a surge rule.
            found = {self.path.text: 0.0}
        for concrete, value in found.items():
            state = self.states.setdefault(concrete, _PathState())
            if not state.active:
                if not self._holds(value):
                    state.since = None
                    continue
                if state.since is None:
                    state.since = now
                if now - state.since + 1e-9 < self.duration:
                    continue
                state.active = True
            elif self._cleared(value):
                state.active = False
                state.since = None
            else:
                continue
            events.append(
                ThresholdCrossed(
                    observed_at=wall,
                    rule=self.text,
                    path=concrete,
                    value=value,
                    threshold=self.threshold,
                    direction=self.direction,
                    active=state.active,
                )
            )
        return events
