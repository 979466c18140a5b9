"""The installed ``darwin-metrics`` command, run in a subprocess, and its summary sections."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from darwin_metrics.records import Sample, Snapshot
from tests.conftest import Tree
from tests.support import make

SCRIPT = Path(sys.executable).parent / "darwin-metrics"
SNAPSHOT_KEYS = list(Snapshot.__struct_fields__)


def run(
    *args: str, tree: Tree | None = None, module: bool = False, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed command (or ``python -m darwin_metrics``, or ``python -c code``)."""
    env = dict(os.environ, COLUMNS="120", LC_ALL="C.UTF-8")
    env.pop("DARWIN_METRICS_PROCFS", None)
    env.pop("DARWIN_METRICS_SYSFS", None)
    if tree is not None:
        env["DARWIN_METRICS_PROCFS"] = tree.roots.procfs
        env["DARWIN_METRICS_SYSFS"] = tree.roots.sysfs
    if code is not None:
        argv = [sys.executable, "-c", code, *args]
    elif module:
        argv = [sys.executable, "-m", "darwin_metrics", *args]
    else:
        assert SCRIPT.exists(), f"console script not installed at {SCRIPT}"
        argv = [str(SCRIPT), *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(result))


# -- summary ------------------------------------------------------------------------------------


def test_summary_on_captured_tree(ne_tree: Tree) -> None:
    out = ok(run("--interval", "0.1", tree=ne_tree))
    for title in ("CPU", "Memory", "Volumes", "Network", "Top processes by CPU"):
        assert title in out
    assert "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz" in out
    assert "3.6 GiB" in out  # MemTotal 3742148 kB
    assert "systemd" in out
    assert "khungtaskd" in out


@pytest.mark.live
def test_summary_live_module() -> None:
    out = ok(run("--interval", "0.2", module=True))
    for title in ("CPU", "Memory", "Volumes", "Network", "Top processes by CPU"):
        assert title in out
    assert "total" in out
    assert "pressure" in out


def test_summary_sub_command_without_processes(ne_tree: Tree) -> None:
    out = ok(run("summary", "--interval", "0", "--no-processes", tree=ne_tree))
    assert "Memory" in out
    assert "Top processes" not in out


# -- snapshot -----------------------------------------------------------------------------------


def test_snapshot_json_on_captured_tree(ne_tree: Tree) -> None:
    data = as_json(run("snapshot", "--json", tree=ne_tree))
    assert list(data) == SNAPSHOT_KEYS
    assert data["platform"] == sys.platform
    assert data["memory"]["total"] == 3831959552
    assert data["memory"]["swap"]["total"] == 4294963200  # SwapTotal 4194300 kB
    assert data["cpu"]["model"] == "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"
    assert data["cpu"]["cores"][0]["times"]["user"] == 444.9  # cpu0 44490 ticks
    assert sorted(p["pid"] for p in data["processes"]) == [1, 10, 11]
    systemd = next(p for p in data["processes"] if p["pid"] == 1)
    assert systemd["name"] == "systemd"
    assert systemd["cpu_times"] == {
        "user": 0.36,
        "system": 0.98,
        "children_user": 544.06,
        "children_system": 138.85,
    }
    sda = next(d for d in data["disks"] if d["name"] == "sda")
    assert sda["reads"] == 25354637
    assert sda["read_bytes"] == 1003346126 * 512


def test_snapshot_json_without_processes(ne_tree: Tree) -> None:
    data = as_json(run("snapshot", "--json", "--no-processes", tree=ne_tree))
    assert data["processes"] is None
    assert data["cpu"]["times"]["idle"] == 89790.04


@pytest.mark.live
def test_snapshot_json_live_matches_psutil() -> None:
    psutil = pytest.importorskip("psutil")
    data = as_json(run("snapshot", "--json"))
    assert list(data) == SNAPSHOT_KEYS
    assert data["memory"]["total"] == psutil.virtual_memory().total  # exact
    assert data["cpu"]["logical_count"] == psutil.cpu_count()
    pids = {p["pid"] for p in data["processes"]}
    assert 1 in pids
    assert os.getpid() in pids  # this test's process was alive all along


def test_snapshot_tree_view(ne_tree: Tree) -> None:
    out = ok(run("snapshot", tree=ne_tree))
    assert "model: Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz" in out
    assert "total: 3831959552" in out
    assert "systemd" in out


