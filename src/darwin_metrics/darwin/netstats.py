"""Protocol statistics on macOS: the ``net.inet.*.stats`` sysctls (see
:mod:`darwin_metrics.darwin.decode.netstats` for the mapping onto the Linux records).

macOS has one network stack, so ``pid`` only has to name a live process. A section the kernel does
not answer, or answers too short, is ``None`` (logged at debug), never zeros. TCP counters need
root unless ``net.inet.tcp.disable_access_to_stats`` is 0: without them ``tcp`` is ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from darwin_metrics.darwin.decode import netstats as decode
from darwin_metrics.darwin.decode.common import integer
from darwin_metrics.darwin.ffi import libc, libproc
from darwin_metrics.errors import DarwinMetricsError, NoSuchProcess
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.netstats import NetworkStats

log = get_logger(__name__)

T = TypeVar("T")

#: Why ``tcp`` is None when the kernel hands a non-root caller zeros.
TCP_ACCESS_REASON = (
    "net.inet.tcp.stats is all zeros: macOS gives TCP counters to root only, unless "
    "sysctl net.inet.tcp.disable_access_to_stats=0"
)


def _section(name: str, parse: Callable[[bytes], T]) -> T | None:
    try:
        return parse(libc.sysctlbyname(name))
    except (OSError, DarwinMetricsError) as exc:
        log.debug("%s: %s", name, exc)
        return None


def tcp_access_restricted() -> bool | None:
    """Whether ``net.inet.tcp.disable_access_to_stats`` withholds TCP counters from non-root
    callers (None where the kernel has no such switch)."""
    raw = libc.sysctl_optional("net.inet.tcp.disable_access_to_stats")
    value = integer(raw) if raw is not None else None
    return None if value is None else value != 0


def read_network_stats(pid: int | None = None) -> NetworkStats:
    """TCP, UDP, IPv4, IPv6 and ICMP counters of the machine's network stack.

    Raises :class:`NoSuchProcess` when ``pid`` names no process.
    """
    if pid is not None and not libproc.pid_exists(pid):
        raise NoSuchProcess(pid)
    tcp = _section("net.inet.tcp.stats", decode.tcp)
    if tcp is None:
        log.debug("%s (switch restricts: %s)", TCP_ACCESS_REASON, tcp_access_restricted())
    return NetworkStats(
        tcp=tcp,
        udp=_section("net.inet.udp.stats", decode.udp),
        ip=_section("net.inet.ip.stats", decode.ip),
        ip6=_section("net.inet6.ip6.stats", decode.ip6),
        icmp=_section("net.inet.icmp.stats", decode.icmp),
    )
