"""Hypothesis fuzz of the pure NVML helpers: any input gives a value, never an exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.nvml import (
    CLOCK_EVENT_REASONS,
    cuda_version_text,
    decode_clock_event_reasons,
    normalize_pci_bus_id,
    pstate_name,
)


@given(st.integers(min_value=0, max_value=2**64 - 1), st.none() | st.integers(0, 2**64 - 1))
def test_fuzz_decode_clock_event_reasons(current: int, supported: int | None) -> None:
    names = decode_clock_event_reasons(current, supported)
    known = {n for _, n in CLOCK_EVENT_REASONS}
    assert all(n in known or n.startswith("0x") for n in names)
    assert len(names) == len(set(names))
    if supported is not None:
        assert len(names) == bin(current & supported).count("1")


@given(st.text())
def test_fuzz_normalize_pci_bus_id(text: str) -> None:
    assert isinstance(normalize_pci_bus_id(text), str)


@given(st.one_of(st.none(), st.integers(), st.text(), st.binary(), st.floats()))
def test_fuzz_scalar_conversions(value: Any) -> None:
    cuda = cuda_version_text(value)
    assert cuda is None or isinstance(cuda, str)
    pstate = pstate_name(value)
    assert pstate is None or pstate.startswith("P")


def test_non_integers_are_no_value() -> None:
    for value in (float("inf"), float("nan"), 1e300, "12040", b"12040", True, None):
        assert cuda_version_text(value) is None
        assert pstate_name(value) is None
