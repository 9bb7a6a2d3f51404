"""A payout run as plain records: the one shape that JSON, CSV, XLSX and tables are rendered from."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pmrules.rational import Fraction
from typing import Any

from pmrules.payout.compute import COMPONENTS, EmployeePayout, PayoutRun
from pmrules.payout.exact import decimal_text, fraction_text


def number(value: Fraction | None) -> float | None:
    """A JSON number for a score or factor: its exact value to 10 decimal places."""
    return None if value is None else float(decimal_text(value))


def employee_record(p: EmployeePayout, employees_file: str) -> dict[str, Any]:
    e = p.employee
    return {
        "employee_id": e.employee_id,
        "name": e.name,
        "center": e.center,
        "plan": e.plan,
        "status": p.status,
        "bonus": None if p.bonus is None else str(p.bonus),
        "scores": {c: number(s) for c, s in p.scores.items()},
        "multiplier": number(p.multiplier),
        "multiplier_exact": None if p.multiplier is None else fraction_text(p.multiplier),
        "capped": p.capped,
        "gates_passed": p.gates_passed,
        "proration": number(p.proration),
        "days": p.days,
        "base_salary": str(e.base_salary),
        "target_bonus_pct": str(e.target_bonus_pct),
        "bonus_exact": None if p.exact_bonus is None else fraction_text(p.exact_bonus),
        "pooled": p.pooled,
        "reasons": list(p.reasons),
        "location": f"{employees_file}:{e.line}",
    }


def totals(run: PayoutRun) -> dict[str, Any]:
    by_center: dict[str, Decimal] = defaultdict(Decimal)
    by_plan: dict[str, Decimal] = defaultdict(Decimal)
    for p in run.paid:
        if p.bonus is not None:
            by_center[p.employee.center] += p.bonus
            by_plan[p.employee.plan] += p.bonus
    return {
        "total": str(run.total),
        "by_center": {k: str(v.quantize(run.quantum)) for k, v in sorted(by_center.items())},
        "by_plan": {k: str(v.quantize(run.quantum)) for k, v in sorted(by_plan.items())},
        "paid": len(run.paid),
        "unpaid": len(run.unpaid),
    }


def payout_document(run: PayoutRun, employees_file: str, *, audit: dict[str, Any]) -> dict[str, Any]:
    """The JSON document of WORKSPACE.md (`employees`, `total`) with totals, pool and audit status."""
    document: dict[str, Any] = {
        "employees": [employee_record(p, employees_file) for p in run.employees],
        **totals(run),
        "rounding": {"quantum": str(run.quantum), "mode": run.mode},
        "audit": audit,
    }
    if run.pool is not None:
        document["pool"] = {
            "amount": str(run.pool.amount),
            "unscaled_total": str(run.pool.unscaled_total),
            "factor": None if run.pool.factor is None else fraction_text(run.pool.factor),
            "leftover_units": run.pool.leftover_units,
            "distributed": run.pool.distributable,
        }
    return document


CSV_COLUMNS = ["employee_id", "name", "center", "plan", "status", *(f"{c}_score" for c in COMPONENTS),
               "multiplier", "proration", "days", "bonus", "reason"]


def csv_rows(run: PayoutRun) -> list[list[str]]:
    rows = []
    for p in run.employees:
        e = p.employee
        scores = [decimal_text(s) if (s := p.scores.get(c)) is not None else "" for c in COMPONENTS]
        rows.append([e.employee_id, e.name, e.center, e.plan, p.status, *scores,
                     "" if p.multiplier is None else decimal_text(p.multiplier), decimal_text(p.proration),
                     str(p.days), "" if p.bonus is None else str(p.bonus), "; ".join(p.reasons)])
    return rows
