"""The exceptions darwin-metrics raises.

Every error raised on purpose derives from :class:`DarwinMetricsError`, so callers can catch one type.
A value the platform cannot give is ``None`` in a record, never an exception; these exceptions are for
explicit requests that cannot be met.
"""

from __future__ import annotations


class DarwinMetricsError(Exception):
    """Base class of every error raised by darwin-metrics."""


class NotSupported(DarwinMetricsError):
    """The requested family or operation is not available on this platform or machine."""


class AccessDenied(DarwinMetricsError):
    """The operating system refused access (permissions, root required, ptrace rules)."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class NoSuchProcess(DarwinMetricsError):
    """The process does not exist (any more)."""

    def __init__(self, pid: int, message: str | None = None) -> None:
        super().__init__(message or f"no process with pid {pid}")
        self.pid = pid


class ParseError(DarwinMetricsError):
    """A kernel file or OS answer did not have the documented format.

    ``source`` names what was being parsed (a path such as ``/proc/stat`` or a call name).
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"cannot parse {source}: {reason}")
        self.source = source
        self.reason = reason


class FanControlError(DarwinMetricsError):
    """A fan-control request could not be carried out safely (the fan is left safe)."""


class StorageError(DarwinMetricsError):
    """The history database cannot be opened, read or written (read-only location, disk full,
    a file that is not a darwin-metrics database, a schema newer than this version knows).

    ``path`` is the database file.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path
