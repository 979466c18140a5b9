"""Power-management decoders: ``IOPMCopyAssertionsByProcess`` → PowerAssertion records.

The dictionary maps each pid (a number) to the list of its assertions; each assertion has
``AssertType`` (``PreventUserIdleSystemSleep``…), ``AssertName`` (the reason given) and the
``Process Name``. An entry without a pid or a type is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from darwin_metrics.darwin.decode.common import dictionary, text
from darwin_metrics.records.power import PowerAssertion


def assertions(by_pid: Mapping[Any, Any]) -> tuple[PowerAssertion, ...]:
    """Every assertion, sorted by pid then type."""
    found = []
    for key, items in by_pid.items():
        try:
            pid = int(key)
        except (TypeError, ValueError):
            continue
        if pid < 0 or not isinstance(items, list):
            continue
        for item in items:
            entry = dictionary(item)
            kind = text(entry.get("AssertType"))
            if not kind:
                continue
            found.append(
                PowerAssertion(
                    pid=pid,
                    type=kind,
                    name=text(entry.get("AssertName")),
                    process=text(entry.get("Process Name")),
                )
            )
    found.sort(key=lambda a: (a.pid, a.type, a.name or ""))
    return tuple(found)
