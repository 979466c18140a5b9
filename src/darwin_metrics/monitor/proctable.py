"""The process table as the Monitor reads it on Linux: one ``/proc/PID/stat`` per process.

Process events need each process's identity (pid and start time) every tick, and an exit needs
the last record; neither needs the four other files ``processes()`` reads per process. One ``stat``
gives pid, parent, name, state, start time, CPU times, virtual and resident size, threads, nice
and terminal, so the Monitor's process records carry those fields (the others are ``None``;
``darwin_metrics.process(pid)`` reads everything). A process whose ``stat`` bytes are unchanged
since the last tick keeps its record. ``create_time`` is computed exactly as ``processes()`` does
(boot time plus start ticks), so the identities agree.
"""

from __future__ import annotations

import os

from darwin_metrics.errors import NotSupported, ParseError
from darwin_metrics.linux.parsers.btime import parse_btime
from darwin_metrics.linux.parsers.pidstat import STATES, parse_pid_stat
from darwin_metrics.records.process import Process, ProcessCPUTimes, ProcessMemory

_FLAGS = os.O_RDONLY | os.O_CLOEXEC


class StatTable:
    """Reads every process's ``stat`` under ``procfs``; keeps last tick's bytes and records."""

    def __init__(self, procfs: str = "/proc") -> None:
        self.procfs = procfs
        self._tick = float(os.sysconf("SC_CLK_TCK"))
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._memo: dict[int, tuple[bytes, Process]] = {}
        with open(f"{procfs}/stat", "rb") as f:
            self._btime: int | None = parse_btime(f.read(), f"{procfs}/stat")

    def read(self) -> tuple[Process, ...]:
        """Every process now visible, sorted by pid (vanished or unreadable ones left out)."""
        try:
            names = os.listdir(self.procfs)
        except OSError as exc:
            raise NotSupported(f"no process table at {self.procfs}: {exc}") from None
        memo = self._memo
        fresh: dict[int, tuple[bytes, Process]] = {}
        out: list[Process] = []
        for pid in sorted(int(n) for n in names if n.isdigit()):
            try:
                fd = os.open(f"{self.procfs}/{pid}/stat", _FLAGS)
                try:
                    data = os.read(fd, 4096)
                finally:
                    os.close(fd)
            except OSError:
                continue
            known = memo.get(pid)
            if known is not None and known[0] == data:
                record = known[1]
            else:
                try:
                    record = self._record(data)
                except ParseError:
                    continue
            fresh[pid] = (data, record)
            out.append(record)
        self._memo = fresh
        return tuple(out)

    def _record(self, data: bytes) -> Process:
        st = parse_pid_stat(data)
        tick = self._tick
        tty_nr, processor = st.tty_nr, st.processor
        return Process(
            pid=st.pid,
            ppid=st.ppid,
            name=st.comm,
            status=STATES.get(st.state, "unknown"),
            create_time=None if self._btime is None else self._btime + st.starttime / tick,
            nice=st.nice,
            terminal=None if tty_nr == 0 else tty_nr if tty_nr > 0 else tty_nr + (1 << 32),
            cpu_times=ProcessCPUTimes(
                user=st.utime / tick,
                system=st.stime / tick,
                children_user=st.cutime / tick if st.cutime >= 0 else None,
                children_system=st.cstime / tick if st.cstime >= 0 else None,
            ),
            memory=ProcessMemory(rss=st.rss * self._page if st.rss > 0 else 0, vms=st.vsize),
            num_threads=st.num_threads,
            last_cpu=processor if processor is None or processor >= 0 else None,
        )