# -- processes ----------------------------------------------------------------------------------


@pytest.mark.live
def test_processes_json_sorted_by_memory() -> None:
    data = as_json(run("processes", "--json", "--sort", "memory", "--interval", "0.1"))
    assert data["sort"] == "memory"
    assert data["interval"] > 0
    procs = data["processes"]
    assert len(procs) > 1
    rss = [p["memory"]["rss"] for p in procs]
    assert rss == sorted(rss, reverse=True)
    assert all("rates" in p for p in procs)
    assert any(p["rates"] is not None for p in procs)


@pytest.mark.live
def test_processes_json_sorted_by_cpu_with_limit() -> None:
    data = as_json(run("processes", "--json", "--limit", "5", "--interval", "0.2"))
    procs = data["processes"]
    assert len(procs) == 5
    cpu = [p["rates"]["cpu_percent"] if p["rates"] else -1 for p in procs]
    assert cpu == sorted(cpu, reverse=True)
    assert all(c is None or c >= 0 for c in cpu)


def test_processes_json_on_captured_tree(ne_tree: Tree) -> None:
    data = as_json(run("processes", "--json", "--sort", "cpu", "--interval", "0.1", tree=ne_tree))
    procs = data["processes"]
    # nothing moves in a captured tree: every rate is 0, so cumulative CPU time orders them:
    # rcu_preempt 0 + 3.46 s, systemd 0.36 + 0.98 s, khungtaskd 0.14 + 0 s (utime, stime ticks)
    assert [p["pid"] for p in procs] == [11, 1, 10]
    assert {p["pid"]: p["rates"]["cpu_percent"] for p in procs} == {1: 0.0, 10: 0.0, 11: 0.0}


def test_processes_tree(ne_tree: Tree) -> None:
    out = ok(run("processes", "--tree", "--interval", "0", tree=ne_tree))
    assert "systemd [1]" in out
    assert "khungtaskd [10]" in out
    data = as_json(run("processes", "--tree", "--json", "--interval", "0", tree=ne_tree))
    assert data["interval"] is None
    roots = {node["pid"]: node for node in data["tree"]}
    # 10 and 11 are children of kthreadd (2), absent from the capture: they become roots
    assert sorted(roots) == [1, 10, 11]
    assert roots[1]["children"] == []
    assert roots[1]["rates"] is None


@pytest.mark.live
def test_processes_tree_live() -> None:
    data = as_json(run("processes", "--tree", "--json", "--sort", "memory", "--interval", "0"))

    def walk(nodes: list[dict[str, Any]]) -> list[int]:
        return [n["pid"] for n in nodes] + [p for n in nodes for p in walk(n["children"])]

    pids = walk(data["tree"])
    assert len(pids) == len(set(pids)) > 1
    assert 1 in [n["pid"] for n in data["tree"]]


