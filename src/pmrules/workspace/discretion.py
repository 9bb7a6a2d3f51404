"""discretion.csv: a manager's adjustment of one employee's formula bonus, with its reason and approver.

Each row gives `pct` (percent of the formula bonus, -100 takes it to zero) or `amount` (money), never
both. Missing reasons or approvers and amounts outside the plan's range are audit findings (rule set
`discretion`), not read errors: the file still says what was decided, and the audit says it is not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pmrules.errors import InputError, Location, PmrulesError, did_you_mean, raise_all
from pmrules.io.tables import Table
from pmrules.models.manifest import MAX_MONEY
from pmrules.safetext import excerpt
from pmrules.workspace.cells import CellError, check_text, parse_decimal
from pmrules.workspace.tables import _cell, _check_header, _id, checked_rows

DISCRETION_FILE = "discretion.csv"
DISCRETION_REQUIRED = ("employee_id", "reason", "approved_by")
DISCRETION_OPTIONAL = ("pct", "amount")
MAX_PCT = Decimal(1000)


@dataclass(frozen=True)
class Discretion:
    """One employee's discretion as written: exactly one of `pct` and `amount`."""

    employee_id: str
    pct: Decimal | None
    amount: Decimal | None
    reason: str
    approved_by: str
    location: Location

    def describe(self) -> str:
        return f"{self.pct}%" if self.pct is not None else f"amount {self.amount}"


def read_discretion(table: Table, employee_ids: set[str]) -> list[Discretion]:
    """Rows of discretion.csv; every problem of the file is collected before raising."""
    columns = _check_header(table, DISCRETION_REQUIRED, DISCRETION_OPTIONAL)
    if not set(DISCRETION_OPTIONAL) & set(columns):
        raise InputError("discretion.csv has neither a pct nor an amount column", location=table.location(),
                         hint="add a `pct` column (percent of the formula bonus) and/or an `amount` column")
    errors: list[PmrulesError] = []
    entries: list[Discretion] = []
    seen: dict[str, int] = {}
    for where, row in checked_rows(table, errors):
        try:
            written = _cell(row, columns, "employee_id")
            if not written:
                raise CellError("employee_id is empty", "name the employee whose bonus the discretion changes")
            employee_id = _id(written, "employee_id")
            if employee_id not in employee_ids:
                raise CellError(f"unknown employee {excerpt(employee_id)}",
                                did_you_mean(employee_id, employee_ids) or "name an employee_id from employees.csv")
            pct_text, amount_text = _cell(row, columns, "pct"), _cell(row, columns, "amount")
            if pct_text and amount_text:
                raise CellError("both pct and amount are given", "give one: pct (percent of the formula bonus) "
                                "or amount (money added to it; negative to reduce it)")
            if not pct_text and not amount_text:
                raise CellError("neither pct nor amount is given", "give pct (e.g. -100 for no bonus) or amount")
            pct = parse_decimal(pct_text, "pct") if pct_text else None
            amount = parse_decimal(amount_text, "amount") if amount_text else None
            if pct is not None and not -100 <= pct <= MAX_PCT:
                raise CellError(f"pct is {pct}, outside -100..{MAX_PCT}",
                                "pct is a percent of the formula bonus: -100 takes it to zero, 20 adds a fifth")
            if amount is not None and abs(amount) > MAX_MONEY:
                raise CellError(f"amount is {amount}, beyond the maximum {MAX_MONEY:,}", "check the amount")
            reason = check_text(_cell(row, columns, "reason").strip(), "reason")
            approver = check_text(_cell(row, columns, "approved_by").strip(), "approved_by")
        except CellError as exc:
            errors.append(InputError(str(exc), location=where, hint=exc.hint))
            continue
        if employee_id in seen:
            errors.append(InputError(f"discretion for {excerpt(employee_id)} is given twice", location=where,
                                     hint=f"first given on line {seen[employee_id]}; keep one row per employee"))
            continue
        seen[employee_id] = where.line or 0
        entries.append(Discretion(employee_id, pct, amount, reason, approver, where))
    raise_all(errors)
    return entries


def discretion_path(root: Path, named: str | None) -> Path | None:
    """The discretion file: `data.discretion`, else `discretion.csv` if the workspace has one, else none."""
    if named is not None:
        return root / named
    default = root / DISCRETION_FILE
    return default if default.exists() or default.is_symlink() else None
