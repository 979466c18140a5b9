"""Interface and address events in a network namespace the test makes (veth pair), read by
``darwin-metrics watch --json`` running inside it: each change reported once, pushed by route
netlink (the poll interval is an hour, so a polled event could not arrive in time).

It polls only memory (the interface events are pushed), so nothing it reads can wedge on a dead
network mount. Needs root and iproute2; the namespace is deleted afterwards."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.netns import ip, namespace

pytestmark = [pytest.mark.live, pytest.mark.root]


@pytest.fixture
def netns() -> Iterator[str]:
    with namespace("dmmon") as name:
        yield name


class _Lines:
    """JSON lines read from a child's stdout without blocking past a deadline."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self.fd = proc.stdout.fileno()
        self.buffer = b""

    def read(self, count: int, timeout: float) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                break
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            self.buffer += chunk
            *lines, self.buffer = self.buffer.split(b"\n")
            found += [json.loads(line) for line in lines if line]
        return found


def test_veth_up_down_and_addresses_once_each_and_pushed(netns: str) -> None:
    watch = subprocess.Popen(
        [
            "ip", "netns", "exec", netns, sys.executable, "-m", "darwin_metrics", "watch", "--json",
            "--interval", "3600", "--no-processes", "--families", "memory",
            "--events", "interface_up,interface_down,address_added,address_removed",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    lines = _Lines(watch)
    try:
        assert watch.stderr is not None
        ready = watch.stderr.readline().decode()
        assert "links" in ready and "addresses" in ready, ready
        steps: list[tuple[tuple[str, ...], list[tuple[str, str]]]] = [
            (("link", "add", "va", "type", "veth", "peer", "name", "vb"), []),
            (("addr", "add", "10.77.0.1/24", "dev", "va"), [("address_added", "10.77.0.1")]),
            (("link", "set", "va", "up"), [("interface_up", "va")]),
            (("link", "set", "vb", "up"), [("interface_up", "vb")]),
            (("addr", "add", "fd77::1/64", "dev", "va", "nodad"), [("address_added", "fd77::1")]),
            (("addr", "del", "10.77.0.1/24", "dev", "va"), [("address_removed", "10.77.0.1")]),
            (("link", "set", "va", "down"), [("interface_down", "va")]),
            (("link", "del", "va"), [("interface_down", "vb")]),
        ]
        seen: list[dict[str, Any]] = []
        for command, expected in steps:
            started = time.monotonic()
            ip("netns", "exec", netns, "ip", *command)
            got = lines.read(len(expected), 5.0)
            took = time.monotonic() - started
            keys = [(e["event"], e.get("address", e.get("name"))) for e in got]
            assert all(k in keys for k in expected), (command, keys)
            assert took < 5.0
            seen += got
        time.sleep(0.5)
        seen += lines.read(10**6, 0.3)
    finally:
        watch.send_signal(signal.SIGTERM)
        _, err = watch.communicate(timeout=30)
    assert watch.returncode == 0, err.decode()
    assert all(e["pushed"] for e in seen)
    counted = Counter((e["event"], e.get("address", e.get("name"))) for e in seen)
    for key in [
        ("interface_up", "va"),
        ("interface_up", "vb"),
        ("interface_down", "va"),
        ("address_added", "10.77.0.1"),
        ("address_removed", "10.77.0.1"),
        ("address_added", "fd77::1"),
        ("address_removed", "fd77::1"),  # at the link's down (IPv6 drops it) or its removal
        ("interface_down", "vb"),  # the kernel closes vb before it removes the pair
    ]:
        assert counted[key] == 1, (key, counted)
