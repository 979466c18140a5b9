"""The ``top`` command's arguments, its one-shot output when stdout is not a terminal, and the
column and filter rules behind the process table (plain Python, fuzzed)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darwin_metrics.cli import cmd_top, proccolumns, proctable
from darwin_metrics.cli.common import CLIError
from darwin_metrics.tui import procview
from darwin_metrics.tui.app import PANEL_KEYS
from tests.support import make
from tests.tui.fake import FakeSource

SCRIPT = Path(sys.executable).parent / "darwin-metrics"


def _top(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="100")
    return subprocess.run(
        [str(SCRIPT), "top", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_panel_names_are_the_dashboards() -> None:
    assert cmd_top.PANEL_NAMES == PANEL_KEYS


def test_not_a_terminal_prints_one_summary() -> None:
    result = _top("--interval", "0.2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "CPU" in out and "Memory" in out and "Top processes by CPU" in out
    assert "none on this machine" not in out


def test_not_a_terminal_with_chosen_panels() -> None:
    out = _top("--interval", "0.1", "--panels", "memory").stdout
    assert "Memory" in out and "CPU" not in out and "processes" not in out.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--panels", "cpu,bogus"], "unknown panel 'bogus'"),
        (["--panels", ","], "unknown panel (none given)"),
        (["--interval", "0.01"], "must be at least 0.1 seconds"),
        (["--interval", "soon"], "not a number of seconds"),
    ],
)
def test_bad_arguments_are_one_line(args: list[str], message: str) -> None:
    result = _top(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_record_without_the_history_module_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "darwin_metrics.history.recorder", None)
    with pytest.raises(CLIError, match="--record needs the history module"):
        cmd_top.open_recorder("")


def test_record_in_one_shot_mode_records_the_sample(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded: list[object] = []

    class Recorder:
        def __init__(self, path: str | None) -> None:
            recorded.append(path)

        def record(self, sample: object) -> None:
            recorded.append(sample)

        def close(self) -> None:
            recorded.append("closed")

    monkeypatch.setattr(cmd_top, "open_recorder", lambda path: Recorder(path or None))
    args = argparse.Namespace(interval=0.1, panels=("cpu",), record="/tmp/x.db")
    assert cmd_top.print_once(args) == 0
    assert recorded[0] == "/tmp/x.db" and recorded[-1] == "closed" and len(recorded) == 3
    assert "CPU" in capsys.readouterr().out


# -- the process table's rules ------------------------------------------------------------------


def _rows() -> list[proctable.Row]:
    source = FakeSource()
    source()
    sample = source()
    assert sample.rates is not None and sample.rates.processes is not None
    by_key = {(r.pid, r.create_time): r for r in sample.rates.processes}
    assert sample.snapshot.processes is not None
    return proctable.pair(sample.snapshot.processes, by_key)


@pytest.mark.parametrize(
    ("text", "pids"),
    [
        ("user:alice", [1315, 1316, 1200]),
        ("u:1000", [1315, 1316, 880, 881, 1200]),
        ("pid:880", [880]),
        ("POSTGRES", [880, 881]),
        ("--serve", [1315]),
        ("user:alice work", [1316]),
        ("nothing-matches", []),
    ],
)
def test_filter_grammar(text: str, pids: list[int]) -> None:
    arranged = procview.arrange(_rows(), "cpu", filter_text=text)
    assert arranged.guides is None
    assert [row.process.pid for row in arranged.rows] == pids


def test_tree_lines_guide_children_under_parents() -> None:
    arranged = procview.arrange(_rows(), "memory", tree=True)
    assert arranged.guides is not None
    pairs = zip(arranged.rows, arranged.guides, strict=True)
    shown = [(row.process.pid, guide) for row, guide in pairs]
    assert shown[0] == (1, "")
    assert (880, "├─ ") in shown and (881, "│  └─ ") in shown
    assert (1316, "│        └─ ") in shown or (1316, "         └─ ") in shown


def test_tree_lines_of_a_chain_thousands_deep() -> None:
    chain = [proctable.Row(make.proc(pid, ppid=pid - 1), None) for pid in range(2, 3002)]
    arranged = procview.arrange(chain, "cpu", tree=True)
    assert arranged.guides is not None
    assert [row.process.pid for row in arranged.rows] == list(range(2, 3002))
    assert arranged.guides[0] == "" and arranged.guides[1] == "└─ "
    assert arranged.guides[-1] == "   " * 2998 + "└─ "


@given(
    width=st.integers(min_value=0, max_value=300),
    pid=st.integers(min_value=1, max_value=2**22),
    sort=st.sampled_from(proctable.SORT_KEYS),
    name=st.text(max_size=60),
)
def test_lines_fit_and_keep_the_pid_whole(
    width: int, pid: int, sort: proctable.SortKey, name: str
) -> None:
    row = proctable.Row(make.proc(pid, name=name or "x"), None)
    columns, name_width = proccolumns.choose_columns(width, sort, len(str(pid)))
    line = proccolumns.format_line(row, columns, name_width)
    assert line.split(" ", 1)[0].strip() == str(pid) or line.lstrip().startswith(str(pid))
    pid_cell = max(len(str(pid)), proccolumns.PID.width)
    assert len(line) <= max(width, pid_cell + 1)
    header = proccolumns.format_header(columns, name_width, sort)
    assert len(header) == len(line)


def test_without_textual_the_dashboard_asks_for_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from darwin_metrics.cli.main import main

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setitem(sys.modules, "darwin_metrics.tui.app", None)
    assert main(["top"]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == "darwin-metrics: top needs the 'textual' package: pip install 'darwin-metrics[cli]'\n"
    )


def test_record_with_the_history_recorder_reads_back(tmp_path: Path) -> None:
    db = tmp_path / "top.db"
    result = _top("--interval", "0.2", "--panels", "cpu", "--record", str(db))
    assert result.returncode == 0, result.stderr
    query = ["history", "--db", str(db), "--since", "1h", "--metric", "cpu.percent", "--json"]
    back = subprocess.run(
        [str(SCRIPT), *query],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert back.returncode == 0, back.stderr
    (series,) = json.loads(back.stdout)["series"]
    assert len(series["values"]) == 1 and 0.0 <= series["values"][0] <= 100.0
