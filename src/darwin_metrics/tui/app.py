"""The dashboard application: a header line, the panels that have something to show, the process
table, and a footer with the keys.

Samples come from ``source`` (by default a :class:`~darwin_metrics.Sampler` over the families the
panels draw, :mod:`.source`), read in a worker thread every ``interval`` seconds so that keys stay
responsive while a large process table is read. A sampling error never stops the dashboard: it is shown, and the next refresh tries again.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterable
from typing import ClassVar, Protocol

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.css.query import NoMatches
from textual.markup import escape
from textual.widgets import Footer, Input, Static

from darwin_metrics.cli import proccolumns, proctable
from darwin_metrics.cli.proctable import SortKey
from darwin_metrics.records.process import Process
from darwin_metrics.records.rates import Sample
from darwin_metrics.tui import actions, procview
from darwin_metrics.tui.details import Details, wanted_fields
from darwin_metrics.tui.dialogs import ConfirmScreen, ReniceScreen
from darwin_metrics.tui.header import Host, header_line
from darwin_metrics.tui.history import History
from darwin_metrics.tui.lines import LineKey, line_key
from darwin_metrics.tui.panel import Panel
from darwin_metrics.tui.panel_cpu import CPUPanel
from darwin_metrics.tui.panel_hardware import GPUPanel, PowerPanel, SensorsPanel
from darwin_metrics.tui.panel_io import DiskPanel, NetworkPanel
from darwin_metrics.tui.panel_memory import MemoryPanel
from darwin_metrics.tui.proctable import ProcessTable
from darwin_metrics.tui.source import SelectiveSource, sampler_source

log = logging.getLogger(__name__)

#: The panels, in screen order (two columns from :data:`WIDE` columns of terminal on).
PANELS: tuple[type[Panel], ...] = (
    CPUPanel,
    MemoryPanel,
    GPUPanel,
    SensorsPanel,
    PowerPanel,
    NetworkPanel,
    DiskPanel,
)
#: Every name ``--panels`` accepts: the panels' and ``processes`` (the process table).
PANEL_KEYS: tuple[str, ...] = (*(p.KEY for p in PANELS), "processes")
#: Terminal width from which panels sit in two columns.
WIDE = 120


class Recording(Protocol):
    """What ``top --record`` writes samples to (the history package's ``Recorder``)."""

    def record(self, sample: Sample) -> None: ...

    def close(self) -> None: ...


class Dashboard(App[None]):
    """``darwin-metrics top``: live panels and a process table that can be sorted, filtered, shown as
    a tree, and act on a process (signal, renice) after a confirmation."""

    TITLE = "darwin-metrics top"
    #: The process table takes the focus itself (the hidden filter box must not).
    AUTO_FOCUS = None
    CSS = """
    Screen { layout: vertical; }
    #header { height: 1; padding: 0 1; background: $panel; }
    #panels { height: auto; max-height: 60%; layout: grid; grid-size: 1; grid-rows: auto;
              grid-gutter: 0 1; overflow-y: auto; scrollbar-size-vertical: 1;
              scrollbar-gutter: stable; }
    #panels.wide { grid-size: 2; }
    #filter { display: none; height: 3; }
    #filter.shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "quit"),
        Binding("c", "sort('cpu')", "sort CPU"),
        Binding("m", "sort('memory')", "sort mem"),
        Binding("i", "sort('io')", "sort I/O"),
        Binding("t", "toggle_tree", "tree"),
        Binding("slash", "filter", "filter"),
        Binding("k", "signal('SIGTERM')", "kill"),
        Binding("K", "signal('SIGKILL')", "KILL", show=False),
        Binding("n", "renice", "nice"),
        Binding("p", "pause", "pause"),
        Binding("escape", "clear_filter", "clear filter", show=False),
    ]

    def __init__(
        self,
        source: Callable[[], Sample] | None = None,
        *,
        interval: float = 1.0,
        panels: Iterable[str] = PANEL_KEYS,
        recorder: Recording | None = None,
        host: Host | None = None,
    ) -> None:
        super().__init__()
        self.panel_keys = tuple(k for k in PANEL_KEYS if k in set(panels))
        if source is None:
            source = sampler_source(
                processes="processes" in self.panel_keys, every_family=recorder is not None
            )
        self.source = source
        #: The source when it can read fewer process fields (the real one), else ``None``.
        self.selective = source if isinstance(source, SelectiveSource) else None
        #: The fields of the rows on screen that samples leave out (with a selective source).
        self.details = Details(self.selective.process) if self.selective is not None else None
        #: The process fields the shown sample was read with (``None``: every field).
        self.sample_fields: frozenset[str] | None = None
        self.interval = interval
        self.recorder = recorder
        self.host = host if host is not None else Host.this()
        self.history = History()
        self.sample: Sample | None = None
        self.sort: SortKey = "cpu"
        self.tree_view = False
        self.filter_text = ""
        self.paused = False
        #: The last message shown about an action or a failure (also sent as a notification).
        self.last_message = ""
        self._busy = False
        #: The previous sample's processes: their parent links keep the tree of a process whose
        #: parent has just exited (built into a pid → ppid map only in the tree view).
        self._previous_processes: tuple[Process, ...] = ()
        self._width = 80
        self._header_key: LineKey | None = None

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(header_line(self.host, None), id="header")
        with Container(id="panels"):
            for panel in PANELS:
                if panel.KEY in self.panel_keys:
                    widget = panel()
                    widget.display = False
                    yield widget
        if "processes" in self.panel_keys:
            table = ProcessTable()
            if self.details is not None:
                table.complete = self.details.complete
            yield table
        yield Input(
            placeholder="filter: words of the name or command, user:NAME, pid:N "
            "(Enter keeps it, Esc clears)",
            id="filter",
            select_on_focus=False,  # keys typed right after '/' must not select each other
        )
        yield Footer()

    def on_mount(self) -> None:
        self._width = self.size.width
        self._layout_for(self._width)
        if "processes" in self.panel_keys:
            self.query_one(ProcessTable).focus()
        self.request_sample()
        self.set_timer(min(self.interval, 0.5), self.request_sample)
        self.set_interval(self.interval, self.request_sample)

    def on_resize(self, event: events.Resize) -> None:
        self._width = event.size.width
        self._layout_for(event.size.width)
        self.redraw()
        self._sample_lacks_fields()

    def _layout_for(self, width: int) -> None:
        self.query_one("#panels").set_class(width >= WIDE, "wide")

    # -- data -----------------------------------------------------------------------------------

    def wanted_fields(self) -> frozenset[str] | None:
        """The process fields the next sample reads (``None``: every field; see
        :func:`~darwin_metrics.tui.details.wanted_fields`)."""
        if self.selective is None or "processes" not in self.panel_keys:
            return None
        table = self.query_one(ProcessTable)
        width = table.content_size.width or max(self._width - 4, 0)
        pid_width = table.pid_width
        columns, _ = proccolumns.choose_columns(width, self.sort, pid_width)
        return wanted_fields(self.sort, [c.key for c in columns], self.filter_text)

    def request_sample(self) -> None:
        """Start reading a sample unless one is being read or the dashboard is paused."""
        if self._busy or self.paused:
            return
        self._busy = True
        fields = self.wanted_fields()
        if self.selective is not None:
            self.selective.select(fields)
        self.run_worker(self._fetch(fields), group="sample")

    def _sample_lacks_fields(self) -> None:
        """Read a sample now when the table needs a field the shown one was read without (a new
        sort, filter or column), instead of waiting for the next refresh."""
        if self.selective is None or self.sample is None or self.sample_fields is None:
            return
        wanted = self.wanted_fields()
        if wanted is not None and not wanted <= self.sample_fields:
            self.request_sample()

    async def _fetch(self, fields: frozenset[str] | None) -> None:
        try:
            sample = await asyncio.to_thread(self.source)
        except Exception as exc:  # any failure of a read is shown, and the next refresh retries
            log.debug("sampling failed", exc_info=True)
            self.tell(f"reading failed: {exc}", error=True)
            return
        finally:
            self._busy = False
        self.sample_fields = fields
        if self.details is not None:
            self.details.new_sample(fields)
        try:
            self.apply(sample)
            self._sample_lacks_fields()
        except NoMatches:
            log.debug("the screen closed while a sample was read")  # quitting: nothing to draw

    def apply(self, sample: Sample) -> None:
        """Show ``sample`` (and record it with ``--record``)."""
        for panel in self.query(Panel):
            panel.observe(sample, self.history)
        processes = sample.snapshot.processes
        if self.sample is not None and self.sample.snapshot.processes is not None:
            self._previous_processes = self.sample.snapshot.processes
        elif processes is not None:
            self._previous_processes = ()
        self.sample = sample
        self.redraw()
        self._record(sample)

    def _record(self, sample: Sample) -> None:
        if self.recorder is None:
            return
        try:
            self.recorder.record(sample)
        except Exception as exc:  # a recorder failure stops recording, never the dashboard
            log.debug("recording failed", exc_info=True)
            recorder, self.recorder = self.recorder, None
            try:
                recorder.close()
            except Exception:
                log.debug("closing the recorder failed", exc_info=True)
            self.tell(f"recording stopped: {exc}", error=True)
            self.redraw()

    def on_unmount(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None

    # -- drawing --------------------------------------------------------------------------------

    def _status(self) -> str:
        parts = []
        if self.paused:
            parts.append("PAUSED")
        if self.recorder is not None:
            parts.append("recording")
        return ", ".join(parts)

    def redraw(self) -> None:
        """Draw the last sample again (after a resize, a sort, a filter)."""
        header = header_line(self.host, self.sample, self._status())
        if line_key(header) != self._header_key:  # unchanged: nothing to repaint
            self._header_key = line_key(header)
            self.query_one("#header", Static).update(header, layout=False)
        sample = self.sample
        if sample is None:
            return
        columns = 2 if self._width >= WIDE else 1
        # The panels' width: less the scrollbar, the gutter between columns, border and padding.
        width = (self._width - 1 - (columns - 1)) // columns - 4
        for panel in self.query(Panel):
            panel.show(sample, self.history, width)
        if "processes" in self.panel_keys:
            self._draw_processes(sample)

    def _draw_processes(self, sample: Sample) -> None:
        table = self.query_one(ProcessTable)
        processes = sample.snapshot.processes
        if processes is None:
            table.set_rows([], self.sort, "Processes (cannot be read here)")
            return
        rates = sample.rates.processes if sample.rates else None
        by_key = {(r.pid, r.create_time): r for r in rates} if rates is not None else None
        rows = proctable.pair(processes, by_key)
        arranged = procview.arrange(
            rows,
            self.sort,
            tree=self.tree_view,
            filter_text=self.filter_text,
            known_parents={p.pid: p.ppid for p in self._previous_processes}
            if self.tree_view
            else None,
        )
        title = f"Processes {len(arranged.rows)} of {len(processes)} · by {self.sort}"
        if self.tree_view:
            title += " · tree"
        if self.filter_text:
            title += f" · filter {escape(repr(self.filter_text))}"  # the title is markup
        table.set_rows(arranged.rows, self.sort, title, arranged.guides)

    def tell(self, message: str, *, error: bool = False) -> None:
        """Show ``message`` as a notification and keep it in :attr:`last_message`."""
        self.last_message = message
        self.notify(message, severity="error" if error else "information", timeout=6, markup=False)

    # -- keys -----------------------------------------------------------------------------------

    def action_sort(self, key: SortKey) -> None:
        self.sort = key
        self.redraw()
        self._sample_lacks_fields()

    def action_toggle_tree(self) -> None:
        self.tree_view = not self.tree_view
        self.redraw()

    def action_pause(self) -> None:
        self.paused = not self.paused
        self.redraw()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.value = self.filter_text
        # Now, not later (Widget.focus waits a turn): keys typed right after '/' go to the box.
        self.screen.set_focus(box)

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("shown")
        self.filter_text = ""
        self._focus_table()
        self.redraw()
        self._sample_lacks_fields()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.filter_text = event.value.strip()
            self.redraw()
            self._sample_lacks_fields()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            event.input.remove_class("shown")
            self._focus_table()

    def _focus_table(self) -> None:
        if "processes" in self.panel_keys:
            self.query_one(ProcessTable).focus()

    def _selected(self) -> proctable.Row | None:
        if "processes" not in self.panel_keys:
            self.tell("no process table here (add 'processes' to --panels)", error=True)
            return None
        row = self.query_one(ProcessTable).selected
        if row is None:
            self.tell("no process selected", error=True)
        elif self.details is not None:
            row = self.details.complete(row)  # its user, read now if not on screen
        return row

    def action_signal(self, name: str) -> None:
        row = self._selected()
        if row is None:
            return
        sig = signal.Signals[name]
        proc = row.process
        user = proc.username or (str(proc.uid) if proc.uid is not None else "?")
        question = f"Send {sig.name} to process {proc.pid} ({proc.name}, user {user})?"

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.tell(actions.send_signal(proc.pid, proc.create_time, sig))
            except actions.ActionError as exc:
                self.tell(str(exc), error=True)

        self.push_screen(ConfirmScreen(question, yes=f"Send {sig.name}"), answered)

    def action_renice(self) -> None:
        row = self._selected()
        if row is None:
            return
        proc = row.process
        now = "unknown" if proc.nice is None else str(proc.nice)
        question = f"Nice value for process {proc.pid} ({proc.name}), now {now}:"

        def answered(value: int | None) -> None:
            if value is None:
                return
            try:
                self.tell(actions.renice(proc.pid, proc.create_time, value))
            except actions.ActionError as exc:
                self.tell(str(exc), error=True)

        self.push_screen(ReniceScreen(question, proc.nice), answered)
