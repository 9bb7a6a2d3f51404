"""Paying a workspace: every bonus of a period, exact to the quantum, and the trail behind each.

    from pmrules.payout import Period, compute_payouts
    run = compute_payouts(ws, catalog, Period.of(ws.manifest), ws.employees)

Only the commands that pay import this package, so it loads its modules eagerly.
"""

from pmrules.payout.compute import COMPONENTS, EmployeePayout, PayoutRun, compute_payouts
from pmrules.payout.exact import format_decimal, fraction_text
from pmrules.payout.explain import explain
from pmrules.payout.period import Period
from pmrules.payout.rounding import (
    ROUNDING_MODES,
    PoolResult,
    allocate_pool,
    exact_units,
    round_to_quantum,
    round_units,
    units_to_decimal,
)

__all__ = [
    "COMPONENTS",
    "ROUNDING_MODES",
    "EmployeePayout",
    "PayoutRun",
    "Period",
    "PoolResult",
    "allocate_pool",
    "compute_payouts",
    "exact_units",
    "explain",
    "format_decimal",
    "fraction_text",
    "round_to_quantum",
    "round_units",
    "units_to_decimal",
]
