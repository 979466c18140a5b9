"""``darwin-metrics otel``: push this machine's metrics to an OpenTelemetry collector (OTLP/HTTP)."""

from __future__ import annotations

import argparse
import math
import socket
import sys
import time

from darwin_metrics.cli.common import CLIError, seconds_up_to

EXTRA = "darwin-metrics[otel]"


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "otel",
        help="push metrics to an OpenTelemetry collector over OTLP/HTTP",
        description="Collect system, process and hardware metrics under the OpenTelemetry "
        "semantic conventions and push them over OTLP/HTTP (protobuf) every --interval seconds.",
    )
    parser.add_argument(
        "--endpoint",
        required=True,
        metavar="URL",
        help="OTLP/HTTP metrics URL, e.g. http://127.0.0.1:4318/v1/metrics",
    )
    parser.add_argument(
        "--interval",
        type=seconds_up_to(3600),
        default=10.0,
        metavar="S",
        help="seconds between pushes (default 10)",
    )
    parser.add_argument(
        "--count", type=_count, default=0, metavar="N", help="stop after N pushes (default: never)"
    )
    parser.add_argument(
        "--top-processes",
        type=_count,
        default=5,
        metavar="N",
        help="report the N busiest and N largest processes (default 5, 0 for none)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource

        from darwin_metrics.export.otel import instrument
    except ImportError as exc:
        raise CLIError(f"otel needs the '{EXTRA}' extra: pip install '{EXTRA}' ({exc})") from None
    if not args.endpoint.startswith(("http://", "https://")):
        raise CLIError(f"--endpoint must be an http(s) URL, got {args.endpoint!r}", code=2)
    exporter = OTLPMetricExporter(endpoint=args.endpoint)
    # No timer thread: this loop decides when to collect, so --count is exact.
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=math.inf)
    resource = Resource.create(
        {"service.name": "darwin-metrics", "host.name": socket.gethostname()}
    )
    provider = MeterProvider(metric_readers=[reader], resource=resource)
    instrument(provider, top_processes=args.top_processes)
    pushes = 0
    try:
        while True:
            started = time.monotonic()
            if not provider.force_flush(timeout_millis=30_000):
                print(f"darwin-metrics: push to {args.endpoint} failed", file=sys.stderr)
            pushes += 1
            if args.count and pushes >= args.count:
                return 0
            time.sleep(max(0.0, args.interval - (time.monotonic() - started)))
    finally:
        provider.shutdown()
