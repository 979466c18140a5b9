"""``darwin_metrics.lazylog``: debug messages go through logging once it is in use, warnings always."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from darwin_metrics.lazylog import get_logger


def test_debug_and_warning_reach_logging(caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("darwin_metrics.test_lazylog")
    with caplog.at_level(logging.DEBUG, logger="darwin_metrics.test_lazylog"):
        log.debug("family %s failed: %s", "cpu", "boom")
        log.warning("skipping %d", 7)
        log.error("broken %s", "x")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("DEBUG", "family cpu failed: boom"),
        ("WARNING", "skipping 7"),
        ("ERROR", "broken x"),
    ]
    assert all(r.funcName == "test_debug_and_warning_reach_logging" for r in caplog.records)


def test_debug_does_not_import_logging_and_warning_still_prints() -> None:
    code = (
        "import sys\n"
        "from darwin_metrics.lazylog import get_logger\n"
        "log = get_logger('x')\n"
        "log.debug('quiet %s', 1)\n"
        "print('logging' in sys.modules)\n"
        "log.warning('loud %s', 2)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
    assert result.stderr.strip() == "loud 2"
