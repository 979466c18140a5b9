"""Network namespaces made by the test: interface kinds and events through the public
``LinuxBackend().interfaces()`` read inside the namespace (``ip netns exec``), and per-namespace
sockets and counters read from outside through ``/proc/PID/net``.

Needs root and iproute2; every namespace is deleted afterwards. Link types the kernel lacks (no
module for dummy or 8021q, say) are skipped one by one with the kernel's answer as the reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import darwin_metrics as dm
from tests.support.netns import ip, namespace

pytestmark = [pytest.mark.live, pytest.mark.root]

READ_INTERFACES = (
    "import json; from darwin_metrics.linux.backend import LinuxBackend; "
    "from darwin_metrics.records import to_dict; "
    "print(json.dumps([to_dict(i) for i in LinuxBackend().interfaces()]))"
)


@pytest.fixture
def netns() -> Iterator[str]:
    with namespace("dmtest") as name:
        yield name


def _in_ns(ns: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return ip("netns", "exec", ns, "ip", *args, check=check)


def _interfaces(ns: str) -> dict[str, dict[str, Any]]:
    out = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c", READ_INTERFACES],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return {i["name"]: i for i in json.loads(out)}


def _add(ns: str, *spec: str) -> None:
    made = _in_ns(ns, *spec, check=False)
    if made.returncode != 0:
        pytest.skip(f"this kernel cannot make `ip {' '.join(spec)}`: {made.stderr.strip()}")


@pytest.mark.parametrize(
    ("spec", "name", "kind"),
    [
        (("link", "add", "v0", "type", "veth", "peer", "name", "v1"), "v0", "virtual"),
        (("link", "add", "br0", "type", "bridge"), "br0", "bridge"),
        (("link", "add", "d0", "type", "dummy"), "d0", "virtual"),
        (("tuntap", "add", "dev", "tun0", "mode", "tun"), "tun0", "tunnel"),
        (("tuntap", "add", "dev", "tap0", "mode", "tap"), "tap0", "tunnel"),
        (("link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789"), "vx0", "tunnel"),
        (("link", "add", "bond0", "type", "bond"), "bond0", "bond"),
    ],
)
def test_kind(netns: str, spec: tuple[str, ...], name: str, kind: str) -> None:
    _add(netns, *spec)
    ifaces = _interfaces(netns)
    assert ifaces["lo"]["kind"] == "loopback"
    assert ifaces[name]["kind"] == kind
    assert ifaces[name]["index"] > 1


def test_vlan_kind(netns: str) -> None:
    _add(netns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
    _add(netns, "link", "add", "link", "v0", "name", "v0.10", "type", "vlan", "id", "10")
    assert _interfaces(netns)["v0.10"]["kind"] == "vlan"


def test_interface_events(netns: str) -> None:
    """Up, carrier, addresses and removal, as interfaces() sees them after each change."""
    _add(netns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
    start = _interfaces(netns)
    assert set(start) == {"lo", "v0", "v1"}
    assert not start["v0"]["is_up"] and not start["v0"]["is_running"]

    _in_ns(netns, "link", "set", "v0", "up")
    _in_ns(netns, "link", "set", "v1", "up")
    _in_ns(netns, "addr", "add", "10.9.8.7/24", "dev", "v0")
    up = _interfaces(netns)
    assert up["v0"]["is_up"] and up["v0"]["is_running"] and up["v0"]["has_carrier"]
    v4 = [a for a in up["v0"]["addresses"] if a["family"] == "ipv4"]
    assert [(a["address"], a["prefix_length"]) for a in v4] == [("10.9.8.7", 24)]

    _in_ns(netns, "link", "set", "v1", "down")  # the peer goes away: v0 loses its carrier
    half = _interfaces(netns)
    assert half["v0"]["is_up"] and not half["v0"]["is_running"]
    assert half["v0"]["has_carrier"] is False

    _in_ns(netns, "link", "del", "v0")  # deleting one end removes the pair
    assert set(_interfaces(netns)) == {"lo"}


def test_namespace_sockets_and_counters(netns: str) -> None:
    """A socket inside the namespace is seen through its process, not in ours."""
    code = (
        "import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
        "print(s.getsockname()[1], flush=True); sys.stdin.read()"
    )
    _in_ns(netns, "link", "set", "lo", "up")
    child = subprocess.Popen(
        ["ip", "netns", "exec", netns, sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        theirs = dm.process_connections(child.pid)
        listen = [c for c in theirs if c.local_port == port]
        assert len(listen) == 1 and listen[0].state == "LISTEN"
        assert listen[0].pids == (child.pid,)
        ours = {c.inode for c in dm.connections("inet")}
        assert listen[0].inode not in ours  # another namespace's table
        stats = dm.network_stats(child.pid)
        assert stats.tcp is not None and stats.tcp.active_opens == 0  # a fresh namespace
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=30)
