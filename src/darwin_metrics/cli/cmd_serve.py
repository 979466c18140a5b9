"""``darwin-metrics serve``: a Prometheus exporter (node_exporter names) and the live web page."""

from __future__ import annotations

import argparse
import sys

from darwin_metrics.cli.common import CLIError, seconds_up_to

#: The collectors, listed here so that ``--help`` works without prometheus-client installed.
COLLECTORS = (
    "cpu",
    "cpufreq",
    "loadavg",
    "stat",
    "meminfo",
    "pressure",
    "diskstats",
    "filesystem",
    "netdev",
    "netclass",
    "netstat",
    "sockstat",
    "wifi",
    "hwmon",
    "thermal_zone",
    "powersupplyclass",
    "rapl",
    "gpu",
    "fans",
    "power",
    "connections",
    "cgroup",
    "processes",
)
EXTRA = "darwin-metrics[prometheus]"


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, got {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="Prometheus exporter (node_exporter names) and the live page",
        description="Serve /metrics for Prometheus (node_exporter-compatible names, plus "
        "darwin_metrics_* families) and the live web page at /. Binds 127.0.0.1:9101 unless "
        "--listen says otherwise. See docs/exporter.md.",
    )
    parser.add_argument(
        "--listen",
        default="127.0.0.1:9101",
        metavar="HOST:PORT",
        help="address to listen on (default 127.0.0.1:9101; ':9101' for every address)",
    )
    parser.add_argument(
        "--web.config.file",
        dest="web_config_file",
        metavar="PATH",
        help="exporter-toolkit web config (TLS, basic auth), as node_exporter's",
    )
    parser.add_argument(
        "--collectors",
        metavar="LIST",
        help="comma-separated collectors to run (default: all but connections and processes): "
        + ", ".join(COLLECTORS),
    )
    for name in COLLECTORS:
        parser.add_argument(
            f"--collector.{name}",
            dest="added",
            action="append_const",
            const=name,
            help=argparse.SUPPRESS,
        )
        parser.add_argument(
            f"--no-collector.{name}",
            dest="disabled",
            action="append_const",
            const=name,
            help=argparse.SUPPRESS,
        )
    parser.add_argument(
        "--top-processes",
        type=_count,
        default=5,
        metavar="N",
        help="with --collector.processes: export the N busiest and N largest processes (default 5)",
    )
    parser.add_argument("--db", metavar="PATH", help="history database for the live page")
    parser.add_argument(
        "--interval",
        type=seconds_up_to(3600),
        default=2.0,
        metavar="S",
        help="the live page's refresh interval in seconds (default 2)",
    )
    parser.epilog = (
        "Add one collector with --collector.NAME (e.g. --collector.connections), leave one out "
        "with --no-collector.NAME (e.g. --no-collector.wifi)."
    )
    parser.set_defaults(handler=run, disabled=[], added=[])


def run(args: argparse.Namespace) -> int:
    try:
        from darwin_metrics.export.collector import SnapshotCollector, select
        from darwin_metrics.export.server import (
            ExporterServer,
            find_web_app,
            make_registry,
            parse_listen,
        )
        from darwin_metrics.export.webconfig import WebConfig, WebConfigError, load
    except ImportError as exc:
        raise CLIError(f"serve needs the '{EXTRA}' extra: pip install '{EXTRA}' ({exc})") from None
    try:
        host, port = parse_listen(args.listen)
        enabled = args.collectors.split(",") if args.collectors else None
        names = select([n.strip() for n in enabled] if enabled else None, args.disabled, args.added)
    except ValueError as exc:
        raise CLIError(str(exc), code=2) from None
    try:
        web_config = load(args.web_config_file) if args.web_config_file else WebConfig()
    except WebConfigError as exc:
        raise CLIError(str(exc), code=2) from None
    collector = SnapshotCollector(collectors=names, top_processes=args.top_processes)
    try:
        app = find_web_app(args.db, args.interval)
    except (OSError, ValueError) as exc:  # e.g. a --db path that cannot be opened
        raise CLIError(f"the live page cannot start: {exc}") from None
    try:
        server = ExporterServer(
            (host, port), make_registry(collector), web_config=web_config, app=app
        )
    except OSError as exc:
        raise CLIError(f"cannot listen on {args.listen}: {exc.strerror or exc}") from None
    scheme = "https" if web_config.ssl_context else "http"
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(f"serving {scheme}://{shown}:{bound_port}/metrics", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
