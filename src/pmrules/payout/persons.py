"""From rows to people: effective-dated segments summed and rounded once, then discretion, then the pool.

Runs only when a workspace has an employee on several rows (segments) or a discretion.csv; a
version-1 run never comes here. Each person's exact bonus is the sum of the exact bonuses of their
paid segments; discretion changes that sum (never below zero); the result is rounded ONCE, with the
rounding of the plan of the person's last paid segment. A pool then scales people, not rows. The
person's units are finally split over their segment rows by largest remainder, pro rata to each
segment's exact bonus, so centre and plan totals add up to the people's bonuses exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from pmrules.models import Manifest, Plan
from pmrules.payout.exact import exact
from pmrules.payout.period import Period
from pmrules.payout.rounding import PoolResult, allocate_pool, exact_units
from pmrules.payout.steps import exact_bonus as _exact_bonus
from pmrules.payout.steps import target_amount
from pmrules.rational import Fraction
from pmrules.workspace.discretion import Discretion
from pmrules.workspace.employees import EmployeeTable
from pmrules.workspace.segments import has_segments, person_rows

if TYPE_CHECKING:
    from pmrules.payout.compute import Group


@dataclass
class Person:
    """One employee_id's money: formula, discretion and bonus, each exact and as paid (units of the run)."""

    employee_id: str
    rows: list[int]  # all the person's rows, by first day
    paid_rows: list[int]
    segment_exact: list[Fraction]  # exact bonus of each paid row
    quantum: Decimal
    mode: str
    rounding_plan: str
    formula_exact: Fraction
    final_exact: Fraction
    formula_units: int = 0
    bonus_units: int = 0  # before the pool
    discretion: Discretion | None = None
    asked: Fraction | None = None  # the discretion as written, in money
    applies: str = "after_cap"
    floored: bool = False  # the discretion would have taken the bonus below zero
    capped: bool = False  # before_cap: the cap limited formula + discretion
    cap_limit: Fraction | None = None
    uncapped_exact: Fraction | None = None
    unit: Decimal = Decimal("0.01")  # what formula_units and bonus_units count (the run's common quantum)

    @property
    def applied(self) -> Fraction:
        return self.final_exact - self.formula_exact

    @property
    def segmented(self) -> bool:
        return len(self.rows) > 1


def uses_discretion(settlement: Settlement | None) -> bool:
    """Whether outputs carry formula_bonus and discretion columns: only when someone has discretion."""
    return settlement is not None and any(p.discretion is not None for p in settlement.people.values())


@dataclass
class Settlement:
    """The person stage of a run: per-row formula and final units, and the people behind them."""

    people: dict[str, Person] = field(default_factory=dict)
    formula_units: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bonus_units: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # per row, before the pool
    pool: PoolResult | None = None
    pool_before: dict[str, int] = field(default_factory=dict)  # a person's units before the pool


def needs_settlement(table: EmployeeTable, discretion: Sequence[Discretion]) -> bool:
    return bool(discretion) or has_segments(table)


def settle(m: Manifest, table: EmployeeTable, units: np.ndarray, paid_mask: np.ndarray,
           plan_of_row: Callable[[int], Plan], exact_bonus: Callable[[int], Fraction],
           uncapped_bonus: Callable[[int], Fraction], cap_bonus: Callable[[int], Fraction | None],
           plan_rounding: dict[str, tuple[Decimal, str]], unit: Decimal,
           discretion: Sequence[Discretion]) -> tuple[np.ndarray, Settlement]:
    """Final units per row (replacing `units`, which are the rows' own roundings before any pool)."""
    entries = {d.employee_id: d for d in discretion}
    default = (Decimal(m.rounding.quantum), m.rounding.mode)
    final = units.copy()
    settlement = Settlement(formula_units=units.copy())
    for employee_id, rows in person_rows(table).items():
        if len(rows) == 1 and employee_id not in entries:
            continue
        paid = [i for i in rows if paid_mask[i]]
        if not paid:
            continue
        plan = plan_of_row(paid[-1])
        quantum, mode = plan_rounding.get(plan.id, default)
        scale = int(Fraction(quantum) / Fraction(unit))
        segments = [exact_bonus(i) for i in paid]
        formula = sum(segments, Fraction(0))
        person = Person(employee_id, rows, paid, segments, quantum, mode, plan.id, formula, formula, unit=unit)
        d = entries.get(employee_id)
        if d is not None:
            _apply(person, d, plan, [uncapped_bonus(i) for i in paid], [cap_bonus(i) for i in paid])
        person.formula_units = exact_units(formula, quantum, mode) * scale
        person.bonus_units = exact_units(person.final_exact, quantum, mode) * scale
        weights = segments if any(segments) else [Fraction(1)] * len(paid)
        settlement.formula_units[paid] = split(person.formula_units, weights)
        final[paid] = split(person.bonus_units, weights)
        settlement.people[employee_id] = person
    settlement.bonus_units = final.copy()
    if m.pool is not None:
        final = _pool(m, table, final, paid_mask, exact_bonus, settlement)
    return final, settlement


