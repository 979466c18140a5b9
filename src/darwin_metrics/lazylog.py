"""Loggers that import :mod:`logging` only when a message can go somewhere.

Importing ``logging`` (with ``traceback``, ``string`` and ``textwrap`` behind it) costs a few
milliseconds, a noticeable share of a one-shot ``snapshot()``. The collectors log only at debug
level on their usual paths, and a debug message can only be seen through a handler that someone
configured, that is, after something imported ``logging``. So :meth:`LazyLogger.debug` passes
the message on when ``logging`` is already imported and drops it otherwise; warnings and errors
always import ``logging`` and go through it (its last-resort handler prints them to stderr).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import logging


class LazyLogger:
    """Stands in for ``logging.getLogger(name)`` with the methods the collectors use."""

    __slots__ = ("_logger", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger: logging.Logger | None = None

    def logger(self) -> logging.Logger:
        """The real logger (imports :mod:`logging` on first use)."""
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self.name)
        return self._logger

    def debug(self, msg: str, *args: object) -> None:
        """Log at debug level if :mod:`logging` is in use in this process, else drop it."""
        if self._logger is not None or "logging" in sys.modules:
            self.logger().debug(msg, *args, stacklevel=2)

    def warning(self, msg: str, *args: object) -> None:
        """Log at warning level (always through :mod:`logging`)."""
        self.logger().warning(msg, *args, stacklevel=2)

    def error(self, msg: str, *args: object) -> None:
        """Log at error level (always through :mod:`logging`)."""
        self.logger().error(msg, *args, stacklevel=2)


def get_logger(name: str) -> LazyLogger:
    """A :class:`LazyLogger` for module ``name`` (pass ``__name__``)."""
    return LazyLogger(name)
