"""Bonuses in quanta for a whole run: one vectorised rounding, or one per plan when plans round themselves."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from pmrules.models import Manifest
from pmrules.payout.limits import check_bonus_range
from pmrules.payout.period import Period
from pmrules.payout.rounding import PoolResult, allocate_pool, exact_units, round_units
from pmrules.payout.steps import exact_bonus as _exact_bonus
from pmrules.payout.steps import step_of as _step
from pmrules.rational import Fraction
from pmrules.workspace.employees import EmployeeTable

if TYPE_CHECKING:
    from pmrules.currency.run import CurrencyRun
    from pmrules.payout.compute import Group


def bonus_units(m: Manifest, table: EmployeeTable, period: Period, days: np.ndarray, groups: list[Group],
           group_of: np.ndarray, paid_mask: np.ndarray, plan_rounding: dict[str, tuple[Decimal, str]],
           unit: Decimal, currency: CurrencyRun | None = None, *, pooled: bool = True,
           multipliers: np.ndarray | None = None) -> tuple[np.ndarray, int, PoolResult | None]:
    """Each bonus in units of `unit`: the float product rounded once (exactly near a boundary), then pooled if asked.

    Plans that round bonuses themselves are rounded at their own quantum, then counted in `unit` (which
    every quantum is a multiple of). Plans that round the target amount first are computed exactly, row by row.
    """
    quantum = Decimal(m.rounding.quantum)
    if multipliers is None:  # each group's float multiplier (payout/approx.py computes them for all groups at once)
        multipliers = np.array([g.multiplier_float() for g in groups], dtype=np.float64)

    def exact_bonus(i: int) -> Fraction:
        group = groups[int(group_of[i])]
        assert group.multiplier is not None  # asked for paid employees only
        return _exact_bonus(table, i, int(days[i]), period, group.multiplier, group.plan)

    if len(table):
        check_bonus_range(table, days, period.days, multipliers[group_of], paid_mask)
    with np.errstate(invalid="ignore"):
        approx = table.target_amounts() * (days / period.days) * multipliers[group_of]
    if currency is not None:  # several pay currencies (issue 14): one rounding per plan and currency
        from pmrules.currency.units import currency_units

        units, exact_rows = currency_units(approx, paid_mask, groups, group_of, plan_rounding,
                                           (quantum, m.rounding.mode), unit, exact_bonus, currency)
    elif not plan_rounding and not any(_step(g.plan, "target_amount") for g in groups):
        units, exact_rows = round_units(approx / float(quantum), paid_mask, quantum, m.rounding.mode, exact_bonus)
    else:
        units, exact_rows = _units_by_plan(approx, paid_mask, groups, group_of, plan_rounding, (quantum, m.rounding.mode),
                                           unit, exact_bonus)
    if m.pool is None or not pooled:  # without `pool`, the person stage (payout/persons.py) pools after discretion
        return units, exact_rows, None
    paid = np.flatnonzero(paid_mask)
    if currency is not None:
        from pmrules.currency.pool import currency_pool

        codes = currency.code_array()[paid].tolist()
        quanta = {c: currency.rounding(c, (quantum, m.rounding.mode))[0] for c in currency.used()}
        shares, shared = currency_pool([exact_bonus(int(i)) for i in paid], units[paid],
                                     table.ids.take(pa.array(paid)).to_pylist(), codes, Decimal(m.pool.amount),
                                     unit, quanta, currency)
        units[paid] = shares
        return units, exact_rows, shared
    shares, pool = allocate_pool([exact_bonus(int(i)) for i in paid], units[paid],
                                 table.ids.take(pa.array(paid)).to_pylist(), Decimal(m.pool.amount), quantum)
    units[paid] = shares
    return units, exact_rows, pool


def _units_by_plan(approx: np.ndarray, paid_mask: np.ndarray, groups: list[Group], group_of: np.ndarray,
                   plan_rounding: dict[str, tuple[Decimal, str]], default: tuple[Decimal, str], unit: Decimal,
                   exact_bonus: Callable[[int], Fraction]) -> tuple[np.ndarray, int]:
    """Round each plan's rows at its own quantum; rows of plans that round the target amount take the exact path."""
    units = np.zeros(len(approx), dtype=np.int64)
    exact_rows = 0
    plan_of_group = np.array([g.plan.id for g in groups], dtype=object)
    for plan_id in sorted({g.plan.id for g in groups}):
        plan = next(g.plan for g in groups if g.plan.id == plan_id)
        quantum, mode = plan_rounding.get(plan_id, default)
        scale = int(Fraction(quantum) / Fraction(unit))
        rows = np.flatnonzero(plan_of_group[group_of] == plan_id)
        paid = paid_mask[rows]
        if _step(plan, "target_amount") is not None:
            plan_units = np.array([exact_units(exact_bonus(int(i)), quantum, mode) if ok else 0
                                   for i, ok in zip(rows.tolist(), paid.tolist(), strict=True)], dtype=np.int64)
            exact_rows += int(paid.sum())
        else:
            def exact_row(k: int, rows: np.ndarray = rows) -> Fraction:
                return exact_bonus(int(rows[k]))

            plan_units, near = round_units(approx[rows] / float(quantum), paid, quantum, mode, exact_row)
            exact_rows += near
        units[rows] = plan_units * scale
    return units, exact_rows