def _apply(person: Person, d: Discretion, plan: Plan, uncapped: list[Fraction], caps: list[Fraction | None]) -> None:
    """Discretion on the formula bonus: pct of it or an amount; after the cap, or before it (then capped)."""
    rules = plan.discretion
    person.discretion = d
    person.applies = "after_cap" if rules is None else rules.applies
    asked = person.formula_exact * Fraction(d.pct) / 100 if d.pct is not None else Fraction(d.amount)
    person.asked = asked
    value = person.formula_exact + asked
    if person.applies == "before_cap":
        person.uncapped_exact = sum(uncapped, Fraction(0))
        value = person.uncapped_exact + asked
        if all(c is not None for c in caps):
            person.cap_limit = sum((c for c in caps if c is not None), Fraction(0))
            if value > person.cap_limit:
                value, person.capped = person.cap_limit, True
    if value < 0:
        value, person.floored = Fraction(0), True
    person.final_exact = value


def split(total: int, weights: Sequence[Fraction]) -> np.ndarray:
    """`total` units over rows pro rata to `weights` (>= 0, not all 0): floors, then the leftover to the
    largest remainders, ties to the later row (the segment the person is in at the end)."""
    basis = sum(weights, Fraction(0))
    shares = [Fraction(total) * w / basis for w in weights]
    wholes = [math.floor(s) for s in shares]
    order = sorted(range(len(shares)), key=lambda k: (-(shares[k] - wholes[k]), -k))
    for k in order[:total - sum(wholes)]:
        wholes[k] += 1
    return np.array(wholes, dtype=np.int64)


def _pool(m: Manifest, table: EmployeeTable, final: np.ndarray, paid_mask: np.ndarray,
          exact_bonus: Callable[[int], Fraction], settlement: Settlement) -> np.ndarray:
    """The pool after discretion: people share it pro rata to their exact bonus after discretion."""
    assert m.pool is not None
    people = settlement.people
    ids = table.id_list()
    keys: list[str] = []
    basis: list[Fraction] = []
    before: list[int] = []
    rows_of: list[list[int]] = []
    for employee_id, rows in person_rows(table).items():
        paid = [i for i in rows if paid_mask[i]]
        if not paid:
            continue
        person = people.get(employee_id)
        keys.append(ids[paid[0]])
        basis.append(person.final_exact if person else exact_bonus(paid[0]))
        before.append(int(final[paid].sum()))
        rows_of.append(paid)
    quantum = Decimal(m.rounding.quantum)
    shares, pool = allocate_pool(basis, np.array(before, dtype=np.int64), keys, Decimal(m.pool.amount), quantum)
    settlement.pool = pool
    out = final.copy()
    for key, paid, share, was in zip(keys, rows_of, shares.tolist(), before, strict=True):
        settlement.pool_before[key] = was
        person = people.get(key)
        weights = person.segment_exact if person and any(person.segment_exact) else [Fraction(1)] * len(paid)
        out[paid] = split(int(share), weights) if len(paid) > 1 else [share]
    return out


def uncapped_multiplier(combined: Fraction | None, gates_passed: bool | None) -> Fraction:
    """The multiplier before the cap (0 when a gate fails): what `applies: before_cap` adds discretion to."""
    return Fraction(0) if combined is None or not gates_passed else combined


def cap_amount(table: EmployeeTable, i: int, plan: Plan, days: int, period_days: int) -> Fraction | None:
    return None if plan.cap is None else target_amount(table, i, plan) * Fraction(days, period_days) * exact(plan.cap)


def settle_rows(m: Manifest, table: EmployeeTable, period: Period, days: np.ndarray, groups: list[Group],
                group_of: np.ndarray, paid_mask: np.ndarray, units: np.ndarray,
            plan_rounding: dict[str, tuple[Decimal, str]], unit: Decimal,
            discretion: list[Discretion]) -> tuple[np.ndarray, Settlement]:
    """Segments summed per person, discretion, then the pool (payout/persons.py), from each row's exact amounts."""
    def group(i: int) -> Group:
        return groups[int(group_of[i])]

    def exact_bonus(i: int) -> Fraction:
        g = group(i)
        assert g.multiplier is not None  # asked for paid rows only
        return _exact_bonus(table, i, int(days[i]), period, g.multiplier, g.plan)

    def uncapped(i: int) -> Fraction:
        g = group(i)
        return target_amount(table, i, g.plan) * Fraction(int(days[i]), period.days) * \
            uncapped_multiplier(g.combined, g.gates_passed)

    def cap(i: int) -> Fraction | None:
        return cap_amount(table, i, group(i).plan, int(days[i]), period.days)

    return settle(m, table, units, paid_mask, lambda i: group(i).plan, exact_bonus, uncapped, cap, plan_rounding,
                  unit, discretion)
