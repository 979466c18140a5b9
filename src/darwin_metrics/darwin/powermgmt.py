"""Power management on macOS: AC or battery and the adapter's watts (IOPS power sources), Low
Power Mode (``NSProcessInfo``), the power assertions that keep the Mac awake
(``IOPMCopyAssertionsByProcess``) and the top energy consumers (``proc_pid_rusage``
``ri_energy_nj`` of every process this caller may read; Apple Silicon only, where the kernel
measures it). Each part that cannot be read is ``None`` or empty (logged); ``cores`` is empty:
macOS has no per-CPU governors.
"""

from __future__ import annotations

from darwin_metrics.darwin.battery import read_power_sources
from darwin_metrics.darwin.cpu import read_architecture
from darwin_metrics.darwin.decode import powermgmt as decode
from darwin_metrics.darwin.decode import process as decode_process
from darwin_metrics.darwin.decode.common import integer
from darwin_metrics.darwin.ffi import iokit, libc, libproc, objc
from darwin_metrics.errors import DarwinMetricsError
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.power import PowerAssertion, PowerManagement, ProcessEnergy

#: How many of the top energy consumers are listed.
TOP_ENERGY = 10

log = get_logger(__name__)


def _low_power_mode() -> bool | None:
    try:
        return objc.low_power_mode()
    except (OSError, DarwinMetricsError) as exc:
        log.debug("Low Power Mode: %s", exc)
        return None


def _assertions() -> tuple[PowerAssertion, ...]:
    try:
        found = iokit.assertions_by_process()
    except (OSError, DarwinMetricsError) as exc:
        log.debug("IOPMCopyAssertionsByProcess: %s", exc)
        return ()
    return decode.assertions(found) if found else ()


def _top_energy(limit: int = TOP_ENERGY) -> tuple[ProcessEnergy, ...]:
    """The ``limit`` processes with the most energy used since they started (joules)."""
    import psutil

    if read_architecture() != "arm64":
        return ()  # Intel kernels never accumulate ri_energy_nj
    timebase = integer(libc.sysctlbyname("hw.tbfrequency"))
    if not timebase or timebase <= 0:
        return ()
    used: list[tuple[float, int]] = []
    for pid in psutil.pids():
        try:
            version, raw = libproc.pid_rusage(pid)
            energy = decode_process.rusage(version, raw, timebase).energy
        except (OSError, DarwinMetricsError):
            continue  # gone, another user's, or a kernel without rusage v6
        if energy is not None and energy > 0:
            used.append((energy, pid))
    used.sort(reverse=True)
    found = []
    for energy, pid in used[:limit]:
        try:
            name: str | None = decode_process.kinfo(libproc.kinfo_proc(pid)).name
        except (OSError, DarwinMetricsError):
            name = None
        found.append(ProcessEnergy(pid=pid, name=name, energy_joules=energy))
    return tuple(found)


def read_power_management() -> PowerManagement:
    """On AC or battery, adapter watts, Low Power Mode, power assertions, top energy users."""
    on_ac: bool | None = None
    adapter_watts: float | None = None
    try:
        sources = read_power_sources()
        on_ac = sources.on_ac
        online = [a.watts for a in sources.adapters if a.online is not False and a.watts]
        adapter_watts = online[0] if online and on_ac else None
    except (OSError, DarwinMetricsError) as exc:
        log.debug("power sources: %s", exc)
    return PowerManagement(
        cores=(),
        on_ac=on_ac,
        low_power_mode=_low_power_mode(),
        adapter_watts=adapter_watts,
        assertions=_assertions(),
        top_energy=_top_energy_logged(),
    )


def _top_energy_logged() -> tuple[ProcessEnergy, ...]:
    try:
        return _top_energy()
    except (OSError, DarwinMetricsError) as exc:
        log.debug("top energy consumers: %s", exc)
        return ()
