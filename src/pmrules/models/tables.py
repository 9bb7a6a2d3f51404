"""The models of table rows (employees.csv); actuals are plain numbers per entity and input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

# The columns of employees.csv, in their canonical order; both readers and the test kit use these.
EMPLOYEE_REQUIRED = ("employee_id", "name", "center", "plan", "base_salary", "target_bonus_pct")
EMPLOYEE_OPTIONAL = ("start_date", "end_date", "individual_rating")
EMPLOYEE_COLUMNS = EMPLOYEE_REQUIRED + EMPLOYEE_OPTIONAL
# The columns of long-form actuals; `period` is optional (a mapped ledger may carry it).
ACTUALS_REQUIRED = ("entity", "input", "value")
ACTUALS_OPTIONAL = ("period",)
ACTUALS_COLUMNS = ACTUALS_REQUIRED + ACTUALS_OPTIONAL
# How a mapped source reads each typed column (any other column is text): money and fractions are
# exact decimals (a fraction may be written `10%`), dates follow the declared format.
COLUMN_KINDS = {
    "base_salary": "money", "target_bonus_pct": "fraction", "start_date": "date", "end_date": "date",
    "individual_rating": "integer", "value": "money", "target_bonus": "money", "individual_factor": "money",
}
# Beyond version 1 (docs/workspace.md): a target amount instead of salary x percentage, and an
# individual factor instead of a rating. With `target_bonus`, the `target_bonus_pct` column may be absent.
EMPLOYEE_EXTENSIONS = ("target_bonus", "individual_factor", "currency")
# target_bonus_pct is a fraction of salary; above this it is surely a percentage typed as a number.
MAX_TARGET_BONUS_PCT = 3


class Employee(BaseModel):
    """One row of employees.csv; money and percentages are Decimals read from their text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    employee_id: str = Field(min_length=1)
    name: str
    center: str
    plan: str
    base_salary: Decimal = Field(ge=0)
    target_bonus_pct: Decimal | None = Field(ge=0, le=MAX_TARGET_BONUS_PCT, description="a fraction: 0.10 means 10%")
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    individual_rating: int | str | None = Field(default=None, description="a whole number, a decimal or a word")
    target_bonus: Decimal | None = Field(default=None, ge=0, description="the target amount, instead of a percentage")
    individual_factor: Decimal | None = Field(default=None, ge=0, description="the individual score itself")
    currency: str | None = Field(default=None, description="the pay currency (ISO 4217); empty: the workspace's")
    line: int = Field(default=0, description="line in the file, for messages", exclude=True)
