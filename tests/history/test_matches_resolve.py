"""History answers a path with the values ``metricpath.resolve`` gives on the live sample."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from darwin_metrics.history.query import query
from darwin_metrics.history.recorder import Recorder
from darwin_metrics.history.store import HistoryStore
from darwin_metrics.metricpath import resolve
from tests.history.samples import sample

T0 = 1_699_999_200.0
PATHS = (
    "cpu.percent",
    "cpu[*].percent",
    "cpu.cores[1].percent",
    "cpu.cores[*].percent.max",
    "interfaces[*].rx_bytes_per_second",
    "interfaces[eth0].rx_bytes_per_second",
    "interfaces[*].rx_bytes_per_second.sum",
    "interfaces[*].rx_bytes_per_second.count",
    "volumes[*]",
    "volumes[/]",
    "volumes[mount_point=/home].used_percent",
    "volumes[*].total.sum",
    "temperatures[*]",
    "temperatures[*].max",
    "temperatures[*].celsius.mean",
)
numbers = st.floats(0, 1e12, allow_nan=False)


@settings(max_examples=15)
@given(
    cores=st.lists(numbers, min_size=1, max_size=4),
    rx=st.dictionaries(st.sampled_from(["eth0", "lo", "wlan0", "br-1.5"]), numbers, max_size=4),
    volumes=st.dictionaries(st.sampled_from(["/", "/home", "/mnt/a.b"]), numbers, max_size=3),
    sensors=st.dictionaries(
        st.sampled_from(["temp1", "temp2", "Tctl"]),
        st.tuples(st.sampled_from(["cpu", "gpu"]), numbers),
        max_size=3,
    ),
)
def test_history_equals_resolve(
    cores: list[float],
    rx: dict[str, float],
    volumes: dict[str, float],
    sensors: dict[str, tuple[str, float]],
) -> None:
    live = sample(T0, cores=tuple(cores), rx=rx, volumes=volumes, sensors=sensors or None)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "h.db"
        with Recorder(db) as recorder:
            recorder.record(live)
        store = HistoryStore(db, readonly=True)
        try:
            for path in PATHS:
                expected = sorted(resolve(path, live).values())
                got = sorted(
                    value
                    for series in query(store, path, T0 - 1, T0 + 1).series
                    for value in series.values
                )
                assert got == expected, path
        finally:
            store.close()
