"""Strict number parsing shared by the kernel-file parsers.

Python's ``int()`` and ``float()`` accept far more than the kernel ever prints (signs, underscores,
surrounding blanks, non-ASCII digits, ``nan``, exponents). These helpers accept only the kernel's
decimal forms and turn everything else into :class:`~darwin_metrics.errors.ParseError`.
"""

from __future__ import annotations

from darwin_metrics.errors import ParseError

#: The largest value of an unsigned 64-bit kernel counter.
U64_MAX = 2**64 - 1
_U64_DIGITS = 20
_DECIMAL_MAX_LEN = 40


def u64(token: bytes, source: str, what: str) -> int:
    """``token`` as an unsigned decimal integer that fits 64 bits, or ParseError naming ``what``."""
    if not token.isdigit() or len(token) > _U64_DIGITS:
        raise ParseError(source, f"{what}: not an unsigned integer: {token[:40]!r}")
    value = int(token)
    if value > U64_MAX:
        raise ParseError(source, f"{what}: {value} does not fit in 64 bits")
    return value


def decimal(token: bytes, source: str, what: str) -> float:
    """``token`` as a non-negative decimal such as ``0.37`` or ``800`` (no sign, no exponent).

    Raises ParseError for anything else; the length limit keeps the result finite.
    """
    whole, dot, frac = token.partition(b".")
    if not whole.isdigit() or (dot and not frac.isdigit()) or len(token) > _DECIMAL_MAX_LEN:
        raise ParseError(source, f"{what}: not a decimal number: {token[:40]!r}")
    return float(token)


def decimal_scaled(token: bytes, digits: int, source: str, what: str) -> int:
    """A non-negative decimal times ``10**digits``, computed exactly (extra fraction digits are
    truncated): ``decimal_scaled(b"799.989", 6, ...)`` is ``799989000``."""
    whole, dot, frac = token.partition(b".")
    if not whole.isdigit() or (dot and not frac.isdigit()) or len(token) > _DECIMAL_MAX_LEN:
        raise ParseError(source, f"{what}: not a decimal number: {token[:40]!r}")
    frac = frac[:digits].ljust(digits, b"0")
    return int(whole + frac)
