"""A pool (pmrules.yaml `pool.amount`, in the workspace currency) shared across pay currencies.

Shares are pro rata to each exact bonus converted to the workspace currency: factor = pool / sum of
(bonus x rate). Currency c's part of the pool is factor x the sum of its exact bonuses, in c: it is
rounded once to c's quantum (the workspace's mode) and shared among c's employees by the version-1
rule (floored to the quantum, the units left over to the largest remainders, ties by employee id),
so each currency's shares add up to its part exactly. Converted back, the parts add up to the pool
up to the rounding of each foreign part (the JSON `pool.currencies` and the table show each part).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from pmrules.currency.run import CurrencyRun
from pmrules.payout.rounding import PoolResult, allocate_pool, exact_units, units_to_decimal
from pmrules.rational import Fraction


@dataclass(frozen=True)
class CurrencyPoolResult(PoolResult):
    """A pool shared across currencies; `parts` holds each currency's part, its unscaled total and leftovers."""

    parts: dict[str, dict[str, str | int]] = field(default_factory=dict)


def currency_pool(bonuses: Sequence[Fraction], units: np.ndarray, keys: Sequence[str], codes: Sequence[str],
                  amount: Decimal, unit: Decimal, quanta: dict[str, Decimal], cur: CurrencyRun
                  ) -> tuple[np.ndarray, CurrencyPoolResult]:
    """New units (in `unit`) for the paid rows given, in their order; `quanta[c]` is currency c's pool quantum."""
    home_quantum, home_mode = cur.home_rounding
    unscaled = sum((int(u) * Fraction(unit) * cur.rate(c) for u, c in zip(units.tolist(), codes, strict=True)),
                   Fraction(0))
    unscaled_home = units_to_decimal(exact_units(unscaled, home_quantum, home_mode), home_quantum)
    basis = sum((b * cur.rate(c) for b, c in zip(bonuses, codes, strict=True)), Fraction(0))
    if basis == 0:
        return units.copy(), CurrencyPoolResult(amount, unscaled_home, None, 0, False)
    factor = Fraction(amount) / basis
    out = units.copy()
    leftover = 0
    parts: dict[str, dict[str, str | int]] = {}
    code_array = np.asarray(codes, dtype=object)
    for code in cur.used():
        rows = np.flatnonzero(code_array == code)
        if not len(rows):
            continue
        quantum = quanta[code]
        scale = int(Fraction(quantum) / Fraction(unit))
        own = [bonuses[int(k)] for k in rows]
        part = units_to_decimal(exact_units(factor * sum(own, Fraction(0)), quantum, home_mode), quantum)
        before = units[rows] // scale
        shares, result = allocate_pool(own, before, [keys[int(k)] for k in rows], part, quantum)
        out[rows] = shares * scale
        leftover += result.leftover_units
        parts[code] = {"amount": str(part), "unscaled_total": str(result.unscaled_total),
                       "leftover_units": result.leftover_units}
    return out, CurrencyPoolResult(amount, unscaled_home, factor, leftover, True, parts)
