"""Scale bonuses pro rata to a fixed pool, exactly, handing out the last cents by largest remainder."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pmrules.payout.compute import EmployeePayout


@dataclass(frozen=True)
class PoolResult:
    amount: Decimal
    unscaled_total: Decimal
    factor: Fraction | None
    leftover_units: int
    distributable: bool


def allocate_pool(paid: list[EmployeePayout], amount: Decimal, quantum: Decimal) -> PoolResult:
    """Each share = pool x exact bonus / sum of exact bonuses, floored to the quantum; the units left over go
    one each to the largest remainders, ties broken by employee_id ascending. Totals equal the pool exactly."""
    unscaled = sum((p.bonus for p in paid if p.bonus is not None), Decimal(0))
    basis = sum((p.exact_bonus for p in paid if p.exact_bonus is not None), Fraction(0))
    if basis == 0:
        return PoolResult(amount, unscaled, None, 0, False)
    q = Fraction(quantum)
    pool_units = Fraction(amount) / q
    if pool_units.denominator != 1:
        raise ValueError(f"pool amount {amount} is not a multiple of the rounding quantum {quantum}")
    factor = Fraction(amount) / basis
    shares = []
    for p in paid:
        units = (p.exact_bonus or Fraction(0)) * factor / q
        whole = math.floor(units)
        shares.append((p, whole, units - whole))
    leftover = int(pool_units) - sum(whole for _, whole, _ in shares)
    order = sorted(range(len(shares)), key=lambda i: (-shares[i][2], shares[i][0].employee.employee_id))
    bump = set(order[:leftover])
    for i, (p, whole, _) in enumerate(shares):
        p.bonus = (Decimal(whole + (1 if i in bump else 0)) * quantum).quantize(quantum)
        p.pooled = True
    return PoolResult(amount, unscaled, factor, leftover, True)
