"""Kill and renice from the dashboard, on a child process the test starts: behind a confirmation,
and every failure (vanished process, refused permission, reused pid) shown, never raised."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

import darwin_metrics
from darwin_metrics.tui import actions
from darwin_metrics.tui.app import Dashboard
from darwin_metrics.tui.dialogs import ConfirmScreen, ReniceScreen
from darwin_metrics.tui.proctable import ProcessTable
from tests.tui.fake import FakeSource
from tests.tui.harness import dashboard, run, until


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "60"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _app_with(child: subprocess.Popen[bytes]) -> Dashboard:
    """The fake machine plus the real child (as the library reads it), which the filter selects."""
    return dashboard(FakeSource(extra=(darwin_metrics.process(child.pid),)))


async def _select(app: Dashboard, pilot: Pilot[None], pid: int) -> None:
    await pilot.press("slash", *f"pid:{pid}", "enter")
    selected = app.query_one(ProcessTable).selected
    assert selected is not None and selected.process.pid == pid


def test_kill_asks_first_and_cancel_keeps_the_process(child: subprocess.Popen[bytes]) -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await _select(app, pilot, child.pid)
        await pilot.press("k")
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Send SIGTERM to process {child.pid} (sleep" in app.screen.question
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen)

    run(_app_with(child), check)
    assert child.poll() is None


def test_kill_confirmed_terminates_the_process(child: subprocess.Popen[bytes]) -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await _select(app, pilot, child.pid)
        await pilot.press("k", "y")
        await until(pilot, lambda: app.last_message != "")
        assert app.last_message == f"sent SIGTERM to process {child.pid}"

    run(_app_with(child), check)
    assert child.wait(timeout=5) == -signal.SIGTERM


def test_kill_of_a_vanished_process_is_reported(child: subprocess.Popen[bytes]) -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await _select(app, pilot, child.pid)
        child.kill()
        child.wait()
        await pilot.press("k", "y")
        await until(pilot, lambda: app.last_message != "")
        assert app.last_message == f"process {child.pid} has exited"
        assert app.is_running

    run(_app_with(child), check)


def test_renice_sets_the_nice_value(child: subprocess.Popen[bytes]) -> None:
    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await _select(app, pilot, child.pid)
        await pilot.press("n")
        assert isinstance(app.screen, ReniceScreen)
        await pilot.press("ctrl+u", "4", "2", "enter")  # out of range: the dialog says so
        assert isinstance(app.screen, ReniceScreen)
        await pilot.press("ctrl+u", "7", "enter")
        await until(pilot, lambda: app.last_message != "")
        assert app.last_message == f"process {child.pid} now runs at nice 7"

    run(_app_with(child), check)
    assert os.getpriority(os.PRIO_PROCESS, child.pid) == 7


def test_refused_permission_is_reported(
    child: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(pid: int, sig: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(actions.os, "kill", refuse)

    async def check(app: Dashboard, pilot: Pilot[None]) -> None:
        await _select(app, pilot, child.pid)
        await pilot.press("K", "y")
        await until(pilot, lambda: app.last_message != "")
        assert app.last_message == f"not allowed to signal process {child.pid} (another user's?)"

    run(_app_with(child), check)
    assert child.poll() is None


def test_a_reused_pid_is_not_signalled(child: subprocess.Popen[bytes]) -> None:
    started = darwin_metrics.process(child.pid).create_time
    assert started is not None
    with pytest.raises(actions.ActionError, match="now belongs to another process"):
        actions.send_signal(child.pid, started - 100.0, signal.SIGTERM)
    with pytest.raises(actions.ActionError, match="between -20 and 19"):
        actions.renice(child.pid, started, 20)
    assert child.poll() is None
