"""What one scrape read from the system: a snapshot of the selected families, plus power sources
(batteries and adapters, which the snapshot does not hold) and process CPU rates between scrapes."""

from __future__ import annotations

from dataclasses import dataclass, field

from darwin_metrics.records.battery import PowerSources
from darwin_metrics.records.snapshot import Snapshot


@dataclass(frozen=True)
class Readings:
    """One read of the system, from which every family of a scrape is emitted.

    ``process_cpu_rates`` maps a pid to the CPU seconds per second it used since the previous
    scrape (empty on the first scrape, and for processes that started since).
    """

    snapshot: Snapshot
    power_sources: PowerSources | None = None
    process_cpu_rates: dict[int, float] = field(default_factory=dict)
