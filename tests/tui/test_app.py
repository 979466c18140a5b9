"""The dashboard under Textual's pilot: panels, keys, sorting, filtering, the tree, resizing,
recording, and failures (hand-made samples from :mod:`tests.tui.fake`)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from darwin_metrics.records import Sample
from darwin_metrics.tui.app import Dashboard
from darwin_metrics.tui.panel import Panel
from darwin_metrics.tui.proctable import ProcessTable
from tests.tui.harness import dashboard, panel_text, pids, run, table_lines, until


def _shown_panels(app: Dashboard) -> list[str]:
    return [p.KEY for p in app.query(Panel) if p.display]


def test_panels_with_data_are_drawn_and_the_others_are_not() -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        assert _shown_panels(app) == ["cpu", "memory", "network", "disk"]
        header = str(app.query_one("#header", Static).content)
        assert header.startswith("demo-host · Linux 6.8.0-demo · up 3d 04:05")
        assert "load 0.50 0.25 0.12" in header and "9 processes" not in header
        assert "8 processes" in header
        cpu = panel_text(app, "cpu")
        assert "41.2%" in cpu  # (0.2 + 0.9 + 0.5 + 0.05) / 4 busy
        assert " 90%" in cpu and "  5%" in cpu
        net = panel_text(app, "network")
        assert net.splitlines()[0].startswith("eth0") and "5.0 MiB/s" in net
        disk = panel_text(app, "disk")
        assert "nvme0n1" in disk and "3.0 MiB/s" in disk and "1.0 MiB/s" in disk

    run(dashboard(), check)


def test_sorting_keys() -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        assert pids(app)[:3] == [1315, 1316, 880]  # by CPU: 90 %, 45 %, 5 %
        assert "CPU%▼" in table_lines(app)[0]
        await pilot.press("m")
        assert pids(app)[:3] == [880, 1315, 1316]  # by resident memory
        assert "RSS▼" in table_lines(app)[0]
        await pilot.press("i")
        assert pids(app)[:2] == [880, 1315]  # 10 MiB/s, then 2.5 MiB/s of storage I/O
        await pilot.press("c")
        assert pids(app)[0] == 1315

    run(dashboard(), check)


def test_filter_by_user_and_by_name() -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await pilot.press("slash", *"user:postgres", "enter")
        assert sorted(pids(app)) == [880, 881]
        assert app.query_one(ProcessTable).has_focus
        assert "filter 'user:postgres'" in str(app.query_one(ProcessTable).border_title)
        await pilot.press("slash", "ctrl+u", *"serve")  # command line words match too
        assert pids(app) == [1315]
        await pilot.press("escape")
        assert len(pids(app)) == 8 and app.filter_text == ""

    run(dashboard(), check)


def test_tree_view() -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await pilot.press("t")
        lines = table_lines(app)[1:]
        names = [line.split(None, 1)[0] for line in lines]
        assert names[0] == "1"
        text = "\n".join(lines)
        assert "├─ " in text or "└─ " in text
        # children right under their parent, siblings by their own CPU (postgres 5 % before sshd 0 %)
        order = pids(app)
        assert order.index(412) < order.index(1200) < order.index(1315) < order.index(1316)
        assert order.index(1) < order.index(880) < order.index(881) < order.index(412)

    run(dashboard(), check)


@pytest.mark.parametrize("width", [60, 80, 100, 160])
def test_resizing_drops_columns_never_the_pid(width: int) -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await pilot.resize_terminal(width, 24)
        await pilot.pause()
        lines = table_lines(app)
        table = app.query_one(ProcessTable)
        assert all(len(line) <= table.content_size.width for line in lines)
        assert len(pids(app)) >= 5  # usable at 24 rows
        await pilot.press("end")
        assert 4194301 in pids(app)  # the 7-digit pid, whole
        header = lines[0].split()
        assert header[0] == "PID" and "NAME" in header and "CPU%▼" in header
        if width >= 80:
            assert "USER" in header and "RSS" in header
        if width >= 100:
            assert "READ/s" in header and "TIME" in header
        assert app.query_one("#panels").has_class("wide") == (width >= 120)

    run(dashboard(), check, size=(100, 32))


def test_cursor_moves_and_follows_its_process() -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        table = app.query_one(ProcessTable)
        await pilot.press("down", "down")
        chosen = table.selected
        assert chosen is not None and chosen.process.pid == 880
        await pilot.press("m")  # re-sorted: the cursor stays on pid 880
        selected = table.selected
        assert selected is not None and selected.process.pid == 880
        await pilot.press("end")
        assert table.cursor == 7
        await pilot.press("home")
        assert table.cursor == 0

    run(dashboard(), check)


def test_only_the_chosen_panels() -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        assert [p.KEY for p in app.query(Panel)] == ["cpu", "network"]
        assert not app.query(ProcessTable)
        await pilot.press("k")  # no table: nothing to act on, and no crash
        assert app.last_message.startswith("no process table here")

    run(dashboard(panels=("cpu", "network")), check)


class ListRecorder:
    def __init__(self, fail_after: int | None = None) -> None:
        self.samples: list[Sample] = []
        self.closed = False
        self.fail_after = fail_after

    def record(self, sample: Sample) -> None:
        if self.fail_after is not None and len(self.samples) >= self.fail_after:
            raise OSError(28, "No space left on device")
        self.samples.append(sample)

    def close(self) -> None:
        self.closed = True


def test_record_appends_every_sample_and_closes() -> None:
    recorder = ListRecorder()

    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await until(pilot, lambda: len(recorder.samples) >= 3)
        assert "recording" in str(app.query_one("#header", Static).content)

    run(dashboard(recorder=recorder, interval=0.1), check)
    steps = [s.timestamp for s in recorder.samples]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert recorder.closed


def test_a_failing_recorder_stops_recording_not_the_dashboard() -> None:
    recorder = ListRecorder(fail_after=1)

    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.recorder is None)
        assert app.last_message == "recording stopped: [Errno 28] No space left on device"
        assert recorder.closed
        before = app.sample
        await until(pilot, lambda: app.sample is not before)  # still refreshing

    run(dashboard(recorder=recorder, interval=0.1), check)


def test_a_failing_read_is_shown_and_retried() -> None:
    from tests.tui.fake import FakeSource

    real = FakeSource()
    calls = {"n": 0}

    def flaky() -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("proc went away")
        return real()

    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await until(pilot, lambda: calls["n"] >= 5)
        assert app.last_message == "reading failed: proc went away"
        assert app.sample is not None and app.sample.rates is not None

    run(dashboard(flaky, interval=0.1), check)


def test_pause_stops_refreshing() -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await pilot.press("p")
        assert "PAUSED" in str(app.query_one("#header", Static).content)
        await pilot.pause(0.2)  # let a read already started land
        before = app.sample
        await pilot.pause(0.4)
        assert app.sample is before
        await pilot.press("p")
        await until(pilot, lambda: app.sample is not before)

    run(dashboard(interval=0.1), check)


def test_quit_key() -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    run(dashboard(), check)


def _with_hardware(sample: Sample) -> Sample:
    """``sample`` on a machine that also has a GPU, sensors, fans, power rails and a battery."""
    import msgspec

    from darwin_metrics.records import (
        GPU,
        Battery,
        Fan,
        Power,
        PowerRail,
        Temperatures,
        ThermalZone,
    )

    snap = msgspec.structs.replace(
        sample.snapshot,
        gpus=(
            GPU(
                index=0,
                vendor="nvidia",
                name="NVIDIA H100",
                utilization_percent=87.0,
                memory_total=80 << 30,
                memory_used=20 << 30,
                temperature_celsius=61.0,
                power_watts=512.4,
                power_limit_watts=700.0,
            ),
        ),
        temperatures=Temperatures(
            zones=(
                ThermalZone(name="thermal_zone0", type="x86_pkg_temp", kind="cpu", celsius=71.0),
            )
        ),
        fans=(Fan(chip="nct6775", name="fan1", index=1, rpm=1450, duty_percent=40.0, path="/x"),),
        batteries=(
            Battery(name="BAT0", charge_percent=64.0, status="discharging", time_to_empty=5400.0),
        ),
        power=Power(rails=(PowerRail(name="package-0", source="rapl", watts=14.25),)),
    )
    return msgspec.structs.replace(sample, snapshot=snap)


def test_hardware_panels_are_drawn_where_the_machine_has_them() -> None:
    from tests.tui.fake import FakeSource

    real = FakeSource()

    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        assert _shown_panels(app) == [
            "cpu",
            "memory",
            "gpu",
            "sensors",
            "power",
            "network",
            "disk",
        ]
        gpu = panel_text(app, "gpu")
        assert "NVIDIA H100" in gpu and "87%" in gpu and "61 °C" in gpu and "512/700 W" in gpu
        sensors = panel_text(app, "sensors")
        assert "71 °C" in sensors and "1450 RPM" in sensors
        power = panel_text(app, "power")
        assert "14.2 W" in power and "BAT0" in power and "64%" in power and "1:30:00" in power

    run(dashboard(lambda: _with_hardware(real())), check, size=(118, 60))


def test_markup_in_a_filter_is_shown_as_typed() -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await pilot.press("slash", *"[bold]x", "enter")
        assert pids(app) == []
        from textual.content import Content

        title = Content.from_markup(str(app.query_one(ProcessTable).border_title)).plain
        assert title.endswith("filter '[bold]x'")  # drawn as typed, not as a style

    run(dashboard(), check)


def test_record_into_the_history_database(tmp_path: Any) -> None:
    """The history helper's real Recorder, fed by the dashboard: every sample reads back."""
    from darwin_metrics.history.query import query
    from darwin_metrics.history.recorder import Recorder
    from darwin_metrics.history.store import HistoryStore
    from tests.tui.fake import START

    recorder = Recorder(tmp_path / "h.db")

    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.sample is not None and app.sample.timestamp >= START + 4)

    run(dashboard(recorder=recorder, interval=0.1), check)
    store = HistoryStore(tmp_path / "h.db", readonly=True)
    (series,) = query(store, "cpu.percent", START, START + 3600, "raw").series
    assert series.values[0] == pytest.approx(41.25)  # the fake machine's busy share
    assert len(series.times) >= 3
