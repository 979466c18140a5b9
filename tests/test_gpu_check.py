"""The GPU check harness (``tests/support/nvidia_smi.py``, ``scripts/gpu-check``) without a GPU:
NVML is the fake from ``test_nvml.py`` and ``nvidia-smi`` a small script on ``PATH`` that prints
the CSV the real one would print for the same GPU."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from darwin_metrics.linux.fs import Roots
from darwin_metrics.nvml import NvmlSession, read_nvidia_gpus
from darwin_metrics.records.gpu import GPU
from tests.support import nvidia_smi
from tests.test_nvml import FakeNvml, h100, proc

REPO = Path(__file__).resolve().parent.parent

#: What nvidia-smi prints for h100() (memory in MiB, power in W, clocks in MHz).
ROW = (
    "0, NVIDIA H100 80GB HBM3, GPU-6f1a1f7e-2b6c-4a5e-9d0e-3c2b1a0f9e8d, 00000000:18:00.0, "
    "550.54.15, {total}, 4737, 41, 71.23, 700.00, 1755, 1755, 2619, 1980, P0, 87"
)


def fake_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, total: int = 81559) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "nvidia-smi"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "args = ' '.join(sys.argv[1:])\n"
        "if 'compute-apps' in args:\n"
        "    print('GPU-6f1a1f7e-2b6c-4a5e-9d0e-3c2b1a0f9e8d, 4242, 1024')\n"
        "elif 'enforced.power.limit' in args:\n"
        "    print('GPU-6f1a1f7e-2b6c-4a5e-9d0e-3c2b1a0f9e8d, 700.00')\n"
        "else:\n"
        f"    print({ROW.format(total=total)!r})\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")


def reader(fake: FakeNvml) -> Callable[[], tuple[GPU, ...]]:
    session = NvmlSession(load=lambda: fake)
    return lambda: read_nvidia_gpus(Roots(), session)


def gpu_fake() -> FakeNvml:
    return FakeNvml(
        [
            h100(
                nvmlDeviceGetComputeRunningProcesses_v3=[proc(4242, 1073741824)],
                nvmlDeviceGetGraphicsRunningProcesses_v3=[],
            )
        ]
    )


def test_cross_check_agrees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_smi(tmp_path, monkeypatch)
    checks = nvidia_smi.cross_check(reader(gpu_fake()))
    assert [c.line() for c in checks if not c.ok] == []
    fields = {c.field for c in checks}
    assert {"uuid", "memory.total (MiB)", "power.draw", "pstate", "compute processes"} <= fields


def test_cross_check_finds_a_mismatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_smi(tmp_path, monkeypatch, total=81560)
    checks = nvidia_smi.cross_check(reader(gpu_fake()))
    assert [c.field for c in checks if not c.ok] == ["memory.total (MiB)"]


def test_sanity_on_fake_records() -> None:
    (gpu,) = read_nvidia_gpus(Roots(), NvmlSession(load=lambda: FakeNvml([h100()])))
    assert all(c.ok for c in nvidia_smi.sanity(gpu))


def test_value_markers() -> None:
    assert nvidia_smi.value("[N/A]") is None
    assert nvidia_smi.value("[Not Supported]") is None
    assert nvidia_smi.number("71.23") == 71.23
    assert nvidia_smi.number("P0") is None


def test_script_without_nvml_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    loader = importlib.machinery.SourceFileLoader("gpu_check", str(REPO / "scripts" / "gpu-check"))
    spec = importlib.util.spec_from_loader("gpu_check", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    monkeypatch.setattr(module, "NvmlSession", lambda: NvmlSession(load=lambda: None))
    assert module.main(["--no-pytest"]) == 2
