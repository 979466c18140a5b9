"""The bounded memo type and the memos each Linux backend owns (linux/memo.py)."""

from __future__ import annotations

import gc
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.linux.fs import Roots
from darwin_metrics.linux.memo import Memo, Memos, MemoSpec
from tests.conftest import Tree

# -- the memo type ------------------------------------------------------------------------------


def test_oldest_goes_first_and_counters() -> None:
    memo: Memo[str, int] = Memo("t", maxsize=3)
    for n, key in enumerate("abc"):
        memo.put(key, n)
    assert memo.get("a") == 0  # a lookup renews nothing: a is still the oldest
    memo.put("d", 3)
    assert memo.get("a") is None
    assert [memo.get(k) for k in "bcd"] == [1, 2, 3]
    memo.put("b", 10)  # storing a known key again makes it the newest, without an eviction
    memo.put("e", 4)  # c is the oldest now
    assert memo.get("c", -1) == -1
    stats = memo.stats()
    assert (stats.size, stats.maxsize, stats.evictions) == (3, 3, 2)
    assert stats.stores == 6
    assert [memo.get(k) for k in "bde"] == [10, 3, 4]


def test_none_values_and_defaults() -> None:
    memo: Memo[int, str | None] = Memo("t", maxsize=2)
    memo.put(1, None)
    missing = object()
    assert memo.get(1, missing) is None
    assert memo.get(2, missing) is missing


def test_get_or_make_calls_make_once_per_miss() -> None:
    memo: Memo[str, list[int]] = Memo("t", maxsize=4)
    made: list[str] = []

    def make() -> list[int]:
        made.append("x")
        return [1]

    first = memo.get_or_make("k", make)
    assert memo.get_or_make("k", make) is first
    assert made == ["x"]


def test_bad_bound() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        Memo("t", maxsize=0)


def test_never_grows_past_its_bound() -> None:
    memo: Memo[int, int] = Memo("t", maxsize=64)
    for n in range(100_000):
        memo.put(n, n)
        assert len(memo) <= 64
    stats = memo.stats()
    assert (stats.size, stats.evictions) == (64, 100_000 - 64)
    assert [memo.get(n) for n in range(100_000 - 64, 100_000)] == list(range(100_000 - 64, 100_000))


_OPS = st.lists(
    st.tuples(st.sampled_from(["get", "put"]), st.integers(0, 12), st.integers()), max_size=200
)


@given(bound=st.integers(1, 8), ops=_OPS)
def test_matches_a_reference_fifo(bound: int, ops: list[tuple[str, int, int]]) -> None:
    memo: Memo[int, int] = Memo("t", maxsize=bound)
    model: list[tuple[int, int]] = []  # oldest first
    for op, key, value in ops:
        found = [i for i, (k, _) in enumerate(model) if k == key]
        if op == "get":
            assert memo.get(key) == (model[found[0]][1] if found else None)
        else:
            memo.put(key, value)
            if found:
                model.pop(found[0])
            elif len(model) >= bound:
                model.pop(0)
            model.append((key, value))
        assert len(memo) == len(model) <= bound
    assert all(memo.get(k) == v for k, v in model)


