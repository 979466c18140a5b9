"""Real NVIDIA GPUs read through NVML, cross-checked against ``nvidia-smi --query-gpu``.

Skipped where NVML finds no GPU or nvidia-smi is absent. Tolerances are stated in
``tests/support/nvidia_smi.py``. Stdlib + pytest only (no hypothesis), so ``scripts/gpu-check`` can
run it with a bare system Python.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from darwin_metrics.linux.fs import Roots
from darwin_metrics.nvml import NvmlSession, read_nvidia_gpus
from darwin_metrics.records.gpu import GPU
from tests.support import nvidia_smi

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def session() -> Iterator[NvmlSession]:
    s = NvmlSession()
    if s.binding() is None:
        pytest.skip(f"no NVML here: {s.unavailable_reason}")
    yield s
    s.shutdown()


@pytest.fixture(scope="module")
def gpus(session: NvmlSession) -> tuple[GPU, ...]:
    found = read_nvidia_gpus(Roots(), session)
    if not found:
        pytest.skip("NVML sees no GPU")
    return found


def _failures(checks: list[nvidia_smi.Check]) -> list[str]:
    return [c.line() for c in checks if not c.ok]


def test_records_are_sane(gpus: tuple[GPU, ...]) -> None:
    checks = [c for g in gpus for c in nvidia_smi.sanity(g)]
    assert not _failures(checks), "\n".join(_failures(checks))
    indexes = [g.device_index for g in gpus]
    assert indexes == sorted(i for i in indexes if i is not None)


def test_cross_check_with_nvidia_smi(gpus: tuple[GPU, ...], session: NvmlSession) -> None:
    if not nvidia_smi.have_nvidia_smi():
        pytest.skip("nvidia-smi is not installed")
    checks = nvidia_smi.cross_check(lambda: read_nvidia_gpus(Roots(), session))
    assert not _failures(checks), "\n".join(_failures(checks))


def test_energy_counter_matches_power(gpus: tuple[GPU, ...], session: NvmlSession) -> None:
    checks = nvidia_smi.energy_rate(lambda: read_nvidia_gpus(Roots(), session))
    if not checks:
        pytest.skip("no GPU reports both energy and power")
    assert not _failures(checks), "\n".join(_failures(checks))


def test_public_api_lists_the_nvidia_gpus(gpus: tuple[GPU, ...]) -> None:
    import darwin_metrics

    listed = [g for g in darwin_metrics.gpus() if g.vendor == "nvidia"]
    assert [g.uuid for g in listed] == [g.uuid for g in gpus]
    assert [g.index for g in listed] == list(range(len(listed)))
