"""Scale bonuses pro rata to a fixed pool, exactly, handing out the last units by largest remainder."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from pmrules.rational import Fraction

if TYPE_CHECKING:
    from pmrules.payout.compute import PayoutRun


@dataclass(frozen=True)
class PoolResult:
    amount: Decimal
    unscaled_total: Decimal
    factor: Fraction | None
    leftover_units: int
    distributable: bool


def allocate_pool(run: PayoutRun, amount: Decimal) -> PoolResult:
    """Each share = pool x exact bonus / sum of exact bonuses, floored to the quantum; the units left over go
    one each to the largest remainders, ties broken by employee_id ascending. Totals equal the pool exactly."""
    quantum = run.quantum
    unscaled = run.total
    paid = [int(i) for i in np.flatnonzero(run.paid_mask)]
    exact = {i: run.exact_bonus_at(i) or Fraction(0) for i in paid}
    basis = sum(exact.values(), Fraction(0))
    if basis == 0:
        return PoolResult(amount, unscaled, None, 0, False)
    q = Fraction(quantum)
    pool_units = Fraction(amount) / q
    if pool_units.denominator != 1:
        raise ValueError(f"pool amount {amount} is not a multiple of the rounding quantum {quantum}")
    factor = Fraction(amount) / basis
    ids = run.table.ids
    shares = []
    for i in paid:
        units = exact[i] * factor / q
        whole = math.floor(units)
        shares.append((i, whole, units - whole))
    leftover = int(pool_units) - sum(whole for _, whole, _ in shares)
    order = sorted(range(len(shares)), key=lambda k: (-shares[k][2], ids[shares[k][0]].as_py()))
    bump = set(order[:leftover])
    for k, (i, whole, _) in enumerate(shares):
        run.units[i] = whole + (1 if k in bump else 0)
    return PoolResult(amount, unscaled, factor, leftover, True)
