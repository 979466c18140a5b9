"""One scrape lists the hwmon chips once: the temperatures, fans and power families share the
listing inside the scrape's ``shared_reads()`` block, and the next scrape lists them again (a chip
can appear or vanish between scrapes).

Reads are counted with an audit hook on ``open`` (``tests.support.hostile.recording``): every
``name`` file of a chip (``hwmonN/name``, or ``device/name`` for the old layout) is opened once per
scrape, as one :func:`list_chips` call opens them; before this change a scrape opened each three
times.
"""

from __future__ import annotations

import collections
import os

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
