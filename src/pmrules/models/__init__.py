"""pydantic models of every input: the manifest (`pmrules.yaml`) and the table rows."""

from pmrules.models.manifest import (
    Center,
    Components,
    Curve,
    CurvePoint,
    DataFiles,
    Gate,
    InputDef,
    KpiDef,
    LineCurve,
    Manifest,
    Objective,
    Plan,
    Pool,
    Rounding,
    Scorecard,
    ScorecardLine,
    Strategy,
)
from pmrules.models.tables import (
    EMPLOYEE_COLUMNS,
    EMPLOYEE_EXTENSIONS,
    EMPLOYEE_OPTIONAL,
    EMPLOYEE_REQUIRED,
    MAX_TARGET_BONUS_PCT,
    Employee,
)

__all__ = [
    "EMPLOYEE_COLUMNS", "EMPLOYEE_EXTENSIONS", "EMPLOYEE_OPTIONAL", "EMPLOYEE_REQUIRED", "MAX_TARGET_BONUS_PCT",
    "Center", "Components", "Curve", "CurvePoint", "DataFiles", "Employee", "Gate", "InputDef", "KpiDef", "LineCurve",
    "Manifest", "Objective", "Plan", "Pool", "Rounding", "Scorecard", "ScorecardLine", "Strategy",
]
