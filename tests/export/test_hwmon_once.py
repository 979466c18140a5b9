"""One scrape lists the hwmon chips once: the temperatures, fans and power families share the
listing inside the scrape's ``shared_reads()`` block, and the next scrape lists them again (a chip
can appear or vanish between scrapes).

Reads are counted with an audit hook on ``open`` (``tests.support.hostile.recording``): every
``name`` file of a chip (``hwmonN/name``, or ``device/name`` for the old layout) is opened once per
scrape, as one :func:`list_chips` call opens them; before this change a scrape opened each three
times.

Directory listings are counted the same way, with an audit hook on ``os.listdir`` and
``os.scandir``: one snapshot or scrape lists each chip directory once, the power family taking the
``power*``/``energy*`` files from that listing (before, it listed every chip directory again).
The captured tree has no hwmon power or energy files, so that test writes some into a copy.
"""

from __future__ import annotations

import collections
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.conftest import Tree
from tests.export.helpers import exposition, values
from tests.support import hostile

from darwin_metrics.collect import take_snapshot  # isort: skip
from darwin_metrics.export.collector import SnapshotCollector  # isort: skip
from darwin_metrics.linux.backend import LinuxBackend  # isort: skip
from darwin_metrics.linux.hwmon import list_chips  # isort: skip


def _backend(tree: Tree) -> LinuxBackend:
    return LinuxBackend(procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)


def _name_reads(
    opened: list[str], only: collections.Counter[str] | None = None
) -> collections.Counter[str]:
    """How often each ``name`` file was opened (only those in ``only``, when given: RAPL zones
    have ``name`` files too)."""
    return collections.Counter(
        p for p in opened if os.path.basename(p) == "name" and (only is None or p in only)
    )


def _one_listing(tree: Tree) -> collections.Counter[str]:
    """The ``name`` files one chip listing opens (each once)."""
    with hostile.recording() as opened:
        chips = list_chips(tree.roots)
    assert len(chips) >= 10  # node_exporter's tree: coretemp, nct6779, applesmc, wifi phys...
    reads = _name_reads(opened)
    assert reads and set(reads.values()) == {1}
    return reads


def test_a_scrape_reads_each_chip_name_once(ne_tree: Tree) -> None:
    listing = _one_listing(ne_tree)
    collector = SnapshotCollector(_backend(ne_tree))
    for _ in range(2):  # the second scrape lists the chips again: nothing kept between scrapes
        with hostile.recording() as opened:
            text = exposition(collector)
        assert values(text, "node_hwmon_temp_celsius") and values(text, "node_hwmon_fan_rpm")
        assert _name_reads(opened, listing) == listing
    assert collector.reads == 2


def test_a_snapshot_reads_each_chip_name_once(ne_tree: Tree) -> None:
    listing = _one_listing(ne_tree)
    backend = _backend(ne_tree)
    with hostile.recording() as opened:
        snap = take_snapshot(backend, include_processes=False)
    assert snap.temperatures is not None and snap.temperatures.sensors and snap.fans
    assert snap.power is not None
    assert _name_reads(opened, listing) == listing


def test_calls_outside_a_reading_list_afresh(ne_tree: Tree) -> None:
    listing = _one_listing(ne_tree)
    backend = _backend(ne_tree)
    with hostile.recording() as opened:
        backend.temperatures()
        backend.fans()
    assert _name_reads(opened, listing) == collections.Counter(dict.fromkeys(listing, 2))


def test_a_chip_that_vanishes_or_appears_shows_in_the_next_scrape(writable_ne_tree: Tree) -> None:
    collector = SnapshotCollector(_backend(writable_ne_tree))
    chips = {dict(k)["chip"] for k in values(exposition(collector), "node_hwmon_temp_celsius")}
    gone = "platform_coretemp_1"
    assert gone in chips
    link = os.path.join(writable_ne_tree.roots.sysfs, "class", "hwmon", "hwmon1")
    target = os.readlink(link)
    os.unlink(link)
    after = {dict(k)["chip"] for k in values(exposition(collector), "node_hwmon_temp_celsius")}
    assert after == chips - {gone}
    os.symlink(target, link)
    again = {dict(k)["chip"] for k in values(exposition(collector), "node_hwmon_temp_celsius")}
    assert again == chips


_listed: list[str] | None = None
_listing_hook = False


def _on_listing(event: str, args: tuple[Any, ...]) -> None:
    if _listed is not None and event in ("os.listdir", "os.scandir") and args:
        path = args[0]
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if isinstance(path, str):
            _listed.append(os.path.realpath(path))


@contextmanager
def _listing() -> Iterator[list[str]]:
    """The directories listed inside the block, resolved (the audit hook is installed once and
    switched on and off: hooks cannot be removed)."""
    global _listed, _listing_hook
    if not _listing_hook:
        sys.addaudithook(_on_listing)
        _listing_hook = True
    listed: list[str] = []
    _listed = listed
    try:
        yield listed
    finally:
        _listed = None


def _with_power_files(tree: Tree) -> collections.Counter[str]:
    """Write hwmon power and energy files into two chips of ``tree`` (the nct6779 board chip and
    the first coretemp); the chip directories, each counted once."""
    hwmon = os.path.join(tree.roots.sysfs, "class", "hwmon")
    board = os.path.realpath(os.path.join(hwmon, "hwmon3"))
    core = os.path.realpath(os.path.join(hwmon, "hwmon0"))
    files = {
        (board, "power1_input"): "12500000",
        (board, "power1_label"): "CPU",
        (board, "power1_cap"): "65000000",
        (board, "power2_average"): "3000000",
        (core, "energy1_input"): "123456789",
        (core, "energy1_label"): "Ecore",
    }
    for (directory, name), value in files.items():
        with open(os.path.join(directory, name), "w") as f:
            f.write(value + "\n")
    return collections.Counter(chip.directory for chip in list_chips(tree.roots))


def _chip_listings(listed: list[str], chips: collections.Counter[str]) -> collections.Counter[str]:
    return collections.Counter(p for p in listed if p in chips)


def test_a_snapshot_lists_each_chip_directory_once(writable_ne_tree: Tree) -> None:
    chips = _with_power_files(writable_ne_tree)
    assert len(chips) >= 10
    with _listing() as listed:
        snap = take_snapshot(_backend(writable_ne_tree), include_processes=False)
    assert _chip_listings(listed, chips) == chips
    assert snap.power is not None and snap.temperatures is not None and snap.fans
    rails = {r.name: r for r in snap.power.rails if r.source == "hwmon"}
    assert rails["nct6779/CPU"].watts == 12.5 and rails["nct6779/CPU"].limit_watts == 65.0
    assert rails["nct6779/power2"].watts == 3.0
    assert rails["coretemp/Ecore"].joules == 123.456789


def test_a_scrape_lists_each_chip_directory_once(writable_ne_tree: Tree) -> None:
    chips = _with_power_files(writable_ne_tree)
    collector = SnapshotCollector(_backend(writable_ne_tree))
    for _ in range(2):
        with _listing() as listed:
            text = exposition(collector)
        assert _chip_listings(listed, chips) == chips
        watts = {
            dict(k)["rail"]: v for k, v in values(text, "darwin_metrics_power_rail_watts").items()
        }
        assert watts["nct6779/CPU"] == 12.5 and watts["nct6779/power2"] == 3.0
        assert values(text, "node_hwmon_temp_celsius") and values(text, "node_hwmon_fan_rpm")
