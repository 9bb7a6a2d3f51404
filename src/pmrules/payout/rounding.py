"""Every rounding of money, in one place: one rounding per bonus, pools, and units back to Decimal.

A bonus is held as an integer count of rounding quanta ("units"). Millions of them are rounded in
NumPy; a product that lands within a hair of a rounding boundary (a half quantum, or a whole one for
`down`) is re-done exactly, so every bonus equals the exact rational amount rounded once. This module
imports nothing of the payout run: callers hand it numbers and get units back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from pmrules.rational import Fraction

ROUNDING_MODES = ("half_up", "half_even", "down")
# A float product within this distance (in quanta) of a rounding boundary is re-done exactly; float
# error of the product is below 1e-15 relative, so this margin is many orders wider than needed.
BOUNDARY_MARGIN_ABS = 1e-6
BOUNDARY_MARGIN_REL = 1e-11


def units_to_decimal(units: int | np.integer, quantum: Decimal) -> Decimal:
    """The one conversion of a count of quanta to money: exact, with the quantum's decimal places."""
    return (Decimal(int(units)) * quantum).quantize(quantum)


def exact_units(value: Fraction, quantum: Decimal, mode: str) -> int:
    """An exact amount rounded once to a whole number of quanta; half_up rounds halves away from zero."""
    units = value / Fraction(quantum)
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
    return sign * n


def scaled_units(units: np.ndarray, ratio: Fraction, mode: str) -> np.ndarray | None:
    """Whole quanta times an exact ratio, rounded once like exact_units, for many at once in int64.

    None when a product could leave int64 (the caller then rounds one by one, exactly).
    """
    n, d = ratio.numerator, ratio.denominator
    if mode not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding mode {mode!r}")
    magnitude = np.abs(units.astype(np.int64))
    if len(units) and (abs(n) >= 2**31 or d >= 2**31 or int(np.max(magnitude)) >= 2**62 // max(abs(n), 2 * d, 1)):
        return None
    product = magnitude * abs(n)
    whole, rest = np.divmod(product, d)
    if mode == "half_up":
        whole += 2 * rest >= d
    elif mode == "half_even":
        whole += (2 * rest > d) | ((2 * rest == d) & (whole % 2 == 1))
    sign = np.where((units < 0) != (n < 0), -1, 1)
    return np.where(product == 0, 0, sign * whole)


def round_to_quantum(value: Fraction, quantum: Decimal, mode: str) -> Decimal:
    """An exact amount rounded once to a multiple of `quantum`, as money."""
    return units_to_decimal(exact_units(value, quantum, mode), quantum)


def round_units(approx: np.ndarray, paid: np.ndarray, quantum: Decimal, mode: str,
                exact_bonus: Callable[[int], Fraction]) -> tuple[np.ndarray, int]:
    """Round float amounts given in quanta to int64 units, 0 where not paid.

    Rows near a boundary are rounded from `exact_bonus(row)` instead (an amount of money, not quanta).
    Returns the units and how many rows took the exact path.
    """
    magnitude = np.abs(approx)
    whole = np.floor(magnitude)
    rest = magnitude - whole
    margin = BOUNDARY_MARGIN_ABS + BOUNDARY_MARGIN_REL * magnitude
    if mode == "down":
        rounded = whole
        near = (rest < margin) | (rest > 1 - margin)
    else:
        rounded = np.rint(magnitude) if mode == "half_even" else np.floor(magnitude + 0.5)
        near = np.abs(rest - 0.5) < margin
    result = np.where(approx < 0, -rounded, rounded)
    units = np.where(paid, result, 0).astype(np.int64)
    exact_rows = np.flatnonzero(near & paid)
    for i in exact_rows:
        units[i] = exact_units(exact_bonus(int(i)), quantum, mode)
    return units, len(exact_rows)


@dataclass(frozen=True)
class PoolResult:
    amount: Decimal
    unscaled_total: Decimal
    factor: Fraction | None
    leftover_units: int
    distributable: bool


def allocate_pool(bonuses: Sequence[Fraction], rounded: np.ndarray, keys: Sequence[str], amount: Decimal,
                  quantum: Decimal) -> tuple[np.ndarray, PoolResult]:
    """Shares of a fixed pool, pro rata to exact bonuses, as new int64 units in the order given.

    Each share = pool x bonus / sum of bonuses, floored to the quantum; the units left over go one each
    to the largest remainders, ties broken by `keys` ascending (employee ids), so the shares sum to the
    pool exactly. `rounded` holds the bonuses' units before the pool: their total is reported, and they
    are returned unchanged (as a copy) when the bonuses sum to zero and there is nothing to scale.
    """
    unscaled = units_to_decimal(rounded.sum(), quantum)
    basis = sum(bonuses, Fraction(0))
    if basis == 0:
        return rounded.copy(), PoolResult(amount, unscaled, None, 0, False)
    q = Fraction(quantum)
    pool_units = Fraction(amount) / q
    if pool_units.denominator != 1:
        raise ValueError(f"pool amount {amount} is not a multiple of the rounding quantum {quantum}")
    factor = Fraction(amount) / basis
    wholes = []
    remainders = []
    for bonus in bonuses:
        share = bonus * factor / q
        whole = math.floor(share)
        wholes.append(whole)
        remainders.append(share - whole)
    leftover = int(pool_units) - sum(wholes)
    order = sorted(range(len(wholes)), key=lambda k: (-remainders[k], keys[k]))
    units = np.array(wholes, dtype=np.int64)
    units[np.array(order[:leftover], dtype=np.int64)] += 1
    return units, PoolResult(amount, unscaled, factor, leftover, True)


def round_fraction(value: Fraction, quantum: Decimal | str, mode: str) -> Fraction:
    """A plan's rounding step: an exact value rounded to a multiple of `quantum`, still exact."""
    q = Decimal(quantum)
    return exact_units(value, q, mode) * Fraction(q)


def common_quantum(quanta: Sequence[Decimal]) -> Decimal:
    """The largest decimal every quantum is a whole multiple of: the unit bonuses of mixed quanta are counted in."""
    fractions = [Fraction(q) for q in quanta]
    denominator = math.lcm(*(f.denominator for f in fractions))
    numerator = math.gcd(*(f.numerator * (denominator // f.denominator) for f in fractions))
    unit = Fraction(numerator, denominator)
    result = Decimal(unit.numerator) / Decimal(unit.denominator)
    if Fraction(result) != unit:  # pragma: no cover - quanta are decimals, so their gcd is one too
        raise ValueError(f"no common decimal quantum of {quanta}")
    # Keep the spelling of the given quantum when it is the unit ("0.01", not "0.010").
    return next((q for q in quanta if Fraction(q) == unit), result)
