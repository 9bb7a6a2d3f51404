"""A payout run as plain records: the one shape that JSON, CSV, XLSX and tables are rendered from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.payout.approx import group_approx
from pmrules.payout.compute import COMPONENTS, EmployeePayout, PayoutRun
from pmrules.payout.decimals import decimal_texts
from pmrules.payout.exact import format_decimal, fraction_text
from pmrules.payout.persons import uses_discretion
from pmrules.payout.rounding import units_to_decimal
from pmrules.payout.steps import RoundingRecord
from pmrules.rational import Fraction


def number(value: Fraction | None) -> float | None:
    """A JSON number for a score or factor: its exact value to 10 decimal places."""
    return None if value is None else float(format_decimal(value))


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
        "target_bonus_pct": None if e.target_bonus_pct is None else str(e.target_bonus_pct),
        "bonus_exact": None if p.exact_bonus is None else fraction_text(p.exact_bonus),
        "pooled": p.pooled,
        "reasons": list(p.reasons),
        "location": f"{employees_file}:{e.line}",
        **extension_fields(p),
    }


def extension_fields(p: EmployeePayout) -> dict[str, Any]:
    """Keys beyond version 1, present only when the employee or plan uses them (v1 documents stay as they were)."""
    e = p.employee
    out: dict[str, Any] = {}
    if e.target_bonus is not None:
        out["target_bonus"] = str(e.target_bonus)
    if e.individual_factor is not None:
        out["individual_factor"] = str(e.individual_factor)
    if e.currency is not None or p.currency is not None:
        out.update(currency_fields(p))
    out.update(person_fields(p))
    if p.rounded:
        out["target_amount"] = None if p.target is None else format_decimal(p.target, 12)
        out["rounding_steps"] = [rounding_record(r) for r in p.rounded]
    return out


def currency_fields(p: EmployeePayout) -> dict[str, Any]:
    """The pay currency of an employee of a workspace that uses currencies, and the bonus converted."""
    return {} if p.currency is None else dict(p.currency)


def person_fields(p: EmployeePayout) -> dict[str, Any]:
    """A segment or an employee with discretion: this row's formula and discretion shares, and the person's money."""
    out: dict[str, Any] = {}
    if p.formula_bonus is not None:
        out.update({"formula_bonus": str(p.formula_bonus), "discretion": str(p.discretion)})
    person = p.person
    if person is None:
        return out
    record: dict[str, Any] = {
        "segments": len(person.rows), "rounding": {"quantum": str(person.quantum), "mode": person.mode,
                                                   "plan": person.rounding_plan},
        "formula_bonus_exact": fraction_text(person.formula_exact),
        "formula_bonus": str(units_to_decimal(person.formula_units, person.unit)),
        "bonus_exact": fraction_text(person.final_exact),
        "bonus": str(units_to_decimal(person.bonus_units, person.unit)),
    }
    d = person.discretion
    if d is not None:
        record["discretion"] = {
            "written": d.describe(), "amount_exact": fraction_text(person.asked or Fraction(0)),
            "applied_exact": fraction_text(person.applied), "applies": person.applies,
            "floored_at_zero": person.floored, "capped": person.capped, "reason": d.reason,
            "approved_by": d.approved_by, "location": str(d.location)}
    out["person"] = record
    return out


def rounding_record(r: RoundingRecord) -> dict[str, Any]:
    return {"step": r.step, "subject": r.subject, "exact": format_decimal(r.exact, 12),
            "exact_fraction": fraction_text(r.exact), "rounded": format_decimal(r.rounded, 12),
            "quantum": r.quantum, "mode": r.mode}


def _sums(run: PayoutRun, column: pa.Array) -> dict[str, str]:
    """Exact integer sums of paid bonus units per value of a column (centre or plan)."""
    encoded = pc.dictionary_encode(column)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    sums = np.zeros(len(encoded.dictionary), dtype=np.int64)
    np.add.at(sums, codes[run.paid_mask], run.units[run.paid_mask])
    counted = np.zeros(len(encoded.dictionary), dtype=bool)
    counted[codes[run.paid_mask]] = True
    names = encoded.dictionary.to_pylist()
    return {names[k]: str(units_to_decimal(sums[k], run.quantum))
            for k in sorted(range(len(names)), key=lambda k: names[k]) if counted[k]}


def totals(run: PayoutRun) -> dict[str, Any]:
    if run.currency is not None:  # several pay currencies: converted totals and one per currency (issue 14)
        from pmrules.currency.run import currency_totals

        return currency_totals(run)
    paid = run.paid_count
    return {
        "total": str(run.total),
        "by_center": _sums(run, run.table.centers),
        "by_plan": _sums(run, run.table.plans),
        "paid": paid,
        "unpaid": len(run) - paid,
    }


def payout_document(run: PayoutRun, employees_file: str, *, audit: dict[str, Any]) -> dict[str, Any]:
    """The JSON document of WORKSPACE.md (`employees`, `total`) with totals, pool and audit status."""
    document: dict[str, Any] = {
        "employees": [employee_record(p, employees_file) for p in run.employees],
        **totals(run),
        "rounding": {"quantum": str(run.quantum), "mode": run.mode},
        "audit": audit,
    }
    if run.currency is not None:
        document["fx_warnings"] = [f"{where}: {message}" for where, message in run.currency.fx.warnings]
    if run.pool is not None:
        document["pool"] = {
            "amount": str(run.pool.amount),
            "unscaled_total": str(run.pool.unscaled_total),
            "factor": None if run.pool.factor is None else fraction_text(run.pool.factor),
            "leftover_units": run.pool.leftover_units,
            "distributed": run.pool.distributable,
        }
        if getattr(run.pool, "parts", None) is not None:
            document["pool"]["currencies"] = run.pool.parts  # type: ignore[attr-defined]
    return document


CSV_COLUMNS = ["employee_id", "name", "center", "plan", "status", *(f"{c}_score" for c in COMPONENTS),
               "multiplier", "proration", "days", "bonus", "reason"]


DISCRETION_COLUMNS = ("formula_bonus", "discretion")


def level_components(run: PayoutRun) -> list[str]:
    """Components named after a level (segment, division, ...), in first-seen order; none in version 1."""
    return list(dict.fromkeys(c for g in run.groups for c in g.weights if c not in COMPONENTS))


def csv_columns(run: PayoutRun) -> list[str]:
    """CSV_COLUMNS, with a `<level>_score` column after the individual score for each level component,
    and a `currency` column after the bonus when the workspace pays in several currencies."""
    at = CSV_COLUMNS.index("multiplier")
    columns = [*CSV_COLUMNS[:at], *(f"{c}_score" for c in level_components(run)), *CSV_COLUMNS[at:]]
    if uses_discretion(run.settlement):  # the formula bonus and the discretion beside the bonus paid
        at = columns.index("bonus")
        columns[at:at] = list(DISCRETION_COLUMNS)
    if run.currency is not None:
        columns.insert(columns.index("bonus") + 1, "currency")
    return columns


@dataclass(frozen=True)
class TextPart:
    """Output columns as text, per row (`index` None) or per key (a group, a day count) with each row's key."""

    names: tuple[str, ...]
    values: tuple[pa.Array, ...]
    index: pa.Array | None = None


