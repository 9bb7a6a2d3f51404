"""Exact arithmetic for money: numbers from their text as Fractions, one rounding per bonus."""

from __future__ import annotations

import functools
import math
from decimal import Decimal

from pmrules.rational import Fraction

ROUNDING_MODES = ("half_up", "half_even", "down")


def exact(value: float | int | Decimal | Fraction | str) -> Fraction:
    """A YAML float is what its author wrote in decimal: repr() recovers that text exactly."""
    if isinstance(value, float):
        return _exact_float(value)
    return Fraction(value)


@functools.lru_cache(maxsize=65536)
def _exact_float(value: float) -> Fraction:
    # Weights, breakpoints and caps repeat across thousands of groups; convert each once.
    return Fraction(repr(value))


def round_to_quantum(value: Fraction, quantum: Decimal, mode: str) -> Decimal:
    """Round an exact amount to a multiple of `quantum` once; half_up rounds halves away from zero."""
    q = Fraction(quantum)
    units = value / q
    sign = -1 if units < 0 else 1
    magnitude = abs(units)
    whole = math.floor(magnitude)
    rest = magnitude - whole
    if mode == "down":
        n = whole
    elif mode == "half_up":
        n = whole + (1 if rest >= Fraction(1, 2) else 0)
    elif mode == "half_even":
        n = whole + (1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1) else 0)
    else:
        raise ValueError(f"unknown rounding mode {mode!r}")
    return (Decimal(sign * n) * quantum).quantize(quantum)


def fraction_text(value: Fraction) -> str:
    """`p/q` (or `p`): the exact value, for auditors who redo the sum."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def decimal_text(value: Fraction, places: int = 10) -> str:
    """A readable decimal of an exact value, without exponent; trailing zeros dropped."""
    scaled = round(value * 10**places)
    text = f"{Decimal(scaled).scaleb(-places):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
