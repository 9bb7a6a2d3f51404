"""A plan's own rounding steps and target amounts (issue 13): what `rounding_steps` and `target_bonus` change.

Kept beside `compute.py` so the version-1 computation there reads as the contract does.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmrules.models import Plan
from pmrules.models.plan_options import RoundingStep
from pmrules.payout.period import Period
from pmrules.payout.rounding import round_fraction
from pmrules.rational import Fraction
from pmrules.workspace.employees import EmployeeTable


@dataclass(frozen=True)
class RoundingRecord:
    """One rounding step a plan took: what was rounded, from what to what, at which quantum and mode."""

    step: str
    subject: str
    exact: Fraction
    rounded: Fraction
    quantum: str
    mode: str


def step_of(plan: Plan, name: str) -> RoundingStep | None:
    return None if plan.rounding_steps is None else getattr(plan.rounding_steps, name)


def beyond_v1(plan: Plan) -> bool:
    """Plans that use a formula combine or rounding steps take the general (exact) combine."""
    return plan.combine not in ("add", "multiply") or plan.rounding_steps is not None \
        or isinstance(plan.components, list)


def target_amount(table: EmployeeTable, i: int, plan: Plan, *, rounded: bool = True) -> Fraction:
    """base_salary x target_bonus_pct, or target_bonus, from the decimal text; rounded if the plan rounds it."""
    given = table.text_at(table.target_text, i)
    value = Fraction(given) if given else Fraction(table.salary_text[i].as_py()) * Fraction(table.pct_text[i].as_py())
    step = step_of(plan, "target_amount") if rounded else None
    return value if step is None else round_fraction(value, step.quantum, step.mode)


def exact_bonus(table: EmployeeTable, i: int, days: int, period: Period, multiplier: Fraction, plan: Plan) -> Fraction:
    """target amount x proration x multiplier from the decimal text: the amount rounded once."""
    return target_amount(table, i, plan) * Fraction(days, period.days) * multiplier
