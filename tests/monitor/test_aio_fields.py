"""stream(process_fields=...): the async stream reads only the asked process fields, checks the
names when it is called (not on the first iteration), and still gives the rates those fields allow.

A hand-made /proc with one process runs the production reader; the files change between the two
samples so that the rates have something to measure.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import darwin_metrics as dm
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.procfields import ALWAYS_FILLED, PROCESS_FIELDS
from darwin_metrics.records.rates import Sample
from tests.linux.test_process import _add, _stat_line

IO_BEFORE = "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\n"
IO_AFTER = "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 6\n"


@pytest.fixture
def proc_root(tmp_path: Path) -> Path:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "stat").write_text("cpu 1 2 3 4\nbtime 1000000000\n")
    (proc / "self").symlink_to("1")
    _add(proc, 1, 0, io=IO_BEFORE + "cancelled_write_bytes: 0\n")
    (proc / "1" / "exe").symlink_to("/usr/bin/true")
    return proc


def _two_samples(proc_root: Path, fields: set[str] | None) -> tuple[Sample, Sample]:
    """Two samples of the stream, with the process's CPU time and reads grown in between."""
    backend = LinuxBackend(procfs=str(proc_root), sysfs=str(proc_root))

    async def take() -> list[Sample]:
        samples: list[Sample] = []
        stream = dm.stream(0.05, families=("processes",), process_fields=fields, backend=backend)
        async for sample in stream:
            samples.append(sample)
            if len(samples) == 2:
                break
            (proc_root / "1" / "stat").write_text(_stat_line(1, 0).replace(" 50 25 ", " 150 25 "))
            (proc_root / "1" / "io").write_text(IO_AFTER + "cancelled_write_bytes: 0\n")
        await stream.aclose()
        return samples

    first, second = asyncio.run(asyncio.wait_for(take(), 20))
    return first, second


@pytest.mark.parametrize(
    ("fields", "cpu", "io"),
    [
        ({"cpu_times"}, True, False),
        ({"io"}, False, True),
        ({"memory"}, False, False),
        ({"cpu_times", "memory", "io"}, True, True),
        (None, True, True),
    ],
)
def test_records_carry_only_the_asked_fields(
    proc_root: Path, fields: set[str] | None, cpu: bool, io: bool
) -> None:
    first, second = _two_samples(proc_root, fields)
    assert first.rates is None
    assert first.snapshot.processes is not None
    (proc,) = first.snapshot.processes
    filled = {name for name in PROCESS_FIELDS if getattr(proc, name) is not None}
    if fields is None:
        assert {"cpu_times", "memory", "io", "cmdline", "exe"} <= filled
    else:
        # create_time is read with every field set: the rates tell processes apart by it.
        assert filled <= ALWAYS_FILLED | fields | {"create_time"}
        assert fields <= filled
        assert proc.create_time == 1000000001.0
    assert proc.pid == 1 and proc.name is not None

    assert second.rates is not None and second.rates.processes is not None
    (rates,) = second.rates.processes
    assert (rates.pid, rates.create_time) == (1, 1000000001.0)
    assert (rates.cpu_percent is not None) == cpu
    if cpu:
        assert rates.cpu_percent is not None and rates.cpu_percent > 0
    assert (rates.read_bytes_per_second is not None) == io
    if io:
        assert rates.read_bytes_per_second is not None and rates.read_bytes_per_second > 0
        assert rates.write_bytes_per_second == 0.0


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (["cpu_times", "cpu_percent"], ValueError),
        ({"memory_info"}, ValueError),
        ("cpu_times", TypeError),
        (b"io", TypeError),
        (5, TypeError),
        ([1], TypeError),
    ],
)
def test_bad_fields_raise_when_called(fields: object, error: type[Exception]) -> None:
    # No event loop and no iteration: the error comes from the call itself, as the Sampler's.
    with pytest.raises(error) as from_stream:
        dm.stream(1.0, process_fields=fields)  # type: ignore[arg-type]
    with pytest.raises(error) as from_sampler:
        dm.Sampler(process_fields=fields)  # type: ignore[arg-type]
    assert str(from_stream.value) == str(from_sampler.value)


def test_bad_interval_raises_when_called() -> None:
    with pytest.raises(ValueError, match="interval"):
        dm.stream(0)


@pytest.mark.live
def test_live_stream_with_fields() -> None:
    async def take() -> Sample:
        stream = dm.stream(0.1, families=("processes",), process_fields=["memory"])
        async for sample in stream:
            await stream.aclose()
            return sample
        raise AssertionError("the stream ended")

    sample = asyncio.run(asyncio.wait_for(take(), 30))
    assert sample.snapshot.processes
    allowed = ALWAYS_FILLED | {"memory", "create_time"}
    for proc in sample.snapshot.processes:
        assert {n for n in PROCESS_FIELDS if getattr(proc, n) is not None} <= allowed
        assert proc.cpu_times is None and proc.io is None and proc.cmdline is None
    assert any(p.memory is not None for p in sample.snapshot.processes)
