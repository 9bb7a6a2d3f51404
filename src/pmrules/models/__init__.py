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
    Plan,
    Pool,
    Rounding,
    Scorecard,
    ScorecardLine,
    Strategy,
)
from pmrules.models.tables import Employee

__all__ = [
    "Center", "Components", "Curve", "DataFiles", "Employee", "Gate", "InputDef", "KpiDef",
    "Manifest", "Objective", "Plan", "Pool", "Rounding", "Scorecard", "ScorecardLine", "Strategy",
]
