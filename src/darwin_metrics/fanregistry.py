"""What every platform's fan control shares: finding the fan asked for, the temperature watchdog's
thread, and the registry of the controllers that hold a fan now, restored at exit and on SIGTERM,
SIGINT and SIGHUP.

Linux (:mod:`darwin_metrics.linux.fancontrol`, PWM through hwmon) and macOS
(:mod:`darwin_metrics.darwin.fancontrol`, the SMC) each keep one :class:`ActiveControllers`,
keyed by what identifies a fan there (the PWM file, the SMC fan index).
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, Generic, Protocol, TypeVar

from darwin_metrics.errors import FanControlError, NotSupported
from darwin_metrics.lazylog import get_logger
from darwin_metrics.records.sensors import Fan

log = get_logger(__name__)

#: Signals after which every active controller restores its fan before the previous handler runs.
HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

K = TypeVar("K")


class Restorable(Protocol):
    """A controller as the registry sees it: the fan it holds and how to give it back."""

    @property
    def fan(self) -> Fan: ...

    def restore(self) -> None: ...


def find_fan(fans: tuple[Fan, ...], fan: Fan | str) -> Fan:
    """``fan`` itself, or the fan among ``fans`` whose id (``nct6779/fan1``) or, if unique, name
    (``fan1``) or label is ``fan``. :class:`FanControlError` when the name is ambiguous,
    :class:`NotSupported` when there is no such fan here."""
    if isinstance(fan, Fan):
        return fan
    for candidate in fans:
        if candidate.id == fan:
            return candidate
    matches = [f for f in fans if fan in (f.name, f.label)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(f.id for f in matches)
        raise FanControlError(f"fan name {fan!r} is ambiguous here: use one of {ids}")
    raise NotSupported(f"no fan {fan!r} on this machine")


class ActiveControllers(Generic[K]):
    """The controllers of one platform that hold a fan now, by key.

    While it holds any, the handlers of :data:`HANDLED_SIGNALS` restore every fan and then run
    the handler that was there before (or the default action, re-raised); an ``atexit`` hook does
    the same at a normal exit. Handlers can only be installed from the main thread; elsewhere
    only the ``atexit`` hook guards the fans. Safe to use from several threads.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        #: key → the controller holding that fan (read under :attr:`lock`).
        self.controllers: dict[K, Restorable] = {}
        self._previous_handlers: dict[int, Any] = {}
        self._atexit_registered = False
        # One bound method kept, so that ``signal.getsignal(...) is self._handler`` holds.
        self._handler: Callable[[int, FrameType | None], None] = self._on_signal

    def __contains__(self, key: object) -> bool:
        with self.lock:
            return key in self.controllers

    def add(self, key: K, controller: Restorable) -> None:
        """Register ``controller`` under ``key``; :class:`FanControlError` when a controller of
        this process already holds that fan."""
        with self.lock:
            if key in self.controllers:
                raise FanControlError(
                    f"fan {controller.fan.id} is already controlled in this process"
                )
            self.controllers[key] = controller
            self._install_handlers()

    def discard(self, key: K) -> None:
        """Forget the controller under ``key``; the signal handlers go with the last one."""
        with self.lock:
            self.controllers.pop(key, None)
            if not self.controllers:
                self._uninstall_handlers()

    def restore_all(self) -> None:
        """Restore every registered fan; one failed restore does not stop the others."""
        with self.lock:
            controllers = list(self.controllers.values())
        for controller in controllers:
            try:
                controller.restore()
            except Exception as exc:  # a restore must never stop the others
                log.error("restoring %s failed: %r", controller.fan.id, exc)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.restore_all()
        previous = self._previous_handlers.get(signum, signal.SIG_DFL)
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    def _install_handlers(self) -> None:
        if not self._atexit_registered:
            atexit.register(self.restore_all)
            self._atexit_registered = True
        if threading.current_thread() is not threading.main_thread():
            log.debug("not in the main thread: signal handlers not installed (atexit restores)")
            return
        for signum in HANDLED_SIGNALS:
            current = signal.getsignal(signum)
            if current is self._handler:
                continue
            self._previous_handlers[signum] = current
            signal.signal(signum, self._handler)

    def _uninstall_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, previous in list(self._previous_handlers.items()):
            if signal.getsignal(signum) is self._handler:
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
            del self._previous_handlers[signum]


class Watchdog:
    """A daemon thread that calls ``check()`` every ``interval`` seconds while a controller holds
    its fan, until :meth:`stop` or until ``check()`` answers True (the fan was handed back).
    An ``interval`` of 0 or less runs no thread."""

    def __init__(self, name: str, interval: float, check: Callable[[], bool]) -> None:
        self.name = name
        self.interval = interval
        self._check = check
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        if self.interval > 0:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """End the thread (waiting up to 5 s for it, unless called from it)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self._check():
                return
