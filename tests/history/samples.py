"""Hand-built samples for the history tests: known values at known times."""

from __future__ import annotations

from darwin_metrics.records import (
    CoreRates,
    CPURates,
    InterfaceRates,
    Rates,
    Sample,
    Snapshot,
    Temperatures,
    TemperatureSensor,
    Volume,
)


def volume(mount_point: str, used_percent: float, total: int = 100 << 30) -> Volume:
    return Volume(
        device="/dev/x",
        mount_point=mount_point,
        fs_type="ext4",
        options=(),
        read_only=False,
        total=total,
        used_percent=used_percent,
    )


def sample(
    t: float,
    *,
    cpu: float = 50.0,
    cores: tuple[float, ...] = (40.0, 60.0),
    rx: dict[str, float] | None = None,
    volumes: dict[str, float] | None = None,
    sensors: dict[str, tuple[str, float]] | None = None,
) -> Sample:
    """A sample at epoch second ``t``: CPU rates, interface rx rates, volumes and sensors."""
    rx = {"eth0": 1000.0, "lo": 10.0} if rx is None else rx
    volumes = {"/": 25.0} if volumes is None else volumes
    snapshot = Snapshot(
        timestamp=t,
        platform="linux",
        volumes=tuple(volume(m, p) for m, p in volumes.items()),
        temperatures=None
        if sensors is None
        else Temperatures(
            sensors=tuple(
                TemperatureSensor(chip="chip", sensor=name, kind=kind, celsius=value)
                for name, (kind, value) in sensors.items()
            )
        ),
    )
    rates = Rates(
        elapsed=1.0,
        cpu=CPURates(
            percent=cpu,
            cores=tuple(CoreRates(index=i, percent=p) for i, p in enumerate(cores)),
        ),
        interfaces=tuple(InterfaceRates(name=n, rx_bytes_per_second=v) for n, v in rx.items()),
    )
    return Sample(timestamp=t, snapshot=snapshot, elapsed=1.0, rates=rates)
