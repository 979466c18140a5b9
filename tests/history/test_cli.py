"""``record``, ``history`` and ``plot`` on the command line: real files, real values, exit codes."""

from __future__ import annotations

import csv
import io
import json
import struct
from pathlib import Path

import pytest

from darwin_metrics.cli.main import main
from darwin_metrics.history.recorder import Recorder
from tests.history.samples import sample

T0 = 1_699_999_200.0


@pytest.fixture
def known_db(tmp_path: Path) -> Path:
    """60 samples, 1 s apart, with known CPU, interface and volume values."""
    db = tmp_path / "known.db"
    with Recorder(db) as recorder:
        for i in range(60):
            recorder.record(
                sample(
                    T0 + i,
                    cpu=float(i),
                    rx={"eth0": 1024.0 * i, "lo": 2048.0},
                    volumes={"/": 40.0 + i / 10},
                )
            )
    return db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


RANGE = ("--since", str(T0 - 10), "--until", str(T0 + 100))


def test_record_then_history_on_this_machine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "live" / "h.db")
    code, _, err = run(
        capsys,
        "record",
        "--db",
        db,
        "--interval",
        "0.2",
        "--count",
        "4",
        "--families",
        "cpu,memory",
    )
    assert code == 0, err
    assert f"recording to {db}" in err
    code, out, err = run(capsys, "history", "--db", db, "--metric", "memory.total", "--json")
    assert code == 0, err
    result = json.loads(out)
    (series,) = result["series"]
    assert len(series["values"]) == 4
    import psutil

    assert series["values"][0] == pytest.approx(psutil.virtual_memory().total, rel=0.01)
    code, out, _ = run(capsys, "history", "--db", db, "--list", "--metric", "cpu.percent")
    assert out.split() == ["cpu.percent"]


def test_history_json_csv_and_table(known_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(known_db)
    code, out, _ = run(capsys, "history", "--db", db, "--metric", "cpu.percent", "--json", *RANGE)
    assert code == 0
    body = json.loads(out)
    assert body["metric"] == "cpu.percent"
    assert body["resolution"] == "raw"
    assert body["series"][0]["values"] == [float(i) for i in range(60)]
    assert body["series"][0]["times"][0] == T0

    code, out, _ = run(
        capsys, "history", "--db", db, "--csv", *RANGE,
        "--metric", "interfaces[*].rx_bytes_per_second", "--metric", "volumes[/]",
    )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 60 * 3
    eth0 = [r for r in rows if r["path"] == "interfaces[eth0].rx_bytes_per_second"]
    assert [float(r["value"]) for r in eth0] == [1024.0 * i for i in range(60)]
    assert eth0[1]["iso_time"].startswith("2023-11-14T22:00:01")

    code, out, err = run(
        capsys, "history", "--db", db, "--metric", "interfaces[*].rx_bytes_per_second.sum", *RANGE
    )
    assert code == 0
    line = next(row for row in out.splitlines() if row.startswith("interfaces[*]"))
    # 60 points; min lo only (2 KiB/s), max 59 KiB + 2 KiB = 61 KiB/s, last the same.
    assert line.split()[1:] == [
        "60",
        "2.0",
        "KiB/s",
        "31.5",
        "KiB/s",
        "61.0",
        "KiB/s",
        "61.0",
        "KiB/s",
    ]
    assert "resolution: raw" in err


def test_history_errors(known_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "history", "--db", str(known_db), "--metric", "cpu.bogus")
    assert code == 2
    assert "no field 'bogus'" in err
    code, _, err = run(
        capsys, "history", "--db", str(tmp_path / "none.db"), "--metric", "cpu.percent"
    )
    assert code == 1
    assert "no history database" in err
    code, _, err = run(
        capsys, "history", "--db", str(known_db), "--metric", "cpu.percent", "--since", "yesterday"
    )
    assert code == 2
    code, _, err = run(capsys, "history", "--db", str(known_db))
    assert code == 2
    assert "--metric" in err
    # Nothing in range: a message and exit code 1.
    code, _, err = run(
        capsys, "history", "--db", str(known_db), "--metric", "cpu.percent", "--since", "1h"
    )
    assert code == 1
    assert "no recorded values" in err


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_plot_png_draws_the_stored_series(known_db: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from darwin_metrics.history.plot import plot
    from darwin_metrics.history.query import query
    from darwin_metrics.history.store import HistoryStore

    store = HistoryStore(known_db, readonly=True)
    results = [
        query(store, m, T0, T0 + 100)
        for m in ("cpu.percent", "interfaces[*].rx_bytes_per_second", "volumes[/]")
    ]
    store.close()
    out = tmp_path / "chart.png"
    lines = plot(results, out)
    width, height = _png_size(out.read_bytes())
    assert width == 1000
    assert height > 500  # two panels (% and B/s)
    assert out.stat().st_size > 20_000
    drawn = {line.label: line for line in lines}
    assert set(drawn) == {
        "cpu.percent",
        "interfaces[eth0].rx_bytes_per_second",
        "interfaces[lo].rx_bytes_per_second",
        "volumes[/].used_percent",
    }
    # The drawn points are the recorded values at the recorded times.
    assert drawn["cpu.percent"].values == tuple(float(i) for i in range(60))
    assert drawn["cpu.percent"].times == pytest.approx([T0 + i for i in range(60)], abs=1e-3)
    assert drawn["interfaces[eth0].rx_bytes_per_second"].unit == "B/s"
    assert drawn["volumes[/].used_percent"].values == pytest.approx(
        [40 + i / 10 for i in range(60)]
    )


def test_plot_command_svg(
    known_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "chart.svg"
    code, _, err = run(
        capsys, "plot", "--db", str(known_db), *RANGE, "-o", str(out),
        "--metric", "cpu[*].percent", "--metric", "interfaces[*].rx_bytes_per_second.sum",
    )  # fmt: skip
    assert code == 0, err
    assert "2 series" not in err and "3 series, 180 points" in err
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    for label in (
        "cpu.cores[0].percent",
        "cpu.cores[1].percent",
        "interfaces[*].rx_bytes_per_second.sum",
    ):
        assert label in text
    assert "KiB/s" in text and "%" in text
    code, _, err = run(
        capsys,
        "plot",
        "--db",
        str(known_db),
        "--metric",
        "cpu.percent",
        "-o",
        str(tmp_path / "x.gif"),
    )
    assert code == 2
    assert ".png or .svg" in err


def test_record_chosen_families_reads_only_those(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from darwin_metrics.backend import default_backend
    from darwin_metrics.history.families import backend_for
    from darwin_metrics.sampler import Sampler

    db = str(tmp_path / "h.db")
    code, _, err = run(
        capsys,
        "record",
        "--db",
        db,
        "--interval",
        "0.1",
        "--count",
        "2",
        "--families",
        "cpu,memory",
    )
    assert code == 0, err
    code, out, _ = run(capsys, "history", "--db", db, "--list")
    families = {line.split(".")[0].split("[")[0] for line in out.split()}
    assert families == {"cpu", "memory"}
    snapshot = (
        Sampler(backend_for(["memory"], default_backend()), processes=False).sample().snapshot
    )
    assert snapshot.memory is not None
    assert snapshot.cpu is None and snapshot.connection_counts is None and snapshot.disks is None
    code, _, err = run(capsys, "record", "--db", db, "--families", "cpu,bogus")
    assert code == 2
    assert "unknown families bogus" in err
