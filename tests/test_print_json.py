"""``cli.common.print_json`` writes UTF-8 bytes under ``sys.stdout``, in order with what was printed
before it, and falls back to text on a stream with no bytes beneath it."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys

from darwin_metrics.cli.common import print_json

_PRINT = (
    "import sys\n"
    "from darwin_metrics.cli.common import print_json\n"
    "print('before')\n"
    "print_json({'name': 'caf\\u00e9 \\u2603', 'values': [1, 2.5, None]})\n"
    "print('after')\n"
)


def test_bytes_follow_earlier_text_in_order_and_are_utf8() -> None:
    env = dict(os.environ, PYTHONIOENCODING="latin-1")  # a text layer that is not UTF-8
    result = subprocess.run(
        [sys.executable, "-c", _PRINT], capture_output=True, env=env, timeout=60, check=True
    )
    before, rest = result.stdout.split(b"\n", 1)
    document, after = rest.rsplit(b"}\n", 1)
    assert before == b"before"
    assert after == b"after\n"
    assert json.loads((document + b"}").decode("utf-8")) == {
        "name": "café ☃",
        "values": [1, 2.5, None],
    }
    assert b"\n  " in document  # indented by two spaces


def test_an_in_memory_text_stream_gets_text() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_json({"a": [1]})
    assert json.loads(out.getvalue()) == {"a": [1]}
    assert out.getvalue().endswith("}\n")
