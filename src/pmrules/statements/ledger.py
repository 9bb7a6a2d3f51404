"""What the run ledger records as paid to each employee in the committed runs of some periods of a plan year."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pmrules.statements.model import Paid


def paid_in(ledger: Any, workspace: str, plan_year: str, periods: Sequence[str]) -> dict[str, list[Paid]]:
    """Per employee, one `Paid` per committed run of `periods`, in the periods' order (one query per run)."""
    committed = ledger.committed(workspace, plan_year, list(periods))
    out: dict[str, list[Paid]] = {}
    for period in periods:
        run_id = committed.get(period)
        if run_id is None:
            continue
        for employee_id, row in ledger.run(workspace, run_id)["payments"].items():
            out.setdefault(employee_id, []).append(Paid(period, run_id, Decimal(row["paid"]), Decimal(row["forgiven"])))
    return out
