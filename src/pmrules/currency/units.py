"""Bonuses in quanta when employees are paid in several currencies: one rounding per plan and currency.

Each (plan, currency) is rounded at its own quantum (`currencies.<code>`, else the plan's, else the
workspace's), exactly near a boundary as everywhere else; a pool is shared per currency (see `pool`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from pmrules.currency.run import CurrencyRun
from pmrules.payout.rounding import exact_units, round_units
from pmrules.payout.steps import step_of
from pmrules.rational import Fraction

if TYPE_CHECKING:
    from pmrules.payout.compute import Group


def currency_units(approx: np.ndarray, paid_mask: np.ndarray, groups: list[Group], group_of: np.ndarray,
                   plan_rounding: dict[str, tuple[Decimal, str]], default: tuple[Decimal, str], unit: Decimal,
                   exact_bonus: Callable[[int], Fraction], cur: CurrencyRun) -> tuple[np.ndarray, int]:
    """Each row rounded at its (plan, currency) quantum, counted in `unit` (which every quantum is a multiple of)."""
    units = np.zeros(len(approx), dtype=np.int64)
    exact_rows = 0
    plan_of_row = np.array([g.plan.id for g in groups], dtype=object)[group_of] if groups else \
        np.zeros(0, dtype=object)
    codes = cur.code_array()
    plans = {g.plan.id: g.plan for g in groups}
    for plan_id in sorted(plans):
        plan = plans[plan_id]
        for code in cur.used():
            rows = np.flatnonzero((plan_of_row == plan_id) & (codes == code))
            if not len(rows):
                continue
            quantum, mode = cur.rounding(code, plan_rounding.get(plan_id, default))
            scale = int(Fraction(quantum) / Fraction(unit))
            paid = paid_mask[rows]
            if step_of(plan, "target_amount") is not None:
                key_units = np.array([exact_units(exact_bonus(int(i)), quantum, mode) if ok else 0
                                      for i, ok in zip(rows.tolist(), paid.tolist(), strict=True)], dtype=np.int64)
                exact_rows += int(paid.sum())
            else:
                def exact_row(k: int, rows: np.ndarray = rows) -> Fraction:
                    return exact_bonus(int(rows[k]))

                key_units, near = round_units(approx[rows] / float(quantum), paid, quantum, mode, exact_row)
                exact_rows += near
            units[rows] = key_units * scale
    return units, exact_rows
