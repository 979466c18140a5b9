"""The process fields the dashboard reads for every row, and the rest for the rows on screen
(:mod:`darwin_metrics.tui.details`), alone and under Textual's pilot with a source that reads only
the fields asked (hand-made samples from :mod:`tests.tui.fake`)."""

from __future__ import annotations

import msgspec
import pytest
from textual.pilot import Pilot

from darwin_metrics.cli.proctable import Row
from darwin_metrics.errors import NoSuchProcess
from darwin_metrics.procfields import only_fields
from darwin_metrics.records import Process, Sample
from darwin_metrics.tui.app import Dashboard
from darwin_metrics.tui.details import BASE_FIELDS, Details, wanted_fields
from darwin_metrics.tui.proctable import ProcessTable
from darwin_metrics.tui.source import SelectiveSource
from tests.support import make
from tests.tui.fake import FakeSource
from tests.tui.harness import dashboard, pids, run, table_lines, until

ALL_COLUMNS = ("pid", "user", "cpu", "rss", "read", "write", "threads", "time", "name")
NARROW = ("pid", "cpu", "name")


@pytest.mark.parametrize(
    ("sort", "columns", "filter_text", "added"),
    [
        ("cpu", NARROW, "", set()),
        ("cpu", ALL_COLUMNS, "", {"io"}),  # an I/O column on screen
        ("io", NARROW, "", {"io"}),
        ("memory", NARROW, "", {"memory"}),
        ("cpu", NARROW, "user:alice", {"username", "uid"}),
        ("cpu", NARROW, "U:1000", {"username", "uid"}),
        ("cpu", NARROW, "pid:42", set()),
        ("cpu", NARROW, "postgres", {"cmdline"}),
        ("memory", ALL_COLUMNS, "user:bob --serve", {"io", "memory", "username", "uid", "cmdline"}),
    ],
)
def test_wanted_fields(
    sort: str, columns: tuple[str, ...], filter_text: str, added: set[str]
) -> None:
    got = wanted_fields(sort, columns, filter_text)  # type: ignore[arg-type]
    assert got == BASE_FIELDS | added


def _proc(pid: int, create_time: float, user: str | None, rss: int | None = None) -> Process:
    base = make.proc(pid, create_time=create_time, rss=rss or 0)
    return msgspec.structs.replace(
        base,
        username=user,
        uid=None if user is None else 1000,
        memory=None if rss is None else base.memory,
    )


def test_details_fill_the_missing_fields_once_per_sample() -> None:
    whole = {7: _proc(7, 100.0, "alice", rss=5 << 20)}
    details = Details(lambda pid: whole[pid])
    details.new_sample(BASE_FIELDS)
    row = Row(_proc(7, 100.0, None), None)
    filled = details.complete(row)
    assert filled.process.username == "alice" and filled.process.uid == 1000
    assert filled.process.memory is not None and filled.process.memory.rss == 5 << 20
    assert filled.process.cpu_times == row.process.cpu_times  # the sample's own fields stay
    details.complete(row)
    assert details.reads == 1  # once per sample
    details.new_sample(BASE_FIELDS)
    details.complete(row)
    assert details.reads == 1  # the same record in the next sample: an idle process
    whole[7] = _proc(7, 100.0, "alice", rss=9 << 20)
    busy = Row(msgspec.structs.replace(row.process, num_threads=3), None)
    details.new_sample(BASE_FIELDS)
    again = details.complete(busy)
    assert details.reads == 2  # it changed: read again (RSS moves)
    assert again.process.memory is not None and again.process.memory.rss == 9 << 20


