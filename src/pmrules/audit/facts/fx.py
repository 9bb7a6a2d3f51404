"""`fx_rate` facts: one per row of fx.csv (issue 14), with how many employees are paid in its currency.

A workspace that pays in its own currency only has no such facts, so rules on them are silent there.
"""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc

from pmrules.errors import Location
from pmrules.workspace import Workspace


def fx_rate_facts(ws: Workspace) -> list[tuple[dict[str, Any], Location]]:
    fx = ws.fx
    if fx is None or not fx.rates:
        return []
    from pmrules.currency.check import pay_codes

    counts = {row["values"]: row["counts"] for row in pc.value_counts(pay_codes(ws.employees, fx.workspace_currency))
              .to_pylist()} if len(ws.employees) else {}
    return [({"id": code, "currency": code, "rate": rate.text, "source": rate.source,
              "as_of": None if rate.as_of is None else rate.as_of.isoformat(),
              "workspace_currency": code == fx.workspace_currency, "employees": counts.get(code, 0)},
             rate.location)
            for code, rate in fx.rates.items()]