def test_threads_keep_the_bound_and_the_counts() -> None:
    memo: Memo[int, int] = Memo("t", maxsize=50)
    rounds, workers = 4000, 8
    errors: list[str] = []
    start = threading.Barrier(workers)

    def work(seed: int) -> None:
        start.wait()
        for n in range(rounds):
            key = (n * 7 + seed) % 120
            value = memo.get_or_make(key, lambda key=key: key * 3)  # type: ignore[misc]
            if value != key * 3:
                errors.append(f"{key} -> {value}")
            if len(memo) > 50:
                errors.append("over the bound")

    threads = [threading.Thread(target=work, args=(s,)) for s in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stats = memo.stats()
    assert stats.size <= 50
    assert stats.stores - stats.evictions == stats.size
    # Each key is stored again only after it was evicted (or by a thread that raced another).
    assert 120 <= stats.stores < rounds * workers


def test_memos_make_one_memo_per_spec() -> None:
    spec: MemoSpec[str, int] = MemoSpec("spec.a", maxsize=2)
    other: MemoSpec[str, int] = MemoSpec("spec.b", maxsize=5)
    memos = Memos()
    assert memos.memo(spec) is memos.memo(spec)
    assert memos.memo(spec) is not memos.memo(other)
    memos.memo(spec).put("x", 1)
    assert [(s.name, s.size, s.maxsize) for s in memos.stats()] == [
        ("spec.a", 1, 2),
        ("spec.b", 0, 5),
    ]
    memos.clear()
    assert memos.memo(spec).get("x") is None


def test_roots_compare_by_paths_but_own_their_memos() -> None:
    a, b = Roots("/p", "/s"), Roots("/p", "/s")
    assert a == b and hash(a) == hash(b) and a != Roots("/p", "/t")
    assert a.memos is not b.memos
    assert repr(a) == "Roots(procfs='/p', sysfs='/s')"
    with pytest.raises(AttributeError):
        setattr(a, "procfs", "/x")  # noqa: B010


# -- memos owned by the backend -----------------------------------------------------------------

#: Families whose collectors keep memos, with the other families a captured tree answers.
FAMILIES: dict[str, Callable[[LinuxBackend], Any]] = {
    "cpu": lambda b: b.cpu(),
    "memory": lambda b: b.memory(),
    "disks": lambda b: b.disks(),
    "volumes": lambda b: b.volumes(all=True),
    "interfaces": lambda b: b.interfaces(),
    "gpus": lambda b: b.gpus(),
    "cgroup": lambda b: b.cgroup(),
    "temperatures": lambda b: b.temperatures(),
    "network_stats": lambda b: b.network_stats(),
}


def _answers(backend: LinuxBackend) -> dict[str, Any]:
    """Every family as plain data (the error's type where the tree cannot answer)."""
    found: dict[str, Any] = {}
    for name, read in FAMILIES.items():
        try:
            value = msgspec.to_builtins(read(backend))
        except DarwinMetricsError as exc:
            value = type(exc).__name__
        found[name] = value
    return found


def _backend(tree: Tree) -> LinuxBackend:
    return LinuxBackend(procfs=tree.roots.procfs, sysfs=tree.roots.sysfs)


def test_two_backends_read_alternately_never_mix(ne_tree: Tree, pf_tree: Tree) -> None:
    alone_ne, alone_pf = _answers(_backend(ne_tree)), _answers(_backend(pf_tree))
    differing = [name for name in FAMILIES if alone_ne[name] != alone_pf[name]]
    assert {"cpu", "memory", "disks", "volumes", "interfaces"} <= set(differing)
    ne, pf = _backend(ne_tree), _backend(pf_tree)
    for _ in range(3):
        for name, read in FAMILIES.items():
            for backend, alone in ((ne, alone_ne), (pf, alone_pf)):
                try:
                    value = msgspec.to_builtins(read(backend))
                except DarwinMetricsError as exc:
                    value = type(exc).__name__
                assert value == alone[name], name
    for backend in (ne, pf):
        stats = backend.roots.memos.stats()
        assert {"cpu.layouts", "disk.lines", "memory.psi", "mounts.tables"} <= {
            s.name for s in stats
        }
        assert all(s.size <= s.maxsize for s in stats)
    # Served from the memos: more reads store nothing more.
    before = {s.name: s.stores for s in ne.roots.memos.stats()}
    _answers(ne)
    assert {s.name: s.stores for s in ne.roots.memos.stats() if s.name in before} == before
    assert ne.roots.memos is not pf.roots.memos


def test_trees_that_differ_only_in_content_do_not_mix(
    ne_tree: Tree, writable_ne_tree: Tree
) -> None:
    """The CPU layout is remembered by the bytes of the ``online`` file, which both trees share:
    only the backend's own memo keeps the other tree's CPU model out."""
    model = _backend(ne_tree).cpu().model
    assert model
    cpuinfo = writable_ne_tree.proc / "cpuinfo"
    cpuinfo.write_text(cpuinfo.read_text().replace(model, "Renamed CPU"))
    original, renamed = _backend(ne_tree), _backend(writable_ne_tree)
    for _ in range(3):
        assert original.cpu().model == model
        assert renamed.cpu().model == "Renamed CPU"


def test_same_paths_share_nothing(ne_tree: Tree) -> None:
    first, second = _backend(ne_tree), _backend(ne_tree)
    assert first.roots == second.roots
    first.cpu()
    second_names = {s.name for s in second.roots.memos.stats()}
    assert "cpu.layouts" in {s.name for s in first.roots.memos.stats()}
    assert "cpu.layouts" not in second_names


def test_a_dropped_backend_is_collected_with_its_memos(ne_tree: Tree, pf_tree: Tree) -> None:
    refs = []
    for tree in (ne_tree, pf_tree):
        backend = _backend(tree)
        _answers(backend)
        assert backend.roots.memos.stats()
        refs.append((weakref.ref(backend), weakref.ref(backend.roots.memos)))
        del backend
    gc.collect()
    assert all(backend() is None and memos() is None for backend, memos in refs)


def _mountinfo_descriptors() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").endswith("/mountinfo"):
                count += 1
        except OSError:
            continue
    return count


@pytest.mark.live
def test_a_dropped_live_backend_gives_its_mount_watch_back() -> None:
    before = _mountinfo_descriptors()
    backend = LinuxBackend(procfs="/proc", sysfs="/sys")
    backend.volumes()
    watching = _mountinfo_descriptors()
    if watching == before:
        pytest.skip("mountinfo does not poll here: the table is read, not watched")
    assert watching == before + 1
    memos = weakref.ref(backend.roots.memos)
    del backend
    gc.collect()
    assert memos() is None
    assert _mountinfo_descriptors() == before


def test_threads_on_two_backends_get_their_own_answers(ne_tree: Tree, pf_tree: Tree) -> None:
    expected = {id(t): _answers(_backend(t)) for t in (ne_tree, pf_tree)}
    shared = {id(t): _backend(t) for t in (ne_tree, pf_tree)}
    errors: list[str] = []
    start = threading.Barrier(6)

    def work(tree: Tree) -> None:
        start.wait()
        for _ in range(3):
            got = _answers(shared[id(tree)])
            errors.extend(k for k in got if got[k] != expected[id(tree)][k])

    threads = [threading.Thread(target=work, args=(t,)) for t in (ne_tree, pf_tree) * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
