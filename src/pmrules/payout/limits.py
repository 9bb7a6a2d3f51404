"""The range every bonus must fall in before it is rounded: money has a documented maximum."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pmrules.errors import InputError
from pmrules.models.manifest import MAX_MONEY

if TYPE_CHECKING:
    from pmrules.workspace.employees import EmployeeTable

# The float estimate is within far less than this factor of the exact bonus; the limit keeps every
# bonus, in quanta of at least 1e-6, inside a 64-bit integer.
_SLACK = 1.000001


def check_bonus_range(table: EmployeeTable, days: np.ndarray, period_days: int, multiplier: np.ndarray,
                      paid: np.ndarray) -> None:
    """Refuse a workspace whose bonus for some employee would exceed MAX_MONEY (or is not finite)."""
    with np.errstate(all="ignore"):
        bonus = np.abs(table.target_amounts() * (days / period_days) * multiplier)
    bad = np.flatnonzero(paid & ~(bonus <= float(MAX_MONEY) * _SLACK))
    if len(bad):
        i = int(bad[0])
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise InputError(
            f"the bonus of '{table.ids[i].as_py()}' would be {bonus[i]:.6g}, more than the maximum "
            f"{MAX_MONEY:,}{more}",
            location=table.location(i),
            hint="check base_salary and target_bonus_pct (or target_bonus), and the plan's weights, curve, ratings and cap",
        )
