"""Fuzzing: whatever appears, changes, repeats and vanishes reads back exactly as recorded."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from darwin_metrics.history.query import query
from darwin_metrics.history.recorder import Recorder
from darwin_metrics.history.store import HistoryStore
from tests.history.samples import sample

T0 = 1_699_999_200.0
NAMES = ("eth0", "eth0.100", "wl[an", "lo")
values = st.sampled_from([0.0, 1.0, 1.5, -2.0, 1e300, 123456789.0])
frames = st.lists(st.dictionaries(st.sampled_from(NAMES), values), min_size=1, max_size=25)


@settings(max_examples=60)
@given(frames=frames, keyframe=st.integers(1, 8), batch=st.integers(1, 6), cpu=st.lists(values))
def test_recorded_values_read_back(
    frames: list[dict[str, float]], keyframe: int, batch: int, cpu: list[float]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "h.db"
        with Recorder(db, keyframe_seconds=keyframe, batch_seconds=batch) as recorder:
            for i, rx in enumerate(frames):
                recorder.record(sample(T0 + i, rx=rx, cpu=cpu[i] if i < len(cpu) else 7.0))
        store = HistoryStore(db, readonly=True)
        try:
            result = query(store, "interfaces[*].rx_bytes_per_second", T0, T0 + len(frames))
            got = {
                (s.path, t): v
                for s in result.series
                for t, v in zip(s.times, s.values, strict=True)
            }
            expected = {
                (f"interfaces[{name}].rx_bytes_per_second", T0 + i): v
                for i, rx in enumerate(frames)
                for name, v in rx.items()
            }
            assert got == expected
            # A window starting between keyframes reads the same values.
            start = T0 + len(frames) // 2
            middle = query(store, "cpu.percent", start, T0 + len(frames)).series[0]
            assert middle.times[0] == start
            assert middle.values == tuple(
                cpu[i] if i < len(cpu) else 7.0 for i in range(len(frames) // 2, len(frames))
            )
        finally:
            store.close()
