"""The scenario files of `pmrules test` (`tests/*.yaml`): plain data, validated; `pmrules schema --scenarios`.

Numbers may be written plain (`2800`, `1.25`: read as the decimal written, like every YAML number of a
workspace) or quoted (`"22636.47"`: read from its text; quote anything with more than 15 digits).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

MAX_SCENARIO_TEXT = 200

Value = Annotated[StrictStr | StrictInt | StrictFloat,
                  Field(description="a number, plain or quoted (quote it to keep more than 15 digits)")]
Rating = Annotated[StrictStr | StrictInt | StrictFloat,
                   Field(description="a rating of the employee's plan: a whole number, a decimal or a word")]
Text = Annotated[StrictStr, Field(min_length=1, max_length=MAX_SCENARIO_TEXT)]


def _text_keys(value: Any) -> Any:
    """YAML reads the key `1001` as a number; ids and names are text."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) or isinstance(k, bool) else str(k): v for k, v in value.items()}
    return value


def _text_items(value: Any) -> Any:
    if isinstance(value, list):
        return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    return value


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewEmployee(Model):
    """A row added to employees.csv for this scenario only: the same columns."""

    employee_id: Annotated[Text, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)]
    name: Text
    center: Text
    plan: Text
    base_salary: Value
    target_bonus_pct: Value | None = Field(default=None, description="a fraction of salary: 0.10 means 10%")
    target_bonus: Value | None = Field(default=None, description="a target amount instead of target_bonus_pct")
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    individual_rating: Rating | None = None
    individual_factor: Value | None = None


class EmployeeChange(Model):
    """New values for some columns of one employee's row; `null` empties an optional column."""

    name: Text | None = None
    center: Text | None = None
    plan: Text | None = None
    base_salary: Value | None = None
    target_bonus_pct: Value | None = None
    target_bonus: Value | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    individual_rating: Rating | None = None
    individual_factor: Value | None = None


class EmployeeChanges(Model):
    """Rows of employees.csv added, changed (by employee_id) or removed, for this scenario only."""

    add: list[NewEmployee] = Field(default_factory=list)
    change: Annotated[dict[str, EmployeeChange], BeforeValidator(_text_keys)] = Field(default_factory=dict)
    remove: Annotated[list[Text], BeforeValidator(_text_items)] = Field(default_factory=list)


class FindingExpectation(Model):
    """An audit finding of a rule, present (default) or absent; optionally of one severity and subject."""

    rule: Text
    present: bool = True
    severity: Literal["error", "warning", "info"] | None = None
    subject: Text | None = Field(default=None, description="the finding's subject as `pmrules audit` shows it")


class Expect(Model):
    """What the scenario must produce. Money is compared exactly as a decimal; factors exactly (or within tolerance)."""

    bonuses: Annotated[dict[str, Value], BeforeValidator(_text_keys)] = Field(
        default_factory=dict, description="employee_id: the bonus (\"22636.47\"), or `unpaid`")
    total: Value | None = Field(default=None, description="the total paid")
    multipliers: Annotated[dict[str, Value], BeforeValidator(_text_keys)] = Field(
        default_factory=dict, description="employee_id: the multiplier, a decimal or a fraction p/q")
    line_factors: Annotated[dict[str, Annotated[dict[str, Value], BeforeValidator(_text_keys)]],
                            BeforeValidator(_text_keys)] = Field(
        default_factory=dict, description="scorecard owner: {kpi: factor of that scorecard line}")
    findings: list[FindingExpectation] = Field(default_factory=list)
    tolerance: Value | None = Field(default=None, description="factors may differ by at most this (never money)")


class Scenario(Model):
    """Changes to the workspace's inputs, in memory, and what the plan must then pay or find."""

    name: Text
    description: Annotated[StrictStr, Field(max_length=2000)] | None = None
    set: Annotated[dict[str, Value], BeforeValidator(_text_keys)] = Field(
        default_factory=dict, description="entity.input: a new value (2800) or a change (+5%, -20%), as whatif --set")
    ratings: Annotated[dict[str, Rating | None], BeforeValidator(_text_keys)] = Field(
        default_factory=dict, description="employee_id: a new individual_rating (null: none)")
    employees: EmployeeChanges | None = None
    expect: Expect


class ScenarioFile(Model):
    """One file of plan tests: a list of scenarios."""

    scenarios: list[Scenario] = Field(min_length=1)


def scenario_json_schema() -> dict[str, Any]:
    document = ScenarioFile.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "pmrules plan-test scenarios (tests/*.yaml)"
    return document