def test_details_never_give_a_reused_pid_the_old_user() -> None:
    whole = {7: _proc(7, 100.0, "alice", rss=1 << 20)}
    details = Details(lambda pid: whole[pid])
    details.new_sample(BASE_FIELDS)
    assert details.complete(Row(_proc(7, 100.0, None), None)).process.username == "alice"
    whole[7] = _proc(7, 250.0, "mallory", rss=1 << 20)  # pid 7 exited, a new process got it
    details.new_sample(BASE_FIELDS)
    new = details.complete(Row(_proc(7, 250.0, None), None))
    assert new.process.username == "mallory"
    # A row of the old process read anew while the pid is another one's: nothing filled.
    details.new_sample(BASE_FIELDS)
    old = details.complete(Row(msgspec.structs.replace(_proc(7, 100.0, None), nice=5), None))
    assert old.process.username is None


def test_details_keep_the_sample_when_the_process_cannot_be_read() -> None:
    def read(pid: int) -> Process:
        raise NoSuchProcess(pid)

    details = Details(read)
    details.new_sample(BASE_FIELDS)
    row = Row(_proc(9, 1.0, None), None)
    assert details.complete(row) is row


def test_details_read_nothing_when_the_sample_has_every_field() -> None:
    details = Details(lambda pid: pytest.fail("nothing should be read"))
    details.new_sample(None)
    row = Row(_proc(9, 1.0, None), None)
    assert details.complete(row) is row
    details.new_sample(BASE_FIELDS | {"username", "uid", "memory"})
    assert details.complete(row) is row


class SelectingSource:
    """The fake machine, read as a selective source: processes carry only the selected fields;
    ``process(pid)`` gives the whole record."""

    def __init__(self) -> None:
        self.inner = FakeSource()
        self.fields: frozenset[str] | None = None
        self.asked: list[frozenset[str] | None] = []
        self.whole: dict[int, Process] = {}

    def select(self, fields: frozenset[str] | None) -> None:
        self.fields = fields

    def __call__(self) -> Sample:
        self.asked.append(self.fields)
        sample = self.inner()
        processes = sample.snapshot.processes or ()
        self.whole = {p.pid: p for p in processes}
        snapshot = msgspec.structs.replace(
            sample.snapshot, processes=only_fields(processes, self.fields)
        )
        return msgspec.structs.replace(sample, snapshot=snapshot)

    def process(self, pid: int) -> Process:
        if pid not in self.whole:
            raise NoSuchProcess(pid)
        return self.whole[pid]


def test_the_fake_selecting_source_is_selective() -> None:
    assert isinstance(SelectingSource(), SelectiveSource)
    assert not isinstance(FakeSource(), SelectiveSource)


def test_dashboard_reads_fewer_fields_and_fills_the_rows_on_screen() -> None:
    source = SelectingSource()

    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        last = source.asked[-1]
        assert last is not None and "memory" not in last and "username" not in last
        assert "io" in last  # READ/s and WRITE/s are on screen at 100 columns
        lines = table_lines(app)
        assert "USER" in lines[0] and "RSS" in lines[0]
        python = next(line for line in lines if line.split()[0] == "1315")
        assert "alice" in python and "420.0 MiB" in python  # from the whole record
        assert app.sample is not None and app.sample.snapshot.processes is not None
        assert all(p.username is None for p in app.sample.snapshot.processes)

        await pilot.press("m")  # sorted by memory: memory read for every process, at once
        await until(pilot, lambda: "memory" in (source.asked[-1] or ()))
        await until(pilot, lambda: "memory" in (app.sample_fields or ()))
        assert pids(app)[:3] == [880, 1315, 1316]

        await pilot.press("slash", *"user:postgres", "enter")
        await until(pilot, lambda: "username" in (app.sample_fields or ()))
        await pilot.pause()
        assert sorted(pids(app)) == [880, 881]
        assert app.query_one(ProcessTable).has_focus

    run(dashboard(source), check)


def test_kill_dialog_names_the_user_from_the_whole_record() -> None:
    source = SelectingSource()

    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await pilot.press("k")
        await pilot.pause()
        from darwin_metrics.tui.dialogs import ConfirmScreen

        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        assert "user alice" in screen.question and "1315" in screen.question
        await pilot.press("escape")

    run(dashboard(source), check)
