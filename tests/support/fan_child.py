"""A process that drives a fan of a fixture tree, for the fan-control restore tests.

``python -m tests.support.fan_child PROCFS SYSFS STATE_DIR MODE``; MODE is
``hold`` (set 40 %, print ``ready``, sleep until signalled or killed),
``previous-handler`` (as ``hold``, with a SIGHUP handler installed first that prints and exits 3),
or ``atexit`` (enter without ``with``, set 40 %, print ``ready`` and exit normally).
"""

from __future__ import annotations

import signal
import sys
import time
from types import FrameType

from darwin_metrics.linux import fancontrol
from darwin_metrics.linux.backend import LinuxBackend

FAN = "nct6779/fan1"


def _previous(signum: int, frame: FrameType | None) -> None:
    print(f"previous handler {signum}", flush=True)
    sys.exit(3)


def main(procfs: str, sysfs: str, state_dir: str, mode: str) -> int:
    fancontrol.is_root = lambda: True  # the tree is a private copy: no root needed to drive it
    backend = LinuxBackend(procfs=procfs, sysfs=sysfs)
    options = {"state_dir": state_dir, "spin_check": 0.0, "watchdog_interval": 0.0}
    if mode == "previous-handler":
        signal.signal(signal.SIGHUP, _previous)
    if mode == "atexit":
        control = backend.fan_control(FAN, **options).__enter__()
        control.set_duty(40)
        print("ready", flush=True)
        return 0
    with backend.fan_control(FAN, **options) as control:
        control.set_duty(40)
        print("ready", flush=True)
        time.sleep(120)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
