"""Strict number parsing shared by the kernel-file parsers.

Python's ``int()`` and ``float()`` accept far more than the kernel ever prints (signs, underscores,
surrounding blanks, non-ASCII digits, ``nan``, exponents) and raise ``ValueError`` past 4,300
digits. These helpers accept only the kernel's decimal forms and turn everything else into
:class:`~darwin_metrics.errors.ParseError`. Every Linux parser parses its numbers here.

The rules, for every parser:

* a **counter** (:func:`u64`) is a non-negative integer below 2**64; anything else is a ParseError;
* a signed kernel **integer** (:func:`integer`) fits 64 bits (``-2**63`` … ``2**64 - 1``: sysfs
  prints both ``s64`` and ``u64``);
* a value outside its **physical range** (a negative energy, an MTU of -1, a percentage of 300)
  is ``None`` (:func:`in_range`), so a record never carries an impossible number.
"""

from __future__ import annotations

from typing import TypeVar

from darwin_metrics.errors import ParseError

N = TypeVar("N", int, float)

#: The largest value of an unsigned 64-bit kernel counter.
U64_MAX = 2**64 - 1
#: The smallest value of a signed 64-bit kernel integer.
S64_MIN = -(2**63)
_U64_DIGITS = 20
_DECIMAL_MAX_LEN = 40


def _as_bytes(token: bytes | str) -> bytes:
    return token if isinstance(token, bytes) else token.encode("utf-8", "surrogateescape")


def u64(token: bytes | str, source: str, what: str = "counter") -> int:
    """``token`` as an unsigned decimal integer that fits 64 bits, or ParseError naming ``what``
    (no sign, no white space)."""
    token = _as_bytes(token)
    if not token.isdigit() or len(token) > _U64_DIGITS:
        raise ParseError(source, f"{what}: not an unsigned integer: {token[:40]!r}")
    value = int(token)
    if value > U64_MAX:
        raise ParseError(source, f"{what}: {value} does not fit in 64 bits")
    return value


def integer(token: bytes | str, source: str, what: str = "value") -> int:
    """``token`` as a decimal integer as the kernel prints one (an optional minus sign, ASCII
    digits, surrounding white space) that fits 64 bits; ParseError otherwise. Stricter than
    ``int()``, which also takes ``+5``, ``1_000`` and non-ASCII digits."""
    token = _as_bytes(token).strip()
    digits = token[1:] if token[:1] == b"-" else token
    if not digits.isdigit() or len(digits) > _U64_DIGITS:  # bytes.isdigit: ASCII digits only
        raise ParseError(source, f"{what}: not an integer: {token[:40]!r}")
    value = int(token)
    if not S64_MIN <= value <= U64_MAX:
        raise ParseError(source, f"{what}: {value} does not fit in 64 bits")
    return value


def numbered(name: str, prefix: str) -> int | None:
    """The number of a directory entry named ``prefix`` and ASCII digits (``numbered("cpu12",
    "cpu")`` is 12); ``None`` for any other name (``cpufreq``, ``cpu``)."""
    if not name.startswith(prefix):
        return None
    digits = name[len(prefix) :]
    return int(digits) if digits.isascii() and digits.isdigit() else None


def in_range(value: N | None, low: float | None = None, high: float | None = None) -> N | None:
    """``value`` when it lies in ``[low, high]`` (either bound may be left out), else ``None``:
    the rule for a number outside its physical range."""
    if value is None:
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        return None
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