def output_parts(run: PayoutRun) -> list[TextPart]:
    """The per-employee output as text, built per group and per distinct day count, not per row.

    Multipliers and scores are written from their floats where those provably give the exact text
    (payout/decimals.py), from the exact values elsewhere.
    """
    t = run.table
    groups = run.groups
    approx = run.approx if run.approx is not None else group_approx(groups)
    by_group = pa.array(run.group_of)
    present = approx.paid

    def score_texts(c: str) -> pa.Array:
        if c not in approx.scores:
            return pa.array([""] * len(groups), pa.string())
        values = approx.scores[c]
        return decimal_texts(values, approx.score_bound(c), ~np.isnan(values),
                             lambda k: groups[k].scores[c])  # type: ignore[arg-type,return-value]

    components = (*COMPONENTS, *level_components(run))
    names = ("status", *(f"{c}_score" for c in components), "multiplier")
    values = (pa.array([g.status for g in groups], pa.string()), *(score_texts(c) for c in components),
              decimal_texts(approx.multiplier, approx.multiplier_bound, present,
                            lambda k: groups[k].multiplier))  # type: ignore[arg-type,return-value]
    distinct, day_key = np.unique(run.days, return_inverse=True)
    proration = pa.array([format_decimal(Fraction(int(d), run.period.days)) for d in distinct], pa.string())
    parts = [
        TextPart(("employee_id", "name", "center", "plan"), (t.ids, t.names, t.centers, t.plans)),
        TextPart(names, values, by_group),
        TextPart(("proration", "days"), (proration, pc.cast(pa.array(distinct), pa.string())),
                 pa.array(day_key.reshape(-1))),
    ]
    if run.currency is not None:  # each bonus at its pay currency's places, and the currency beside it
        bonus = pa.array(["" if (b := run.bonus_at(i)) is None else str(b) for i in range(len(run))], pa.string())
        parts.append(TextPart(("bonus", "currency"), (bonus, run.currency.codes)))
    else:
        bonus = money_text(run.units, run.quantum)
        parts.append(TextPart(("bonus",), (bonus if run.paid_mask.all() else pc.if_else(pa.array(run.paid_mask), bonus, ""),)))
    parts.append(TextPart(("reason",), (pa.array(["; ".join(g.reasons) for g in groups], pa.string()),), by_group))
    s = run.settlement
    if s is not None and uses_discretion(s):
        paid = pa.array(run.paid_mask)
        parts.append(TextPart(DISCRETION_COLUMNS, (pc.if_else(paid, money_text(s.formula_units, run.quantum), ""),
                                                   pc.if_else(paid, money_text(s.bonus_units - s.formula_units,
                                                                               run.quantum), ""))))
    return parts


