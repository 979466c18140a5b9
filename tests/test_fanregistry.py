"""The fan-control pieces both platforms share: finding a fan, and the registry that restores
every held fan at exit and on SIGTERM, SIGINT and SIGHUP."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import pytest

from darwin_metrics.errors import FanControlError, NotSupported
from darwin_metrics.fanregistry import HANDLED_SIGNALS, ActiveControllers, Watchdog, find_fan
from darwin_metrics.records.sensors import Fan


def _fan(chip: str, index: int, label: str | None = None) -> Fan:
    return Fan(
        chip=chip, name=f"fan{index}", index=index, label=label, rpm=1200, path=f"/sys/{chip}"
    )


FANS = (_fan("nct6779", 1, "CPU"), _fan("nct6779", 2, "Case"), _fan("it8728", 1))


class Holder:
    """A controller as the registry sees it, recording its restores."""

    def __init__(self, fan: Fan, fail: bool = False) -> None:
        self.fan = fan
        self.fail = fail
        self.restored = 0

    def restore(self) -> None:
        self.restored += 1
        if self.fail:
            raise OSError("the chip went away")


def test_find_fan_by_id_unique_name_or_label() -> None:
    assert find_fan(FANS, "it8728/fan1") is FANS[2]
    assert find_fan(FANS, "fan2") is FANS[1]
    assert find_fan(FANS, "CPU") is FANS[0]
    assert find_fan(FANS, FANS[1]) is FANS[1]


def test_find_fan_ambiguous_name_and_missing_fan() -> None:
    with pytest.raises(FanControlError, match="nct6779/fan1, it8728/fan1"):
        find_fan(FANS, "fan1")
    with pytest.raises(NotSupported, match="no fan 'fan9'"):
        find_fan(FANS, "fan9")


def test_one_controller_per_fan_and_handlers_follow_the_registry() -> None:
    registry: ActiveControllers[str] = ActiveControllers()
    before = {s: signal.getsignal(s) for s in HANDLED_SIGNALS}
    first = Holder(FANS[0])
    registry.add("pwm1", first)
    try:
        assert "pwm1" in registry
        assert all(signal.getsignal(s) is registry._handler for s in HANDLED_SIGNALS)
        with pytest.raises(FanControlError, match="already controlled"):
            registry.add("pwm1", Holder(FANS[0]))
        registry.add("pwm2", Holder(FANS[1]))
        registry.discard("pwm2")
        # one fan still held: the handlers stay
        assert signal.getsignal(signal.SIGTERM) is registry._handler
    finally:
        registry.discard("pwm1")
    assert "pwm1" not in registry
    assert {s: signal.getsignal(s) for s in HANDLED_SIGNALS} == before


def test_restore_all_goes_on_after_a_failure() -> None:
    registry: ActiveControllers[int] = ActiveControllers()
    broken, fine = Holder(FANS[0], fail=True), Holder(FANS[1])
    registry.controllers.update({0: broken, 1: fine})
    registry.restore_all()
    assert (broken.restored, fine.restored) == (1, 1)


def test_signal_restores_then_runs_the_previous_handler() -> None:
    seen: list[int] = []

    def previous(signum: int, frame: FrameType | None) -> None:
        seen.append(signum)

    old = signal.signal(signal.SIGHUP, previous)
    registry: ActiveControllers[str] = ActiveControllers()
    held = Holder(FANS[0])
    try:
        registry.add("pwm1", held)
        signal.raise_signal(signal.SIGHUP)
        assert held.restored == 1
        assert seen == [signal.SIGHUP]
        registry.discard("pwm1")
        assert signal.getsignal(signal.SIGHUP) is previous
    finally:
        signal.signal(signal.SIGHUP, old)


def test_watchdog_looks_until_the_fan_is_handed_back() -> None:
    looks: list[int] = []
    done = threading.Event()

    def check() -> bool:
        looks.append(1)
        if len(looks) == 3:
            done.set()
            return True
        return False

    dog = Watchdog("fan-watchdog-test", 0.005, check)
    dog.start()
    assert done.wait(5)
    dog.stop()
    assert len(looks) == 3  # no look after it answered True


def test_watchdog_without_interval_runs_no_thread() -> None:
    before = threading.active_count()
    dog = Watchdog("fan-watchdog-test", 0, lambda: False)
    dog.start()
    assert threading.active_count() == before
    dog.stop()
