"""``darwin-metrics snapshot``: every family at one moment, as a tree or as JSON."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from darwin_metrics.cli import fmt
from darwin_metrics.cli.common import console, interval, print_json

if TYPE_CHECKING:
    from rich.tree import Tree

    from darwin_metrics.records.rates import Rates
    from darwin_metrics.records.snapshot import Snapshot


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "snapshot",
        help="every family at one moment (--json for machines)",
        description="Every metric family at one moment. JSON field names are the record field "
        "names (see docs/json.md); values are in SI units.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a tree")
    parser.add_argument(
        "--no-processes",
        dest="processes",
        action="store_false",
        help="leave out the process list",
    )
    parser.add_argument(
        "--interval",
        type=interval,
        default=0.0,
        metavar="SECONDS",
        help="also measure rates over this many seconds: adds 'elapsed' and 'rates' "
        "(default 0: no rates)",
    )
    parser.set_defaults(handler=run)


def take(seconds: float, processes: bool) -> tuple[Snapshot, Rates | None]:
    """One snapshot, and the rates over ``seconds`` before it (``None`` when ``seconds`` is 0)."""
    if seconds <= 0:
        import darwin_metrics

        return darwin_metrics.snapshot(processes=processes), None
    from darwin_metrics.cli.cmd_summary import take as sample

    taken = sample(seconds, processes=processes)
    return taken.snapshot, taken.rates


def run(args: argparse.Namespace) -> int:
    from darwin_metrics.records.base import to_dict

    snap, rates = take(args.interval, args.processes)
    if args.json:
        if args.interval <= 0:
            print_json(snap)
            return 0
        data: dict[str, Any] = to_dict(snap)
        data["elapsed"] = None if rates is None else rates.elapsed
        data["rates"] = to_dict(rates)
        print_json(data)
        return 0
    out = console()
    out.print(render(snap, rates))
    return 0


def render(snap: Snapshot, rates: Rates | None = None) -> Tree:
    """Every family as a tree of fields (raw SI values); processes as a table; then the rates."""
    from rich.text import Text
    from rich.tree import Tree

    from darwin_metrics.cli import proctable
    from darwin_metrics.records.base import to_dict

    root = Tree(Text(f"snapshot of {snap.platform} at {snap.timestamp:.3f}", style="bold"))
    data = to_dict(snap)
    for name in data:
        if name in ("timestamp", "platform"):
            continue
        value = getattr(snap, name)
        if value is None:
            root.add(Text(f"{name}: none on this machine", style="dim"))
        elif name == "processes":
            rows = proctable.sort_rows(proctable.pair(value, None), "memory")
            branch = root.add(Text(f"processes ({len(rows)})", style="bold"))
            branch.add(proctable.table(rows))
        else:
            _add(root.add(Text(name, style="bold")), data[name])
    if rates is not None:
        _add(root.add(Text(f"rates over {rates.elapsed:.3f} s", style="bold")), to_dict(rates))
    return root


def _label(item: dict[str, Any]) -> str:
    for key in ("name", "mount_point", "index", "pid", "address", "cpu"):
        if item.get(key) is not None:
            return f"{key} {item[key]}"
    return ""


def _add(branch: Tree, value: Any) -> None:
    from rich.text import Text

    if isinstance(value, dict):
        for key, sub in value.items():
            if isinstance(sub, (dict, list)) and sub:
                _add(branch.add(Text(key, style="bold")), sub)
            else:
                branch.add(Text(f"{key}: {_scalar(sub)}"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                _add(branch.add(Text(f"[{i}] {fmt.clean(_label(item))}", style="cyan")), item)
            else:
                branch.add(Text(f"[{i}] {_scalar(item)}"))


def _scalar(value: Any) -> str:
    if value is None:
        return fmt.MISSING
    if isinstance(value, list):
        return "[]"
    if isinstance(value, dict):
        return "{}"
    return fmt.clean(str(value))