def output_table(run: PayoutRun) -> pa.Table:
    """The per-employee output as text columns (every column output_parts holds, one row per employee)."""
    columns: dict[str, pa.Array] = {}
    for part in output_parts(run):
        for name, values in zip(part.names, part.values, strict=True):
            columns[name] = values if part.index is None else values.take(part.index)
    return pa.table(columns)


def money_text(units: np.ndarray, quantum: Decimal) -> pa.Array:
    """Bonus units as decimal text: vectorised for quanta like 0.01 or 1, exact Decimal otherwise."""
    exponent = quantum.as_tuple().exponent
    if isinstance(exponent, int) and exponent <= 0 and quantum == Decimal(1).scaleb(exponent):
        places = -exponent
        negative = units < 0
        magnitude = np.abs(units)
        if places == 0:
            text = pc.cast(pa.array(magnitude), pa.string())
        else:
            scale = 10**places
            whole = pc.cast(pa.array(magnitude // scale), pa.string())
            cents = pc.utf8_lpad(pc.cast(pa.array(magnitude % scale), pa.string()), places, "0")
            text = pc.binary_join_element_wise(whole, cents, ".")
        if not negative.any():  # the usual run: no negative bonus, nothing to prefix
            return text
        return pc.if_else(pa.array(negative), pc.binary_join_element_wise("-", text, ""), text)
    return pa.array([str(units_to_decimal(u, quantum)) for u in units], pa.string())


def csv_rows(run: PayoutRun) -> list[list[str]]:
    table = output_table(run)
    return [list(row) for row in zip(*(table[name].to_pylist() for name in csv_columns(run)), strict=True)]
