"""The exporter beside Debian's ``prometheus-node-exporter``, in one run, on this machine.

    python benchmarks/bench_exporter.py [--rounds 3] [--scrapes 40] [--gap 0.25]

Starts ``darwin-metrics serve`` (default collectors, and again with the opt-in ``processes``
and ``connections`` collectors)
and ``prometheus-node-exporter`` (its default collectors) on loopback, then scrapes them in turn,
``--scrapes`` cycles per round for ``--rounds`` rounds, ``--gap`` seconds between cycles. Per server it reports the CPU seconds its
process used per scrape (from /proc/PID/stat, so the client's work is not counted), the median
scrape latency, samples per scrape and the resident memory after the run; per round figures give
the range. Target: less CPU per scrape than node_exporter while serving every node_* family both
export. Without prometheus-node-exporter installed, only our figures are printed, with the reason.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import table

TICKS = os.sysconf("SC_CLK_TCK")
NODE_EXPORTER = "prometheus-node-exporter"


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    process: subprocess.Popen[bytes] | None = None
    cpu_per_scrape: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    samples: int = 0
    families: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/metrics"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def scrape(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        body: bytes = response.read()
    return body


def start(server: Server) -> None:
    server.process = subprocess.Popen(
        server.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            scrape(server.url)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{server.name} did not start")


def describe(server: Server, body: bytes) -> None:
    lines = [line for line in body.decode().splitlines() if line and not line.startswith("#")]
    server.samples = len(lines)
    server.families = {
        line.split()[2] for line in body.decode().splitlines() if line.startswith("# TYPE ")
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scrapes", type=int, default=40)
    parser.add_argument(
        "--gap", type=float, default=0.25, help="seconds between scrape cycles (default 0.25)"
    )
    args = parser.parse_args(argv)
    python = sys.executable
    servers = []
    port = free_port()
    servers.append(
        Server(
            "darwin-metrics serve",
            [python, "-m", "darwin_metrics", "serve", "--listen", f"127.0.0.1:{port}"],
            port,
        )
    )
    port = free_port()
    servers.append(
        Server(
            "darwin-metrics serve --collector.processes --collector.connections",
            [
                python,
                "-m",
                "darwin_metrics",
                "serve",
                "--listen",
                f"127.0.0.1:{port}",
                "--collector.processes",
                "--collector.connections",
            ],
            port,
        )
    )
    node_exporter = shutil.which(NODE_EXPORTER)
    if node_exporter is None:
        print(f"{NODE_EXPORTER} is not installed (apt install {NODE_EXPORTER}): our figures only")
    else:
        port = free_port()
        servers.append(
            Server(
                NODE_EXPORTER,
                [node_exporter, f"--web.listen-address=127.0.0.1:{port}"],
                port,
            )
        )
    try:
        for server in servers:
            start(server)
            for _ in range(5):
                describe(server, scrape(server.url))
        for _ in range(args.rounds):
            before = {s.name: cpu_seconds(s.process.pid) for s in servers if s.process}
            for _ in range(args.scrapes):
                for server in servers:  # in turn, so drift of the machine hits all alike
                    began = time.perf_counter()
                    scrape(server.url)
                    server.latencies.append(time.perf_counter() - began)
                time.sleep(args.gap)  # Prometheus scrapes every few seconds, not back to back
            for server in servers:
                assert server.process is not None
                used = cpu_seconds(server.process.pid) - before[server.name]
                server.cpu_per_scrape.append(used / args.scrapes)
        rows = []
        for server in servers:
            assert server.process is not None
            cpu = sorted(server.cpu_per_scrape)
            rows.append(
                (
                    server.name,
                    f"{statistics.median(cpu) * 1000:.1f} ({cpu[0] * 1000:.1f}-{cpu[-1] * 1000:.1f})",
                    f"{statistics.median(server.latencies) * 1000:.1f}",
                    server.samples,
                    f"{rss_mib(server.process.pid):.0f}",
                )
            )
        print(
            f"{args.rounds} rounds x {args.scrapes} scrapes each, servers scraped in turn; "
            f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
        print(
            table(
                (
                    "server",
                    "CPU ms/scrape median (range)",
                    "latency ms median",
                    "samples",
                    "RSS MiB",
                ),
                rows,
            )
        )
        if node_exporter is not None:
            ours, theirs = servers[0], servers[-1]
            node_families = {f for f in theirs.families if f.startswith("node_")}
            shared = node_families & ours.families
            print(
                f"node_* families: node_exporter {len(node_families)}, darwin-metrics "
                f"{len({f for f in ours.families if f.startswith('node_')})}, both {len(shared)}"
            )
            ratio = statistics.median(ours.cpu_per_scrape) / max(
                statistics.median(theirs.cpu_per_scrape), 1e-9
            )
            verdict = "met" if ratio < 1 else "missed"
            print(
                f"CPU per scrape, darwin-metrics / node_exporter: {ratio:.2f} (target < 1: {verdict})"
            )
    finally:
        for server in servers:
            if server.process is not None:
                server.process.terminate()
                server.process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
