"""pydantic models of every input: the manifest (`pmrules.yaml`) and the table rows."""

from pmrules.models.manifest import (
    Center,
    Components,
    Curve,
    DataFiles,
    Gate,
    InputDef,
    KpiDef,
    Manifest,
    Objective,
    PeriodDef,
    Plan,
    PlanPayout,
    Pool,
    Rounding,
    Scorecard,
    ScorecardLine,
    Strategy,
)
from pmrules.models.tables import (
    EMPLOYEE_COLUMNS,
    EMPLOYEE_OPTIONAL,
    EMPLOYEE_REQUIRED,
    MAX_TARGET_BONUS_PCT,
    Employee,
)

__all__ = [
    "EMPLOYEE_COLUMNS", "EMPLOYEE_OPTIONAL", "EMPLOYEE_REQUIRED", "MAX_TARGET_BONUS_PCT",
    "Center", "Components", "Curve", "DataFiles", "Employee", "Gate", "InputDef", "KpiDef",
    "Manifest", "Objective", "PeriodDef", "Plan", "PlanPayout", "Pool", "Rounding", "Scorecard", "ScorecardLine", "Strategy",
]
