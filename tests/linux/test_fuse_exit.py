"""A dead FUSE mount (issue 9, "never a hang"): the CLI prints and exits promptly.

A small raw FUSE server lives in this test: it opens ``/dev/fuse``, mounts it with ``mount(2)``
(through ctypes), answers ``FUSE_INIT`` and then answers nothing: ``statfs`` and every other
request on the mount wait for ever, as with a wedged sshfs. The ``statvfs`` guard gives up on the
mount after its timeout; the CLI must still print valid JSON and exit, with its standard output a
pipe that only reaches end of file when the process is gone (``darwin-metrics | cat``).
Skipped with a reason where ``/dev/fuse`` is missing or mounting is not allowed.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

FUSE_INIT = 26
FUSE_STATFS = 17
_IN_HEADER = struct.Struct("<IIQQIIIHH")  # len, opcode, unique, nodeid, uid, gid, pid, extlen, pad
_OUT_HEADER = struct.Struct("<IiQ")  # len, error, unique
_INIT_IN = struct.Struct("<IIII")  # major, minor, max_readahead, flags (more fields follow)
# major, minor, max_readahead, flags, max_background, congestion_threshold, max_write, time_gran,
# max_pages, map_alignment, flags2, unused[7]
_INIT_OUT = struct.Struct("<IIIIHHIIHHI7I")
MNT_DETACH = 2
MS_NOSUID = 2
MS_NODEV = 4


class DeadFuse:
    """A FUSE file system that answers INIT and nothing else."""

    def __init__(self, mountpoint: Path) -> None:
        self.mountpoint = mountpoint
        self.fd = os.open("/dev/fuse", os.O_RDWR | os.O_CLOEXEC)
        self.requests: list[int] = []
        self.initialised = threading.Event()
        self._libc = ctypes.CDLL(None, use_errno=True)
        options = f"fd={self.fd},rootmode=40755,user_id=0,group_id=0".encode()
        result = self._libc.mount(
            b"darwin-metrics-dead",
            os.fsencode(mountpoint),
            b"fuse.sshfs",  # a network FUSE type: volumes() lists it and asks its capacity
            ctypes.c_ulong(MS_NOSUID | MS_NODEV),
            options,
        )
        if result != 0:
            err = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(err, os.strerror(err))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                request = os.read(self.fd, 1 << 20 | 4096)
            except OSError:
                return  # unmounted: the connection is gone
            if len(request) < _IN_HEADER.size:
                continue
            _, opcode, unique, *_ = _IN_HEADER.unpack_from(request)
            self.requests.append(opcode)
            if opcode == FUSE_INIT:
                _major, minor, readahead, _flags = _INIT_IN.unpack_from(request, _IN_HEADER.size)
                body = _INIT_OUT.pack(
                    7, min(minor, 31), readahead, 0, 16, 12, 65536, 1, 16, 0, 0, *([0] * 7)
                )
                header = _OUT_HEADER.pack(_OUT_HEADER.size + len(body), 0, unique)
                os.write(self.fd, header + body)
                self.initialised.set()
            # every other request, STATFS included, is never answered

    def close(self) -> None:
        if self.fd < 0:
            return
        os.close(self.fd)
        self.fd = -1  # aborts the connection: every waiting request fails
        self._libc.umount2(os.fsencode(self.mountpoint), MNT_DETACH)


@pytest.fixture
def dead_fuse(tmp_path: Path) -> Iterator[DeadFuse]:
    if not os.path.exists("/dev/fuse"):
        pytest.skip("/dev/fuse is missing: no FUSE in this kernel or container")
    mountpoint = tmp_path / "dead"
    mountpoint.mkdir()
    try:
        fuse = DeadFuse(mountpoint)
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EACCES, errno.ENODEV, errno.EINVAL):
            pytest.skip(f"cannot mount a FUSE file system here: {exc.strerror}")
        raise
    try:
        if not fuse.initialised.wait(10):
            pytest.skip("the kernel sent no FUSE_INIT")
        yield fuse
    finally:
        fuse.close()


def test_statfs_of_the_dead_mount_really_blocks(dead_fuse: DeadFuse) -> None:
    """The fixture is what it claims: a statvfs of the mount does not come back."""
    done = threading.Event()

    def call() -> None:
        try:
            os.statvfs(dead_fuse.mountpoint)
        except OSError:
            pass
        done.set()

    threading.Thread(target=call, daemon=True).start()
    assert not done.wait(1.5)
    assert FUSE_STATFS in dead_fuse.requests


@pytest.mark.parametrize("command", [["snapshot", "--json", "--no-processes"], []])
def test_cli_exits_after_output_with_a_dead_mount(dead_fuse: DeadFuse, command: list[str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "darwin_metrics", *command],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # communicate() returns only at end of file on both pipes: the process must be gone
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()  # a thread stuck in the dead mount keeps even a killed process alive:
        dead_fuse.close()  # abort the mount first, then collect what is left
        proc.communicate(timeout=60)
        pytest.fail("the CLI did not exit (or did not close its output) within 30 s")
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    assert FUSE_STATFS in dead_fuse.requests  # the CLI did ask the dead mount
    if command:
        data = json.loads(out)
        mounts = [v["mount_point"] for v in data["volumes"] or ()]
        assert str(dead_fuse.mountpoint) not in mounts or all(
            v["total"] is None
            for v in data["volumes"]
            if v["mount_point"] == str(dead_fuse.mountpoint)
        )
    else:
        assert out.strip()
