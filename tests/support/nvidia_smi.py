"""Cross-check darwin-metrics' NVIDIA GPU records against ``nvidia-smi --query-gpu``.

Used by ``tests/test_gpu_live.py`` (the ``gpu`` marked test) and by ``scripts/gpu-check``. Stdlib
only, so it runs with a bare system Python that has nvidia-ml-py and pytest.

Tolerances:

- exact: ``index``, ``name``, ``uuid``, ``pci.bus_id`` (both in the Linux ``0000:3b:00.0`` form),
  ``driver_version``, ``memory.total`` (nvidia-smi prints whole MiB: ours must round down to it),
  ``clocks.max.gr`` (MHz), ``power.limit`` (to 0.01 W, against the enforced limit when it differs).
- live values, compared as ``ours_before ≤ theirs ≤ ours_after`` widened by a tolerance and retried
  up to :data:`ATTEMPTS` times, because the GPU changes between the two tools' reads:
  ``memory.used`` ±max(64 MiB, 1 % of total); ``temperature.gpu`` ±3 °C; ``power.draw``
  ±max(15 W, 15 %); ``clocks.gr``/``clocks.sm``/``clocks.mem`` ±max(100 MHz, 10 %); ``pstate``
  equal to one of ours; ``utilization.gpu`` ±15 points; compute processes: the same PIDs, memory to
  the MiB.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from darwin_metrics.nvml import normalize_pci_bus_id
from darwin_metrics.records.gpu import GPU

MIB = 1024 * 1024
ATTEMPTS = 4

QUERY = (
    "index",
    "name",
    "uuid",
    "pci.bus_id",
    "driver_version",
    "memory.total",
    "memory.used",
    "temperature.gpu",
    "power.draw",
    "power.limit",
    "clocks.gr",
    "clocks.sm",
    "clocks.mem",
    "clocks.max.gr",
    "pstate",
    "utilization.gpu",
)
#: Asked separately: an nvidia-smi that lacks it must not break the main query.
OPTIONAL_QUERY = ("uuid", "enforced.power.limit")

_ABSENT = {"", "n/a", "[n/a]", "[not supported]", "not supported", "[unknown error]"}


@dataclass
class Check:
    """One comparison: which GPU and field, our value, the reference (nvidia-smi's value or the
    expected bound), the rule, and whether it held."""

    gpu: str
    field: str
    ours: object
    theirs: object
    rule: str
    ok: bool

    def line(self) -> str:
        mark = "ok      " if self.ok else "MISMATCH"
        return (
            f"{mark} gpu {self.gpu:<4} {self.field:<22} ours={self.ours!s:<28} "
            f"ref={self.theirs!s:<24} ({self.rule})"
        )


def have_nvidia_smi() -> bool:
    return shutil.which("nvidia-smi") is not None


def query(fields: Sequence[str], *, kind: str = "gpu", timeout: float = 60) -> list[dict[str, str]]:
    """Rows of ``nvidia-smi --query-<kind>=<fields> --format=csv,noheader,nounits``."""
    out = subprocess.run(
        ["nvidia-smi", f"--query-{kind}={','.join(fields)}", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    ).stdout
    rows = []
    for line in out.splitlines():
        if not line.strip() or line.startswith("No running"):
            continue
        values = [v.strip() for v in line.split(",")]
        if len(values) != len(fields):
            raise ValueError(
                f"nvidia-smi row has {len(values)} values, expected {len(fields)}: {line!r}"
            )
        rows.append(dict(zip(fields, values, strict=True)))
    return rows


def value(text: str | None) -> str | None:
    """``None`` for nvidia-smi's ``[N/A]``/``[Not Supported]`` markers."""
    if text is None or text.strip().lower() in _ABSENT:
        return None
    return text.strip()


def number(text: str | None) -> float | None:
    v = value(text)
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        return None


