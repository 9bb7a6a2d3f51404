"""Facts about discretion (discretion.csv): one per employee's entry, and one for the workspace's total.

Built only when the workspace has discretion, so a version-1 audit builds nothing here and pays
nothing extra; then the payout is computed once to know each formula bonus (percent ranges need it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pmrules.catalog import Catalog
from pmrules.errors import Location
from pmrules.models.plan_options import DiscretionRange
from pmrules.payout.exact import format_decimal
from pmrules.payout.persons import Person
from pmrules.payout.rounding import round_to_quantum
from pmrules.rational import Fraction
from pmrules.workspace import Workspace

Built = tuple[dict[str, Any], Location]
CENT = Decimal("0.01")


def _money(value: Fraction) -> str:
    """Money to the cent for messages (e.g. 2400.00); the payout itself rounds where the plan says."""
    return str(round_to_quantum(value, CENT, "half_up"))


def _pct(value: Fraction) -> str:
    return format_decimal(value, 4)


def out_of_range(person: Person, rules: DiscretionRange | None) -> list[str]:
    """Which bounds of the plan's range the discretion as written breaks; all of them if the plan allows none."""
    asked = person.asked
    assert asked is not None
    if rules is None:
        return ["the plan allows no discretion (no `discretion:` range)"]
    broken = []
    formula = person.formula_exact
    pct = None if formula == 0 else asked * 100 / formula
    for name, bound, value, low in (("min_pct", rules.min_pct, pct, True), ("max_pct", rules.max_pct, pct, False),
                                    ("min_amount", rules.min_amount, asked, True),
                                    ("max_amount", rules.max_amount, asked, False)):
        if bound is None:
            continue
        if value is None:  # an amount on a zero formula bonus: any percent bound is broken unless it is 0
            if asked != 0:
                broken.append(f"{name} {bound} (the formula bonus is 0)")
            continue
        if (value < Fraction(bound)) if low else (value > Fraction(bound)):
            broken.append(f"{name} {bound}")
    return broken


def _range_text(rules: DiscretionRange | None) -> str:
    if rules is None:
        return "none"
    parts = [f"{k} {v}" for k in ("min_pct", "max_pct", "min_amount", "max_amount")
             if (v := getattr(rules, k)) is not None]
    return ", ".join(parts) or "unbounded"


def discretion_facts(ws: Workspace, catalog: Catalog) -> list[tuple[str, Built]]:
    if not ws.discretion:
        return []
    from pmrules.payout import Period, compute_payouts

    run = compute_payouts(ws, catalog, Period.of(ws.manifest), ws.employees)
    people = run.settlement.people if run.settlement else {}
    plans = ws.organisation.plans
    built: list[tuple[str, Built]] = []
    positive = Fraction(0)
    formula_total = Fraction(0)
    for d in ws.discretion:
        person = people.get(d.employee_id)
        if person is None:  # every segment unpaid: nothing to adjust, nothing paid
            continue
        plan = plans[person.rounding_plan]
        broken = out_of_range(person, plan.discretion)
        missing = [what for what, text in (("reason", d.reason), ("approver", d.approved_by)) if not text]
        positive += max(person.applied, Fraction(0))
        fact = {
            "id": d.employee_id, "employee": d.employee_id, "plan": plan.id, "written": d.describe(),
            "amount": _money(person.asked or Fraction(0)), "applied": _money(person.applied),
            "formula_bonus": _money(person.formula_exact),
            "has_reason": bool(d.reason), "has_approver": bool(d.approved_by),
            "missing": " and ".join(missing) or "nothing",
            "in_range": not broken, "range": _range_text(plan.discretion), "broken": "; ".join(broken) or "none",
        }
        built.append(("discretion", (fact, d.location)))
    for p in run.paid:
        formula_total += p.exact_bonus or Fraction(0)
    limits = ws.manifest.discretion_limits
    pool = ws.manifest.pool
    basis = Fraction(Decimal(pool.amount)) if pool is not None else formula_total
    share = Fraction(0) if basis == 0 else positive * 100 / basis
    total = {
        "id": "discretion", "positive_total": _money(positive), "basis": _money(basis),
        "basis_kind": "pool" if pool is not None else "formula bonuses", "share_pct": float(_pct(share)),
        "has_limit": limits is not None,
        "limit_pct": None if limits is None else float(limits.max_share_of_pool_pct),
        "above_limit": limits is not None and share > Fraction(limits.max_share_of_pool_pct),
    }
    where = ws.locate("discretion_limits") if limits is not None else ws.discretion[0].location
    built.append(("discretion_total", (total, where)))
    return built
