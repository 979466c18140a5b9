"""Thermal throttling: CPU throttle counters on the captured trees (checked against node_exporter's
oracle), throttle times from the hand-made overlay (synthetic), GPU reasons and the tracker."""

from __future__ import annotations

from pathlib import Path

import pytest

from darwin_metrics.hwrates import thermal_rates
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.thermal import read_cpu_throttle, read_thermal
from darwin_metrics.records.gpu import GPU
from tests.conftest import Tree
from tests.support import sensor_tree
from tests.support.sensor_tree import oracle, write

THROTTLE = "devices/system/cpu/cpu{}/thermal_throttle/{}"


def no_gpus(backend: LinuxBackend) -> LinuxBackend:
    """Keep this machine's real GPUs (NVML reads the host, not the tree) out of the summary."""
    backend.gpus = lambda: ()  # type: ignore[method-assign]
    return backend


def test_ne_counters_deduplicated(ne_tree: Tree) -> None:
    packages, cores = read_cpu_throttle(ne_tree.roots)
    assert packages is not None and cores is not None
    assert [(p.package, p.count, p.cpus, p.total_time, p.max_time) for p in packages] == [
        (0, 30, (0, 1), None, None),
        (1, 6, (2, 3), None, None),
    ]
    assert [(c.package, c.core, c.count, c.cpus) for c in cores] == [
        (0, 0, 5, (0,)),
        (0, 1, 0, (1,)),
        (1, 0, 0, (2,)),
        (1, 1, 9, (3,)),
    ]


def test_ne_counters_match_oracle(ne_tree: Tree) -> None:
    packages, cores = read_cpu_throttle(ne_tree.roots)
    assert packages is not None and cores is not None
    expected_packages = {
        int(dict(k)["package"]): v for k, v in oracle("node_cpu_package_throttles_total").items()
    }
    assert {p.package: p.count for p in packages} == expected_packages
    expected_cores = {
        (int(dict(k)["package"]), int(dict(k)["core"])): v
        for k, v in oracle("node_cpu_core_throttles_total").items()
    }
    assert {(c.package, c.core): c.count for c in cores} == expected_cores


def test_pf_counters(pf_tree: Tree) -> None:
    packages, cores = read_cpu_throttle(pf_tree.roots)
    assert packages is not None and cores is not None
    assert [(p.package, p.count, p.cpus) for p in packages] == [(0, 34818, (0, 1))]
    assert [(c.package, c.core, c.count) for c in cores] == [(0, 0, 10084), (0, 1, 523)]


def test_throttle_times(ne_tree: Tree, tmp_path_factory: pytest.TempPathFactory) -> None:
    tree = sensor_tree.template(ne_tree, tmp_path_factory)
    packages, cores = read_cpu_throttle(tree.roots)
    assert packages is not None and cores is not None
    assert (packages[0].total_time, packages[0].max_time) == (7.0, 0.9)
    assert (packages[1].total_time, packages[1].max_time) == (None, None)
    assert (cores[0].total_time, cores[0].max_time) == (1.25, 0.2)


def test_no_throttle_interface(tmp_path: Path) -> None:
    (tmp_path / "devices/system/cpu/cpu0/topology").mkdir(parents=True)
    backend = no_gpus(LinuxBackend(procfs=str(tmp_path), sysfs=str(tmp_path)))
    thermal = backend.thermal()
    # no counters and no GPU reasons: the machine cannot tell, so None rather than False
    assert (thermal.packages, thermal.cores, thermal.throttling) == (None, None, None)


def test_counters_rising_between_two_readings(writable_ne_tree: Tree) -> None:
    sys_root = writable_ne_tree.sys
    roots = writable_ne_tree.roots

    first = read_thermal(roots)
    assert (first.throttling, first.sources) == (False, ())
    assert read_thermal(roots) == first  # one reading, no state kept between calls

    write(sys_root / THROTTLE.format(0, "package_throttle_count"), 31)
    write(sys_root / THROTTLE.format(3, "core_throttle_count"), 10)
    second = read_thermal(roots)
    assert not second.throttling  # counters alone say nothing until compared
    rates = thermal_rates(first, second, 2.0)
    assert rates.throttling
    assert rates.sources == ("cpu-package0", "cpu-core1.1")
    assert rates.package_events_per_second is not None and rates.package_events_per_second > 0

    quiet = thermal_rates(second, read_thermal(roots), 1.0)
    assert (quiet.throttling, quiet.sources, quiet.package_events_per_second) == (False, (), 0.0)

    write(sys_root / THROTTLE.format(0, "package_throttle_count"), 0)  # reset: not throttling
    assert not thermal_rates(second, read_thermal(roots), 1.0).throttling


def test_total_time_rising(
    ne_tree: Tree, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    template = sensor_tree.template(ne_tree, tmp_path_factory)
    tree = sensor_tree.fan_subset(template, tmp_path / "t", ("sys/devices/system/cpu",))
    before = read_thermal(tree.roots)
    write(tree.sys / THROTTLE.format(0, "core_throttle_total_time_ms"), 1300)
    assert thermal_rates(before, read_thermal(tree.roots), 1.0).sources == ("cpu-core0.0",)


def test_gpu_reasons(ne_tree: Tree) -> None:
    gpus = [
        GPU(index=0, vendor="nvidia", name="A", throttle_reasons=("gpu_idle",)),
        GPU(index=1, vendor="amd", name="B"),  # amdgpu: no reasons
    ]
    thermal = read_thermal(ne_tree.roots, lambda: gpus)
    assert [(g.index, g.name, g.reasons, g.throttling) for g in thermal.gpus] == [
        (0, "A", ("gpu_idle",), False)
    ]
    assert not thermal.throttling

    gpus[0] = GPU(
        index=0, vendor="nvidia", throttle_reasons=("sw_power_cap", "hw_thermal_slowdown")
    )
    later = read_thermal(ne_tree.roots, lambda: gpus)
    assert later.throttling  # a GPU reason tells the present without a second reading
    assert later.sources == ("gpu0:sw_power_cap", "gpu0:hw_thermal_slowdown")
    assert later.gpus[0].throttling
    assert thermal_rates(thermal, later, 1.0).sources == later.sources


def test_sampler_reports_throttling(writable_ne_tree: Tree) -> None:
    from darwin_metrics.sampler import Sampler

    backend = no_gpus(
        LinuxBackend(procfs=writable_ne_tree.roots.procfs, sysfs=writable_ne_tree.roots.sysfs)
    )
    sampler = Sampler(backend, processes=False)
    sampler.sample()
    write(writable_ne_tree.sys / THROTTLE.format(2, "package_throttle_count"), 7)
    rates = sampler.sample().rates
    assert rates is not None and rates.thermal is not None
    assert rates.thermal.throttling and rates.thermal.sources == ("cpu-package1",)


def test_snapshot_field(ne_tree: Tree) -> None:
    from darwin_metrics.collect import take_snapshot

    backend = LinuxBackend(procfs=ne_tree.roots.procfs, sysfs=ne_tree.roots.sysfs)
    snap = take_snapshot(backend, include_processes=False)
    assert snap.thermal is not None
    assert snap.thermal.packages is not None and len(snap.thermal.packages) == 2


@pytest.mark.live
def test_live_thermal_reads() -> None:
    """This machine: thermal() answers; where counters exist they are de-duplicated per package."""
    thermal = LinuxBackend().thermal()
    if thermal.packages is not None:
        ids = [p.package for p in thermal.packages]
        assert ids == sorted(set(ids))
