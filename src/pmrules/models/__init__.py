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
    PeriodDef,
    Plan,
    PlanPayout,
    PluginInputDef,
    Pool,
    RollupKind,
    RollupRule,
    Rounding,
    Scorecard,
    ScorecardLine,
    SignOff,
    Strategy,
)
from pmrules.models.manual import Override
from pmrules.models.sources import DataSource, Formats
from pmrules.models.tables import (
    ACTUALS_COLUMNS,
    ACTUALS_OPTIONAL,
    ACTUALS_REQUIRED,
    COLUMN_KINDS,
    EMPLOYEE_COLUMNS,
    EMPLOYEE_EXTENSIONS,
    EMPLOYEE_OPTIONAL,
    EMPLOYEE_REQUIRED,
    MAX_TARGET_BONUS_PCT,
    Employee,
)

__all__ = [
    "ACTUALS_COLUMNS", "ACTUALS_OPTIONAL", "ACTUALS_REQUIRED", "COLUMN_KINDS", "DataSource", "Formats",
    "EMPLOYEE_COLUMNS", "EMPLOYEE_EXTENSIONS", "EMPLOYEE_OPTIONAL", "EMPLOYEE_REQUIRED", "MAX_TARGET_BONUS_PCT",
    "Center", "Components", "Curve", "CurvePoint", "DataFiles", "Employee", "Gate", "InputDef", "KpiDef", "LineCurve",
    "Manifest", "Objective", "Override", "PeriodDef", "Plan", "PlanPayout", "PluginInputDef", "Pool",
    "RollupKind", "RollupRule", "Rounding", "Scorecard",
    "ScorecardLine", "SignOff", "Strategy",
]
