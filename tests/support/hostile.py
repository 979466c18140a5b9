"""The hostile-tree generator: trace what each public function opens, then break each file.

``trace`` runs one public function on a tree with an audit hook (``sys.addaudithook``) recording
every ``open`` event; the opened paths, resolved, that are regular files inside the tree are what
the function reads. ``cases`` crosses them with :data:`MUTATIONS` (truncated, garbage, huge and
negative numbers, NUL bytes, non-UTF-8, empty, a directory, a FIFO, a symlink loop, permission
denied). ``run_case`` applies one mutation to a writable copy of the tree, runs the function in a
forked child under a timeout, undoes the mutation, and classifies the outcome:

* ``ok``: a return value that serialises to strict JSON (UTF-8 without lone surrogates);
* ``typed``: a documented :class:`~darwin_metrics.errors.DarwinMetricsError` subclass;
* ``raw``: any other exception (a contract failure);
* ``timeout``: the child did not answer in time (a hang: a contract failure);
* ``crash``: the child died without answering (a contract failure).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import stat
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.linux.backend import LinuxBackend
from darwin_metrics.records.base import to_json

Call = Callable[[LinuxBackend], Any]

NOBODY = 65534

#: The public functions of a backend, as called by users (pids come from the tree: see ``calls``).
BASE_CALLS: dict[str, Call] = {
    "cpu": lambda b: b.cpu(),
    "memory": lambda b: b.memory(),
    "disks": lambda b: b.disks(),
    "volumes": lambda b: b.volumes(),
    "interfaces": lambda b: b.interfaces(),
    "processes": lambda b: b.processes(),
    "process_tree": lambda b: b.process_tree(),
    "connections": lambda b: b.connections("all", pids=True),
    "connection_counts": lambda b: b.connection_counts(),
    "network_stats": lambda b: b.network_stats(),
    "socket_stats": lambda b: b.socket_stats(),
    "wifi": lambda b: b.wifi(),
    "cgroup": lambda b: b.cgroup(),
    "gpus": lambda b: b.gpus(),
    "batteries": lambda b: b.batteries(),
    "power_sources": lambda b: b.power_sources(),
    "power": lambda b: b.power(interval=0.0),
    "power_management": lambda b: b.power_management(),
    "temperatures": lambda b: b.temperatures(),
    "fans": lambda b: b.fans(),
    "thermal": lambda b: b.thermal(),
}


def snapshot_json(backend: LinuxBackend) -> Any:
    """``darwin-metrics snapshot --json`` on the backend's roots, through the CLI's ``main``;
    its output must be strict JSON (UTF-8, no lone surrogates) and its exit code 0."""
    from darwin_metrics import backend as backend_module
    from darwin_metrics.cli.main import main

    saved_env = {k: os.environ.get(k) for k in ("DARWIN_METRICS_PROCFS", "DARWIN_METRICS_SYSFS")}
    saved_default = backend_module._default
    os.environ["DARWIN_METRICS_PROCFS"] = backend.roots.procfs
    os.environ["DARWIN_METRICS_SYSFS"] = backend.roots.sysfs
    backend_module._default = None
    try:
        out = io.StringIO()
        saved_stdout, sys.stdout = sys.stdout, out  # pytest may have replaced fd 1's writer
        try:
            code = main(["snapshot", "--json"])
        finally:
            sys.stdout = saved_stdout
        text = out.getvalue().encode("utf-8").decode("utf-8")  # strict: no lone surrogate
    finally:  # trace() runs this in the test process itself: leave nothing behind
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        backend_module._default = saved_default
    if code != 0:
        raise AssertionError(f"snapshot --json exited {code}")
    return json.loads(text)


def calls(procfs: str) -> dict[str, Call]:
    """:data:`BASE_CALLS`, ``snapshot --json`` and the per-process functions for a process of the
    tree that :meth:`process` can read."""
    backend = LinuxBackend(procfs=procfs, sysfs=os.path.join(os.path.dirname(procfs), "sys"))
    pids: list[tuple[bool, int]] = []
    for entry in sorted(os.listdir(procfs)):
        if entry.isdigit():
            with contextlib.suppress(Exception):
                backend.process(int(entry))
                try:
                    backend.threads(int(entry))
                    pids.append((False, int(entry)))
                except Exception:
                    pids.append((True, int(entry)))
    pids.sort()
    result = dict(BASE_CALLS)
    result["snapshot_json"] = snapshot_json
    if pids:
        pid = pids[0][1]
        result["process"] = lambda b: b.process(pid)
        result["threads"] = lambda b: b.threads(pid)
        result["process_connections"] = lambda b: b.process_connections(pid, "all")
        result["network_stats_pid"] = lambda b: b.network_stats(pid)
        result["socket_stats_pid"] = lambda b: b.socket_stats(pid)
        result["cgroup_pid"] = lambda b: b.cgroup(pid)
    return result


# --- tracing --------------------------------------------------------------------------------------

_recording: list[str] | None = None
_hook_installed = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _recording is not None and event == "open" and args:
        path = args[0]
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if isinstance(path, str):
            _recording.append(path)


@contextlib.contextmanager
def recording() -> Iterator[list[str]]:
    """Record the paths opened inside the block (audit hooks cannot be removed: one is installed
    once and switched on and off)."""
    global _recording, _hook_installed
    if not _hook_installed:
        sys.addaudithook(_hook)
        _hook_installed = True
    opened: list[str] = []
    _recording = opened
    try:
        yield opened
    finally:
        _recording = None


def trace(call: Call, base: Path) -> list[str]:
    """The regular files inside ``base`` (relative paths, resolved, sorted) that ``call`` opens on
    a fresh backend for the tree at ``base``."""
    backend = LinuxBackend(procfs=str(base / "proc"), sysfs=str(base / "sys"))
    root = os.path.realpath(base)
    with recording() as opened, contextlib.suppress(Exception):
        call(backend)
    found = set()
    for path in opened:
        real = os.path.realpath(path)
        if real.startswith(root + "/") and os.path.isfile(real) and not os.path.islink(real):
            found.add(os.path.relpath(real, root))
    return sorted(found)


# --- mutations ------------------------------------------------------------------------------------

_DIGITS = re.compile(rb"[0-9]+")


def _numbers(data: bytes, replacement: Callable[[bytes], bytes]) -> bytes:
    out = _DIGITS.sub(lambda m: replacement(m.group(0)), data)
    return out if out != data else data + b"\n" + replacement(b"1") + b"\n"


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def _replace_with_dir(path: Path, data: bytes) -> None:
    path.unlink()
    path.mkdir()


def _replace_with_fifo(path: Path, data: bytes) -> None:
    path.unlink()
    os.mkfifo(path)


def _replace_with_loop(path: Path, data: bytes) -> None:
    path.unlink()
    path.symlink_to(path.name)


def _deny(path: Path, data: bytes) -> None:
    path.chmod(0)


#: name → how to break a file given its path and original bytes.
MUTATIONS: dict[str, Callable[[Path, bytes], None]] = {
    "truncated": lambda p, d: _write(p, d[: len(d) // 2]),
    "garbage": lambda p, d: _write(p, bytes((i * 151 + 7) % 256 for i in range(max(16, len(d))))),
    "huge_numbers": lambda p, d: _write(p, _numbers(d, lambda m: b"9" * 5000)),
    "over_2_64": lambda p, d: _write(p, _numbers(d, lambda m: b"18446744073709551616")),
    "negative": lambda p, d: _write(p, _numbers(d, lambda m: b"-" + m)),
    "nul_bytes": lambda p, d: _write(p, d[: len(d) // 2] + b"\0" + d[len(d) // 2 :] + b"\0"),
    "non_utf8": lambda p, d: _write(p, b"\xff\xfe" + d.replace(b" ", b" \xc3\x28 ", 3) + b"\x80"),
    "empty": lambda p, d: _write(p, b""),
    "directory": _replace_with_dir,
    "fifo": _replace_with_fifo,
    "symlink_loop": _replace_with_loop,
    "denied": _deny,
}


@dataclass(frozen=True, slots=True)
class Case:
    function: str
    path: str  # relative to the tree's base
    mutation: str


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    kind: str  # ok, typed, raw, timeout, crash
    detail: str


@contextlib.contextmanager
def mutated(base: Path, case: Case) -> Iterator[None]:
    """The tree at ``base`` with one file broken; put back afterwards."""
    path = base / case.path
    st = path.lstat()
    original = path.read_bytes()
    MUTATIONS[case.mutation](path, original)
    try:
        yield
    finally:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.write_bytes(original)
        os.chmod(path, stat.S_IMODE(st.st_mode))


def _classify(result: Any) -> tuple[str, str]:
    data = to_json(result)
    text = data.decode("utf-8")  # strict: a lone surrogate would fail here
    json.loads(text)
    return "ok", ""


def _child(call: Call, base: Path, as_nobody: bool, write_fd: int) -> None:
    try:
        if as_nobody:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        backend = LinuxBackend(procfs=str(base / "proc"), sysfs=str(base / "sys"))
        try:
            kind, detail = _classify(call(backend))
        except DarwinMetricsError as exc:
            kind, detail = "typed", f"{type(exc).__name__}: {exc}"[:300]
        except BaseException as exc:  # the contract failure this generator looks for
            tb = traceback.extract_tb(exc.__traceback__)[-3:]
            where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb))
            kind, detail = "raw", f"{type(exc).__name__}: {str(exc)[:200]} at {where}"
        os.write(write_fd, json.dumps([kind, detail]).encode())
    finally:
        os._exit(0)


def run_in_child(
    call: Call, base: Path, *, timeout: float, as_nobody: bool = False
) -> tuple[str, str]:
    """Run ``call`` on a fresh backend for ``base`` in a forked child; (kind, detail)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(call, base, as_nobody, write_fd)
    os.close(write_fd)
    deadline = time.monotonic() + timeout
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout", f"no answer in {timeout:g} s"
            time.sleep(0.005)
        answer = b""
        while chunk := os.read(read_fd, 65536):
            answer += chunk
    finally:
        os.close(read_fd)
    if not answer:
        return "crash", f"child ended with status {status:#x} without answering"
    kind, detail = json.loads(answer)
    return str(kind), str(detail)


def run_case(call: Call, base: Path, case: Case, *, timeout: float) -> Outcome:
    """One mutation of one file, one public function, in a forked child."""
    with mutated(base, case):
        kind, detail = run_in_child(
            call, base, timeout=timeout, as_nobody=case.mutation == "denied"
        )
    return Outcome(case, kind, detail)


def world_readable_copy(source: Path, target: Path) -> Path:
    """A writable copy of ``source`` at ``target`` (whose parent ``nobody`` can traverse) that
    ``nobody`` can read, for the permission-denied cases."""
    shutil.copytree(source, target, symlinks=True)
    os.chmod(target, 0o755)
    for dirpath, dirnames, filenames in os.walk(target):
        for d in dirnames:
            p = Path(dirpath) / d
            if not p.is_symlink():
                p.chmod(0o755)
        for f in filenames:
            p = Path(dirpath) / f
            if not p.is_symlink():
                p.chmod(stat.S_IMODE(p.lstat().st_mode) | 0o444)
    return target
