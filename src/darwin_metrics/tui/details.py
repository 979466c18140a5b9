"""Which process fields the dashboard reads for every process, and the rest for the rows on screen.

Each refresh reads, for every process, only what the table needs to sort, filter and lay out all
of its rows (:func:`wanted_fields`): CPU times (the CPU column and sort, TIME), the thread count
and nice value (all from ``/proc/PID/stat`` on Linux), I/O counters only while an I/O column is
shown or sorted by, memory only while sorted by memory, the user only while a ``user:`` filter is
active, and the command line only while a word filter is. The columns of the rows on screen that
were not read for every process (USER, RSS) come from :class:`Details`: those processes read whole,
one by one, once per sample, and kept by ``(pid, create_time)`` so a pid reused by a new process is
never shown with the old one's user.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from msgspec.structs import replace

from darwin_metrics.cli.proctable import Row, SortKey
from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.process import Process

log = get_logger(__name__)

#: Read for every process on every refresh: the CPU column and sort, TIME, THR, nice (``stat``).
BASE_FIELDS: frozenset[str] = frozenset({"cpu_times", "num_threads", "nice", "create_time"})
#: Columns filled for the rows on screen when they were not read for every process.
DETAIL_FIELDS: tuple[str, ...] = ("username", "uid", "memory")
#: Column keys that show I/O rates (:data:`darwin_metrics.cli.proccolumns.COLUMNS`).
IO_COLUMNS = frozenset({"read", "write"})

ProcessKey = tuple[int, float | None]


def wanted_fields(sort: SortKey, columns: Collection[str], filter_text: str) -> frozenset[str]:
    """The process fields to read for every process: :data:`BASE_FIELDS`, plus ``io`` while an
    I/O column is among ``columns`` (their keys) or the sort is by I/O, ``memory`` while sorted by
    memory, ``username``/``uid`` while a ``user:`` term filters, ``cmdline`` while a word does."""
    fields = set(BASE_FIELDS)
    if sort == "io" or IO_COLUMNS.intersection(columns):
        fields.add("io")
    if sort == "memory":
        fields.add("memory")
    for term in filter_text.split():
        key, _, value = term.partition(":")
        key = key.lower()
        if value and key in ("user", "u"):
            fields.update(("username", "uid"))
        elif not (value and key == "pid"):
            fields.add("cmdline")
    return frozenset(fields)


class Details:
    """The :data:`DETAIL_FIELDS` a sample left out, for the rows on screen.

    ``read(pid)`` gives the whole record of one process, kept by ``(pid, create_time)`` with the
    sample's record it completed. It is read again in a later sample only when the sample's record
    changed: an unchanged one (the same ``stat``: no CPU time used, the same resident size) means
    an idle process, whose user and memory have not moved either. Entries not used during the
    last sample are dropped. A process that has gone, may not be read, or whose pid now belongs
    to another process (a different ``create_time``) keeps the fields the sample had (``None``).
    """

    def __init__(self, read: Callable[[int], Process]) -> None:
        self._read = read
        self._generation = 0
        #: (pid, create_time) → (last sample it was used in, the sample's record, whole record).
        self._cache: dict[ProcessKey, tuple[int, Process, Process | None]] = {}
        #: The fields to fill in: those of :data:`DETAIL_FIELDS` the last sample did not read.
        self.missing: tuple[str, ...] = DETAIL_FIELDS
        #: Processes read whole so far (for tests and measurements).
        self.reads = 0

    def new_sample(self, fields: frozenset[str] | None) -> None:
        """A sample read with ``fields`` (``None``: every field) is shown from now on."""
        self._generation += 1
        self.missing = () if fields is None else tuple(f for f in DETAIL_FIELDS if f not in fields)
        oldest = self._generation - 1
        for key in [k for k, (gen, _, _) in self._cache.items() if gen < oldest]:
            del self._cache[key]

    def complete(self, row: Row) -> Row:
        """``row`` with its missing fields filled from the whole record of its process."""
        if not self.missing:
            return row
        proc = row.process
        key = (proc.pid, proc.create_time)
        entry = self._cache.get(key)
        if entry is None or (entry[0] != self._generation and entry[1] != proc):
            entry = (self._generation, proc, self._whole(proc))
            self._cache[key] = entry
        elif entry[0] != self._generation:
            entry = (self._generation, proc, entry[2])
            self._cache[key] = entry
        whole = entry[2]
        if whole is None:
            return row
        filled = replace(proc, **{name: getattr(whole, name) for name in self.missing})
        return Row(filled, row.rates)

    def _whole(self, proc: Process) -> Process | None:
        self.reads += 1
        try:
            whole = self._read(proc.pid)
        except (DarwinMetricsError, OSError) as exc:  # gone, denied, unreadable: keep the sample's
            log.debug("no details of process %d: %s", proc.pid, exc)
            return None
        if whole.create_time != proc.create_time:  # the pid now names another process
            return None
        return whole
