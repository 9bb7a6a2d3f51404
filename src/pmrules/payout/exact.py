"""Exact numbers: YAML and CSV values as the Fractions their authors wrote, and exact values as text.

Rounding money lives in `payout/rounding.py`.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from pmrules.rational import Fraction


def exact(value: float | int | Decimal | Fraction | str) -> Fraction:
    """A YAML float is what its author wrote in decimal: repr() recovers that text exactly."""
    kind = type(value)
    if kind is float:
        return _exact_float(value)  # type: ignore[arg-type]
    if kind is int:
        return _exact_int(value)  # type: ignore[arg-type]
    if isinstance(value, float):
        return _exact_float(value)
    return Fraction(value)


@functools.lru_cache(maxsize=65536)
def _exact_float(value: float) -> Fraction:
    # Weights, breakpoints and caps repeat across thousands of groups; convert each once.
    return Fraction(repr(value))


@functools.lru_cache(maxsize=65536)
def _exact_int(value: int) -> Fraction:
    # Whole-number breakpoints and weights repeat as much (Fractions are immutable: sharing one is safe).
    return Fraction(value)


def fraction_text(value: Fraction) -> str:
    """`p/q` (or `p`): the exact value, for auditors who redo the sum."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def format_decimal(value: Fraction, places: int = 10) -> str:
    """A readable decimal of an exact value, without exponent; trailing zeros dropped."""
    scaled = round(value * 10**places)
    text = f"{Decimal(scaled).scaleb(-places):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