def _bracket(a: float | None, b: float | None, theirs: float | None, tol: float) -> bool:
    known = [x for x in (a, b) if x is not None]
    if theirs is None or not known:
        return theirs is None and not known
    return min(known) - tol <= theirs <= max(known) + tol


def compare_static(gpu: GPU, row: dict[str, str], enforced: float | None) -> list[Check]:
    """The exact checks for one GPU."""
    tag = str(gpu.device_index)
    checks = [
        Check(
            tag,
            "index",
            gpu.device_index,
            row["index"],
            "exact",
            str(gpu.device_index) == row["index"],
        ),
        Check(tag, "name", gpu.name, row["name"], "exact", gpu.name == value(row["name"])),
        Check(tag, "uuid", gpu.uuid, row["uuid"], "exact", gpu.uuid == value(row["uuid"])),
    ]
    smi_bus = value(row["pci.bus_id"])
    checks.append(
        Check(
            tag,
            "pci.bus_id",
            gpu.pci_bus_id,
            smi_bus,
            "exact (Linux form)",
            smi_bus is not None and gpu.pci_bus_id == normalize_pci_bus_id(smi_bus),
        )
    )
    checks.append(
        Check(
            tag,
            "driver_version",
            gpu.driver_version,
            row["driver_version"],
            "exact",
            gpu.driver_version == value(row["driver_version"]),
        )
    )
    total = number(row["memory.total"])
    checks.append(
        Check(
            tag,
            "memory.total (MiB)",
            None if gpu.memory_total is None else gpu.memory_total / MIB,
            total,
            "exact: floor(bytes / MiB)",
            gpu.memory_total is not None and total is not None and gpu.memory_total // MIB == total,
        )
    )
    max_gr = number(row["clocks.max.gr"])
    ours_max = None if gpu.graphics_max_hertz is None else gpu.graphics_max_hertz / 1e6
    checks.append(Check(tag, "clocks.max.gr (MHz)", ours_max, max_gr, "exact", ours_max == max_gr))
    limit = number(row["power.limit"])
    candidates = [x for x in (limit, enforced) if x is not None]
    checks.append(
        Check(
            tag,
            "power.limit (W)",
            gpu.power_limit_watts,
            limit if enforced is None or enforced == limit else f"{limit} / enforced {enforced}",
            "±0.01 W (limit or enforced limit)",
            (gpu.power_limit_watts is None and not candidates)
            or (
                gpu.power_limit_watts is not None
                and any(abs(gpu.power_limit_watts - c) <= 0.01 for c in candidates)
            ),
        )
    )
    return checks


def compare_live(before: GPU, row: dict[str, str], after: GPU) -> list[Check]:
    """The live checks for one GPU (ours read just before and just after nvidia-smi)."""
    tag = str(before.device_index)
    checks = []

    def mhz(g: GPU, attr: str) -> float | None:
        v = getattr(g, attr)
        return None if v is None else v / 1e6

    total = before.memory_total or 0
    specs: list[
        tuple[str, Callable[[GPU], float | None], float | Callable[[float], float], str]
    ] = [
        (
            "memory.used",
            lambda g: None if g.memory_used is None else g.memory_used / MIB,
            max(64.0, total / MIB * 0.01),
            "±max(64 MiB, 1% of total), MiB",
        ),
        ("temperature.gpu", lambda g: g.temperature_celsius, 3.0, "±3 °C"),
        ("power.draw", lambda g: g.power_watts, lambda x: max(15.0, 0.15 * x), "±max(15 W, 15%)"),
        (
            "clocks.gr",
            lambda g: mhz(g, "graphics_hertz"),
            lambda x: max(100.0, 0.1 * x),
            "±max(100 MHz, 10%)",
        ),
        (
            "clocks.sm",
            lambda g: mhz(g, "sm_hertz"),
            lambda x: max(100.0, 0.1 * x),
            "±max(100 MHz, 10%)",
        ),
        (
            "clocks.mem",
            lambda g: mhz(g, "memory_hertz"),
            lambda x: max(100.0, 0.1 * x),
            "±max(100 MHz, 10%)",
        ),
        ("utilization.gpu", lambda g: g.utilization_percent, 15.0, "±15 points"),
    ]
    for field, get, tol, rule in specs:
        theirs = number(row[field])
        a, b = get(before), get(after)
        t = (
            tol(theirs)
            if callable(tol) and theirs is not None
            else (tol if not callable(tol) else 0.0)
        )
        checks.append(
            Check(tag, field, a if a == b else f"{a}..{b}", theirs, rule, _bracket(a, b, theirs, t))
        )
    pstate = value(row["pstate"])
    ours = {before.performance_state, after.performance_state}
    checks.append(
        Check(
            tag,
            "pstate",
            "/".join(sorted(str(p) for p in ours)),
            pstate,
            "equal to one of ours",
            pstate in ours,
        )
    )
    return checks