@pytest.mark.live
def test_processes_table_live() -> None:
    out = ok(run("processes", "--sort", "io", "--limit", "3", "--interval", "0.1"))
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["PID", "USER", "CPU%"]
    assert len(lines) == 4


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["bogus"],
        ["--interval", "-1"],
        ["--interval", "soon"],
        ["processes", "--sort", "name"],
        ["processes", "--limit", "0"],
        ["processes", "--limit", "x"],
        ["processes", "--tree", "--limit", "3"],
        ["snapshot", "--jsno"],
    ],
)
def test_bad_arguments(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("darwin-metrics: error: ")
    assert result.stdout == ""


def test_help_and_version() -> None:
    out = ok(run("--help"))
    for command in ("summary", "snapshot", "processes"):
        assert command in out
    assert ok(run("--version")).strip() == "darwin-metrics 0.1.0"


_NO_RICH = (
    "import sys; sys.modules['rich'] = None; from darwin_metrics.cli.main import main; "
    "raise SystemExit(main(sys.argv[1:]))"
)


def test_without_rich_views_ask_for_the_extra(ne_tree: Tree) -> None:
    result = run("snapshot", code=_NO_RICH, tree=ne_tree)
    assert result.returncode == 1
    assert "pip install 'darwin-metrics[cli]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_without_rich_json_works(ne_tree: Tree) -> None:
    data = as_json(run("snapshot", "--json", code=_NO_RICH, tree=ne_tree))
    assert data["memory"]["total"] == 3831959552
    data = as_json(run("processes", "--json", "--interval", "0", code=_NO_RICH, tree=ne_tree))
    assert len(data["processes"]) == 3


def test_runtime_error_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from darwin_metrics.cli import cmd_processes
    from darwin_metrics.cli.main import main
    from darwin_metrics.errors import AccessDenied

    def denied(seconds: float) -> Any:
        raise AccessDenied("permission denied reading /proc", path="/proc")

    monkeypatch.setattr(cmd_processes, "collect", denied)
    assert main(["processes", "--json"]) == 1
    err = capsys.readouterr().err
    assert err == "darwin-metrics: permission denied reading /proc\n"


# -- summary sections (in-process, on hand-made records) ----------------------------------------


def _render(sample: Sample, sections: Any = None) -> str:
    from rich.console import Console

    from darwin_metrics.cli.summary import SECTIONS, render

    console = Console(width=100, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(render(sample, SECTIONS if sections is None else sections))
    return console.export_text()


def test_sections_on_hand_made_sample() -> None:
    from darwin_metrics.rates import compute_rates

    before = Snapshot(
        timestamp=1.0,
        platform="linux",
        cpu=make.cpu([make.core(0, user=0, idle=0), make.core(1, user=0, idle=0)], "Fake 9000"),
        memory=make.memory(),
        volumes=(make.volume("/data"),),
        interfaces=(make.iface("eth0", rx_bytes=0, tx_bytes=0),),
        processes=(make.proc(4242, user=1.0, name="busyloop"),),
    )
    after = msgspec.structs.replace(
        before,
        timestamp=2.0,
        cpu=make.cpu([make.core(0, user=1, idle=3), make.core(1, user=3, idle=1)], "Fake 9000"),
        interfaces=(make.iface("eth0", rx_bytes=2 * 1024 * 1024, tx_bytes=1024),),
        processes=(make.proc(4242, user=1.5, name="busyloop"),),
    )
    sample = Sample(
        timestamp=2.0, snapshot=after, elapsed=1.0, rates=compute_rates(before, after, 1.0)
    )
    from darwin_metrics.cli import summary

    core = [
        summary.cpu_section,
        summary.memory_section,
        summary.volumes_section,
        summary.interfaces_section,
        summary.processes_section,
    ]
    text = _render(sample, core)
    assert "Fake 9000" in text
    assert "50.0%" in text  # total: 4 s busy of 8 s
    assert "25%" in text and "75%" in text  # cores 0 and 1
    assert "8.0 GiB used of 16.0 GiB" in text
    assert "pressure normal" in text
    assert "/data" in text
    assert "2.0 MiB/s" in text and "1.0 KiB/s" in text
    assert "busyloop" in text and "50.0%" in text
    # disks are not in the summary, and every family these sections show was given
    assert "none on this machine" not in text


def test_hardware_sections_on_hand_made_sample() -> None:
    from darwin_metrics.cli.summary_gpu import gpus_section
    from darwin_metrics.cli.summary_power import batteries_section, power_section
    from darwin_metrics.records import GPU, Battery, Power, PowerRail

    gpu = GPU(
        index=0,
        vendor="nvidia",
        name="NVIDIA H100",
        utilization_percent=87.0,
        memory_total=80 << 30,
        memory_used=20 << 30,
        temperature_celsius=61.0,
        power_watts=512.4,
        power_limit_watts=700.0,
        graphics_hertz=1_980_000_000,
        throttle_reasons=("sw_power_cap",),
    )
    battery = Battery(name="BAT0", charge_percent=64.0, status="discharging", time_to_empty=5400.0)
    rails = (
        PowerRail(name="package-0", source="rapl", domain="package", watts=14.25),
        PowerRail(name="dram", source="rapl", unavailable_reason="needs root"),
    )
    snap = Snapshot(
        timestamp=1.0, platform="linux", gpus=(gpu,), batteries=(battery,), power=Power(rails=rails)
    )
    text = _render(
        Sample(timestamp=1.0, snapshot=snap), [gpus_section, power_section, batteries_section]
    )
    assert "NVIDIA H100" in text and "87%" in text
    assert "20.0 GiB / 80.0 GiB" in text and "61 °C" in text and "512/700 W" in text
    assert "sw_power_cap" in text
    assert "14.2 W" in text and "needs root" in text
    assert "BAT0" in text and "64%" in text and "1:30:00" in text


def test_sections_with_nothing_are_not_drawn() -> None:
    from darwin_metrics.cli.summary import HINT, SECTIONS, TITLES

    text = _render(Sample(timestamp=1.0, snapshot=Snapshot(timestamp=1.0, platform="linux")))
    assert "╭" not in text  # no panel at all
    absent = ", ".join(TITLES[s] for s in SECTIONS)
    assert text.split() == f"not on this machine: {absent} {HINT}".split()


def test_summary_json_is_the_sample(ne_tree: Tree) -> None:
    data = as_json(run("--json", "--interval", "0.05", tree=ne_tree))
    assert set(data) == {"timestamp", "snapshot", "elapsed", "rates"}
    assert data["snapshot"]["memory"]["total"] == 3831959552
    assert 0.04 < data["elapsed"] < 5 and data["rates"]["cpu"] is not None


def test_snapshot_json_with_rates(ne_tree: Tree) -> None:
    data = as_json(run("snapshot", "--json", "--interval", "0.05", tree=ne_tree))
    assert list(data)[: len(SNAPSHOT_KEYS)] == SNAPSHOT_KEYS
    assert list(data)[len(SNAPSHOT_KEYS) :] == ["elapsed", "rates"]
    assert data["elapsed"] == data["rates"]["elapsed"] > 0.04
    assert [d["name"] for d in data["rates"]["disks"]] == [d["name"] for d in data["disks"]]
    plain = as_json(run("snapshot", "--json", tree=ne_tree))
    assert "rates" not in plain


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_process_table_never_cuts_a_pid(width: int) -> None:
    from rich.console import Console

    from darwin_metrics.cli import proctable

    procs = [make.proc(pid, user=1.0, name="x" * 40) for pid in (1, 4194304, 77)]
    rows = proctable.pair(procs, None)
    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(proctable.table(rows, sort="memory"))
    lines = console.export_text().splitlines()
    assert lines[0].split()[0] == "PID" and "RSS▼" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["1", "4194304", "77"]
    assert all(len(line) <= width for line in lines)
    if width >= 80:
        assert "USER" in lines[0] and "TIME" in lines[0]


# -- docs/json.md stays true to the records -----------------------------------------------------

JSON_DOC = Path(__file__).resolve().parent.parent / "docs" / "json.md"


def _table_keys(text: str) -> list[str]:
    return re.findall(r"^\| `(\w+)` \|", text, flags=re.MULTILINE)


def test_json_doc_lists_every_snapshot_key() -> None:
    text = JSON_DOC.read_text(encoding="utf-8")
    top = text.split("## `darwin-metrics snapshot --json`")[1].split("### ")[0]
    assert _table_keys(top) == SNAPSHOT_KEYS


def test_json_doc_lists_every_record_field() -> None:
    from darwin_metrics import records

    parts = re.split(r"^### `(\w+)`$", JSON_DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    documented = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert len(documented) >= 25
    for name, body in documented.items():
        body = body.split("\n## ")[0]
        fields = list(getattr(records, name).__struct_fields__)
        assert _table_keys(body) == fields, name


def test_summary_shows_power_and_batteries(ne_tree: Tree) -> None:
    out = ok(run("--interval", "0.05", "--no-processes", tree=ne_tree))
    assert "Power" in out and "package-0" in out and "4090.0 W" in out
    assert "Batteries" in out and "BAT0" in out and "81%" in out and "discharging" in out


def test_snapshot_json_power_and_batteries(ne_tree: Tree) -> None:
    data = as_json(run("snapshot", "--json", "--no-processes", tree=ne_tree))
    (bat,) = data["batteries"]
    assert bat["charge_percent"] == 81.0
    assert bat["energy_joules"] == pytest.approx(36.58 * 3600)
    rails = {r["name"]: r for r in data["power"]["rails"]}
    assert rails["package-0"]["joules"] == pytest.approx(240422.366267)
    assert [c["governor"] for c in data["power_management"]["cores"]] == ["powersave"] * 4
