"""A served web app on 127.0.0.1 (wsgiref in a thread) with a recorded history behind it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from darwin_metrics.history.recorder import Recorder
from darwin_metrics.web.app import make_app
from darwin_metrics.web.server import make_server
from tests.history.samples import sample


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The last ten minutes at one sample per 5 s (cpu rising 0..119 %/1.2)."""
    db = tmp_path_factory.mktemp("web") / "h.db"
    now = time.time()
    with Recorder(db) as recorder:
        for i in range(120):
            recorder.record(sample(now - 600 + 5 * i, cpu=i / 1.2, rx={"eth0": 1000.0 + i}))
    return db


@pytest.fixture(scope="module")
def base_url(history_db: Path) -> Iterator[str]:
    server = make_server(make_app(db_path=str(history_db), interval=0.5))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
