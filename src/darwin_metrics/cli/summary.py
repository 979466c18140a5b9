"""The one-screen summary: a list of section renderers, each ``Sample -> rich renderable | None``.

:data:`SECTIONS` is the order on screen. A new section is one function that takes a
:class:`~darwin_metrics.records.Sample` and returns a renderable (use :func:`panel` for the frame),
or ``None`` when this machine has nothing for it (the section is then not drawn, and its title from
:data:`TITLES` is listed on one line at the end), plus its name in :data:`SECTIONS`. This module
imports rich; only the CLI imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from darwin_metrics.cli import fmt, proctable
from darwin_metrics.cli.summary_gpu import gpus_section
from darwin_metrics.cli.summary_power import batteries_section, power_section
from darwin_metrics.cli.summary_sensors import fans_section, temperatures_section
from darwin_metrics.cli.widgets import bar, panel
from darwin_metrics.records.memory import Memory
from darwin_metrics.records.net import Interface
from darwin_metrics.records.rates import InterfaceRates, Sample

Section = Callable[[Sample], RenderableType | None]

#: Rows shown at most in the list sections, to keep the summary on one screen.
MAX_VOLUMES = 8
MAX_INTERFACES = 8
TOP_PROCESSES = 10

_LEVEL_STYLE = {"normal": "green", "warning": "yellow", "critical": "bold red"}


def _more(shown: int, total: int, what: str) -> Text | None:
    hidden = total - shown
    if hidden <= 0:
        return None
    return Text(f"... {hidden} more {what} (darwin-metrics snapshot)", style="dim")


def cpu_section(sample: Sample) -> RenderableType | None:
    """Model, counts, load and total busy percent, then one bar per logical CPU."""
    cpu = sample.snapshot.cpu
    if cpu is None:
        return None
    rates = sample.rates.cpu if sample.rates else None
    counts = f"{cpu.logical_count} logical"
    if cpu.physical_count is not None:
        counts += f", {cpu.physical_count} physical"
    head = Text(fmt.clean(cpu.model or "unknown model"), style="bold")
    info = Text(f"{cpu.architecture}, {counts}")
    freqs = [c.frequency.hertz for c in cpu.cores if c.frequency.hertz is not None]
    if freqs:
        info.append(f", {fmt.hertz(sum(freqs) / len(freqs))} average")
    if cpu.load is not None:
        info.append(f", load {cpu.load.one:.2f} {cpu.load.five:.2f} {cpu.load.fifteen:.2f}")

    total = Table.grid(padding=(0, 1))
    percent = rates.percent if rates else None
    modes = rates.modes if rates else None
    split = ""
    if modes is not None:
        split = f"user {fmt.percent(modes.user)}, system {fmt.percent(modes.system)}"
        if modes.iowait is not None:
            split += f", iowait {fmt.percent(modes.iowait)}"
    total.add_row(
        Text("total", style="bold"), bar(percent, 20), f"{fmt.percent(percent):>6}", split
    )

    per_core = {c.index: c.percent for c in rates.cores} if rates else {}
    cores = Table.grid(padding=(0, 1))
    columns = 4 if len(cpu.cores) > 8 else 2
    width = 8 if columns == 4 else 20
    cells: list[RenderableType] = []
    for core in sorted(cpu.cores, key=lambda c: c.index):
        value = per_core.get(core.index)
        cells += [
            Text(f"{core.index:>3}", style="dim"),
            bar(value, width),
            Text(f"{fmt.percent(value, 0):>5}"),
        ]
    for _ in range(columns * 3):
        cores.add_column()
    row_size = columns * 3
    for start in range(0, len(cells), row_size):
        chunk = cells[start : start + row_size]
        cores.add_row(*chunk, *([""] * (row_size - len(chunk))))
    return panel("CPU", Group(head, info, total, cores))


def _memory_body(memory: Memory) -> Group:
    grid = Table.grid(padding=(0, 1))
    used = memory.used_percent
    grid.add_row(
        Text("RAM ", style="bold"),
        bar(used),
        f"{fmt.percent(used):>6}",
        f"{fmt.size(memory.used)} used of {fmt.size(memory.total)}",
    )
    swap = memory.swap
    if swap.total > 0:
        swap_percent = 100.0 * swap.used / swap.total
        grid.add_row(
            Text("swap", style="bold"),
            bar(swap_percent),
            f"{fmt.percent(swap_percent):>6}",
            f"{fmt.size(swap.used)} used of {fmt.size(swap.total)}",
        )
    else:
        grid.add_row(Text("swap", style="bold"), Text("none configured", style="dim"), "", "")
    extra = [f"available {fmt.size(memory.available)}"]
    extra += [
        f"{name} {fmt.size(value)}"
        for name, value in (("cached", memory.cached), ("buffers", memory.buffers))
        if value is not None
    ]
    level = memory.pressure.level
    pressure = Text("pressure ", style="bold")
    pressure.append(level or "unknown", style=_LEVEL_STYLE.get(level or "", "dim"))
    stall = memory.pressure.memory
    if stall is not None and stall.some_avg10_percent is not None:
        pressure.append(
            f" (stalled {fmt.percent(stall.some_avg10_percent, 2)} of the last 10 s)", "dim"
        )
    return Group(grid, Text(", ".join(extra)), pressure)


def memory_section(sample: Sample) -> RenderableType | None:
    """RAM and swap use with bars, and the memory pressure level."""
    memory = sample.snapshot.memory
    if memory is None:
        return None
    return panel("Memory", _memory_body(memory))


def volumes_section(sample: Sample) -> RenderableType | None:
    """Mounted file systems with size, used, available and a use bar."""
    volumes = sample.snapshot.volumes
    if volumes is None:
        return None
    if not volumes:
        return None
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("MOUNT", no_wrap=True, overflow="ellipsis", max_width=30)
    table.add_column("TYPE", no_wrap=True)
    table.add_column("SIZE", justify="right", no_wrap=True)
    table.add_column("USED", justify="right", no_wrap=True)
    table.add_column("AVAIL", justify="right", no_wrap=True)
    table.add_column("USE%", no_wrap=True)
    table.add_column("", justify="right", no_wrap=True)
    shown = sorted(volumes, key=lambda v: v.mount_point)[:MAX_VOLUMES]
    for vol in shown:
        table.add_row(
            Text(fmt.clean(vol.mount_point)),
            Text(fmt.clean(vol.fs_type)),
            fmt.size(vol.total),
            fmt.size(vol.used),
            fmt.size(vol.available),
            bar(vol.used_percent, 12),
            fmt.percent(vol.used_percent, 0),
        )
    more = _more(len(shown), len(volumes), "volumes")
    return panel("Volumes", Group(table, more) if more else table)


def _interface_order(iface: Interface, rates: InterfaceRates | None) -> tuple[int, float, str]:
    traffic = 0.0
    if rates is not None:
        traffic = (rates.rx_bytes_per_second or 0.0) + (rates.tx_bytes_per_second or 0.0)
    return (0 if iface.is_up else 1, -traffic, iface.name)


def _first_address(iface: Interface) -> str:
    for family in ("ipv4", "ipv6"):
        for addr in iface.addresses:
            if addr.family == family:
                suffix = f"/{addr.prefix_length}" if addr.prefix_length is not None else ""
                return addr.address + suffix
    return fmt.MISSING


def _state(iface: Interface) -> str:
    if iface.is_up is None:
        return fmt.MISSING
    if not iface.is_up:
        return "down"
    return "up" if iface.is_running is not False else "up, no link"


def interfaces_section(sample: Sample) -> RenderableType | None:
    """Network interfaces: kind, state, first address, link speed, receive and send rates."""
    interfaces = sample.snapshot.interfaces
    if interfaces is None:
        return None
    if not interfaces:
        return None
    rates = sample.rates
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("NAME", no_wrap=True, overflow="ellipsis", max_width=16)
    table.add_column("KIND", no_wrap=True)
    table.add_column("STATE", no_wrap=True)
    table.add_column("ADDRESS", no_wrap=True, overflow="ellipsis", max_width=30)
    table.add_column("SPEED", justify="right", no_wrap=True)
    table.add_column("RX/s", justify="right", no_wrap=True)
    table.add_column("TX/s", justify="right", no_wrap=True)
    by_name = {i.name: rates.interface(i.name) if rates else None for i in interfaces}
    ordered = sorted(interfaces, key=lambda i: _interface_order(i, by_name[i.name]))
    shown = ordered[:MAX_INTERFACES]
    for iface in shown:
        r = by_name[iface.name]
        state = _state(iface)
        table.add_row(
            Text(fmt.clean(iface.name)),
            iface.kind,
            Text(state, style="green" if state == "up" else "dim"),
            Text(_first_address(iface)),
            fmt.bits_per_second(iface.speed_bits_per_second),
            fmt.byte_rate(r.rx_bytes_per_second if r else None),
            fmt.byte_rate(r.tx_bytes_per_second if r else None),
        )
    more = _more(len(shown), len(interfaces), "interfaces")
    return panel("Network", Group(table, more) if more else table)


def processes_section(sample: Sample) -> RenderableType | None:
    """The processes using the most CPU over the sampling interval."""
    processes = sample.snapshot.processes
    if processes is None:
        return None
    rates = sample.rates.processes if sample.rates else None
    by_key = {(r.pid, r.create_time): r for r in rates} if rates is not None else None
    rows = proctable.sort_rows(proctable.pair(processes, by_key), "cpu")[:TOP_PROCESSES]
    title = f"Top processes by CPU (of {len(processes)})"
    return panel(title, proctable.table(rows, io=False))


#: The sections of the summary, top to bottom.
SECTIONS: list[Section] = [
    cpu_section,
    memory_section,
    volumes_section,
    interfaces_section,
    processes_section,
    gpus_section,
    temperatures_section,
    fans_section,
    power_section,
    batteries_section,
]


#: The title of each section, named on the last line when the section has nothing to show.
TITLES: dict[Section, str] = {
    cpu_section: "CPU",
    memory_section: "memory",
    volumes_section: "volumes",
    interfaces_section: "network",
    processes_section: "processes",
    gpus_section: "GPUs",
    temperatures_section: "temperatures",
    fans_section: "fans",
    power_section: "power rails",
    batteries_section: "batteries",
}

#: The last line: where to go from the summary (both commands exist).
HINT = "live view: darwin-metrics top  ·  as JSON: darwin-metrics --json"


def render(sample: Sample, sections: Sequence[Section] = SECTIONS) -> Group:
    """The sections that have something to show for one sample, a line naming those that have
    nothing on this machine, and :data:`HINT`."""
    shown: list[RenderableType] = []
    absent: list[str] = []
    for section in sections:
        body = section(sample)
        if body is None:
            absent.append(TITLES.get(section, section.__name__))
        else:
            shown.append(body)
    if absent:
        shown.append(Text(f"not on this machine: {', '.join(absent)}", style="dim"))
    shown.append(Text(HINT, style="dim"))
    return Group(*shown)


__all__ = [
    "HINT",
    "SECTIONS",
    "TITLES",
    "Section",
    "bar",
    "cpu_section",
    "interfaces_section",
    "memory_section",
    "panel",
    "processes_section",
    "render",
    "volumes_section",
]