def compare_processes(before: GPU, apps: list[dict[str, str]], after: GPU) -> list[Check]:
    """Compute processes on this GPU: same PIDs and used memory (MiB) as ``--query-compute-apps``."""
    tag = str(before.device_index)

    def ours(g: GPU) -> dict[int, float | None]:
        return {
            p.pid: (None if p.used_memory is None else p.used_memory // MIB)
            for p in (g.processes or ())
            if p.type in ("compute", "compute+graphics")
        }

    theirs = {}
    for app in apps:
        if value(app.get("gpu_uuid")) != before.uuid:
            continue
        pid = number(app.get("pid"))
        if pid is not None:
            theirs[int(pid)] = number(app.get("used_memory"))
    a, b = ours(before), ours(after)
    ok = theirs in (a, b) or (
        set(theirs) in (set(a), set(b)) and all(v is None for v in theirs.values())
    )
    return [Check(tag, "compute processes", a, theirs, "same PIDs, memory to the MiB", ok)]


def cross_check(read: Callable[[], tuple[GPU, ...]]) -> list[Check]:
    """Every check for every NVIDIA GPU, retrying live checks that fail (see the module docstring).

    ``read`` returns our NVIDIA GPU records (``darwin_metrics.nvml.read_nvidia_gpus``).
    """
    first = read()
    rows = {r["uuid"]: r for r in query(QUERY)}
    try:
        enforced = {r["uuid"]: number(r["enforced.power.limit"]) for r in query(OPTIONAL_QUERY)}
    except (subprocess.CalledProcessError, ValueError):
        enforced = {}
    checks: list[Check] = []
    ours_by_uuid = {g.uuid: g for g in first}
    checks.append(
        Check("all", "GPU count", len(first), len(rows), "exact", len(first) == len(rows))
    )
    for uuid, row in rows.items():
        gpu = ours_by_uuid.get(uuid)
        if gpu is None:
            checks.append(Check(row["index"], "present", None, uuid, "same UUIDs", False))
            continue
        checks.extend(compare_static(gpu, row, enforced.get(uuid)))
    live: dict[tuple[str, str], Check] = {}
    for _attempt in range(ATTEMPTS):
        before = {g.uuid: g for g in read()}
        rows = {r["uuid"]: r for r in query(QUERY)}
        apps = _compute_apps()
        after = {g.uuid: g for g in read()}
        for uuid, row in rows.items():
            if uuid not in before or uuid not in after:
                continue
            found = compare_live(before[uuid], row, after[uuid])
            if apps is not None:
                found += compare_processes(before[uuid], apps, after[uuid])
            for c in found:
                key = (c.gpu, c.field)
                if key not in live or not live[key].ok:
                    live[key] = c
        if all(c.ok for c in live.values()):
            break
        time.sleep(0.5)
    checks.extend(live.values())
    return checks


def _compute_apps() -> list[dict[str, str]] | None:
    try:
        return query(("gpu_uuid", "pid", "used_memory"), kind="compute-apps")
    except (subprocess.CalledProcessError, ValueError, subprocess.TimeoutExpired):
        return None


def energy_rate(read: Callable[[], tuple[GPU, ...]], seconds: float = 2.0) -> list[Check]:
    """The energy counter's rate (J/s) over ``seconds`` against the mean power draw (W):
    ±max(20 W, 25 %), retried. Checks the mJ→J and mW→W conversions against each other."""
    result: dict[str, Check] = {}
    for _attempt in range(3):
        start = time.monotonic()
        first = {g.uuid: g for g in read()}
        time.sleep(seconds)
        second = {g.uuid: g for g in read()}
        elapsed = time.monotonic() - start
        for uuid, a in first.items():
            b = second.get(uuid)
            if b is None or a.energy_joules is None or b.energy_joules is None:
                continue
            draws = [x for x in (a.power_watts, b.power_watts) if x is not None]
            if not draws:
                continue
            rate = (b.energy_joules - a.energy_joules) / elapsed
            mean = sum(draws) / len(draws)
            ok = abs(rate - mean) <= max(20.0, 0.25 * mean)
            tag = str(a.device_index)
            if tag not in result or not result[tag].ok:
                result[tag] = Check(
                    tag,
                    "energy rate (W)",
                    round(rate, 2),
                    f"draw {mean:.2f}",
                    "±max(20 W, 25%)",
                    ok,
                )
        if all(c.ok for c in result.values()):
            break
    return list(result.values())


def sanity(gpu: GPU) -> list[Check]:
    """Invariants of one NVIDIA record that need no second tool."""
    tag = str(gpu.device_index)
    checks = [Check(tag, "not lost", gpu.lost, False, "lost is False", not gpu.lost)]
    if gpu.memory_total is not None and gpu.memory_used is not None and gpu.memory_free is not None:
        parts = gpu.memory_used + gpu.memory_free + (gpu.memory_reserved or 0)
        checks.append(
            Check(
                tag,
                "used+free+reserved",
                parts,
                gpu.memory_total,
                "≤ total, within 1%",
                abs(parts - gpu.memory_total) <= gpu.memory_total * 0.01,
            )
        )
    if gpu.temperature_celsius is not None:
        checks.append(
            Check(
                tag,
                "temperature range",
                gpu.temperature_celsius,
                "0..120",
                "°C",
                0 <= gpu.temperature_celsius <= 120,
            )
        )
    for key in ("graphics", "sm", "memory"):
        attr = f"{key}_hertz"
        cur, top = getattr(gpu, attr), getattr(gpu, f"{key}_max_hertz")
        if cur is not None:
            checks.append(
                Check(
                    tag, f"{attr} unit", cur, "multiple of 1e6", "Hz from MHz", cur % 1_000_000 == 0
                )
            )
        if cur is not None and top is not None:
            checks.append(
                Check(tag, f"{attr} ≤ max", cur, top, "current ≤ max + 5%", cur <= top * 1.05)
            )
    if gpu.power_watts is not None and gpu.power_limit_watts is not None:
        checks.append(
            Check(
                tag,
                "power draw ≤ 1.5 limit",
                gpu.power_watts,
                gpu.power_limit_watts,
                "W",
                gpu.power_watts <= 1.5 * gpu.power_limit_watts,
            )
        )
    if gpu.throttle_reasons is not None:
        from darwin_metrics.nvml import CLOCK_EVENT_REASONS

        known = {n for _, n in CLOCK_EVENT_REASONS}
        bad = [r for r in gpu.throttle_reasons if r not in known]
        checks.append(
            Check(
                tag,
                "throttle reason names",
                gpu.throttle_reasons,
                "known names",
                "decoded",
                not bad,
            )
        )
    if gpu.pcie_link_generation is not None:
        checks.append(
            Check(
                tag,
                "pcie generation",
                gpu.pcie_link_generation,
                "1..6",
                "range",
                1 <= gpu.pcie_link_generation <= 6,
            )
        )
    return checks
