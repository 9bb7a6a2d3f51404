"""The models of `pmrules.yaml` (WORKSPACE.md, version 1): plain data, validated, schema for free."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator, model_validator

from pmrules.models.plan_options import (
    BonusRounding,
    ComponentName,
    FactorRange,
    RatingTable,
    RoundingSteps,
    normalise_ratings,
)

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=100)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=100)]
# YAML numbers only: "0.6" as a string is a typo we refuse rather than guess.
Number = StrictInt | StrictFloat
Direction = Literal["higher", "lower"]
Perspective = Literal["financial", "customer", "internal", "learning"]
Discipline = Literal["customer_intimacy", "product_leadership", "operational_excellence"]
CenterType = Literal["cost", "revenue", "profit", "investment"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_decimal(value: str, what: str) -> Decimal:
    """Money and quanta are written as quoted decimal text so no binary float touches them."""
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{what} must be a decimal number written as text, like \"0.01\"") from exc
    if not number.is_finite():
        raise ValueError(f"{what} must be finite")
    return number


class InputDef(Model):
    """A measured variable and the responsibility category that decides who controls it."""

    category: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] = Field(
        description="revenue, cost and investment are financial; any other category is non-financial"
    )
    unit: str | None = None
    description: str | None = None


class KpiDef(Model):
    """A KPI: a formula over inputs and other KPIs, never executed as Python."""

    id: Name
    name: str
    formula: Annotated[str, Field(max_length=2000)]
    direction: Direction
    perspective: Perspective
    unit: str | None = None
    discipline: Discipline | None = None
    description: str | None = None


class Objective(Model):
    id: Id
    statement: str
    kpi: Name | None = None
    target: Number | None = None


class Strategy(Model):
    discipline: Discipline
    objectives: list[Objective] = Field(default_factory=list)


class Center(Model):
    """A responsibility centre; its type decides which financial categories it controls."""

    id: Id
    name: str
    type: CenterType
    parent: Id | None = None
    manager: Id | None = None


class ScorecardLine(Model):
    kpi: Name
    weight: Number
    threshold: Number | None = Field(default=None, description="value where the line starts paying")
    target: Number | None = Field(default=None, description="value that pays the curve's target factor")
    maximum: Number | None = Field(default=None, description="value that pays the curve's maximum factor")
    supports: str | None = Field(
        default=None, description="a KPI id on the parent's scorecard, or strategy:<objective id>"
    )


class Scorecard(Model):
    owner: Id = Field(description="a centre id or an employee id")
    kpis: list[ScorecardLine] = Field(min_length=1)


class Curve(Model):
    """Payout factor at the three breakpoints of every line."""

    threshold: Number
    target: Number
    maximum: Number


class Gate(Model):
    """A condition on one owner's KPI value that must hold, or the bonus is 0."""

    owner: Id
    kpi: Name
    min: Number | None = None
    max: Number | None = None

    @model_validator(mode="after")
    def _has_bound(self) -> Gate:
        if self.min is None and self.max is None:
            raise ValueError("a gate needs `min`, `max` or both")
        return self


class Components(Model):
    corporate: Number | None = None
    unit: Number | None = None
    individual: Number | None = None

    def weights(self) -> dict[str, Number]:
        """The components present, in the order corporate, unit, individual."""
        return {name: value for name in ("corporate", "unit", "individual")
                if (value := getattr(self, name)) is not None}


class Plan(Model):
    id: Id
    components: Components | list[ComponentName] = Field(
        description="weights per component ({corporate: 0.5, unit: 0.5}), or a plain list of component names "
                    "when `combine` is `multiply` or a formula that carries its own weights")
    combine: Literal["add", "multiply"] | Annotated[str, Field(min_length=1, max_length=500)] = Field(
        default="add",
        description="add: sum of weight x score; multiply: product of the component scores (weights unused); "
                    "or a formula over the component names, e.g. (0.75*unit + 0.25*corporate) * individual",
    )
    curve: Curve
    gates: list[Gate] = Field(default_factory=list)
    cap: Number | None = None
    individual_ratings: RatingTable | None = None
    # Beyond version 1 (docs/workspace.md): the plan's own bonus rounding, its rounding steps and an
    # individual factor column's range.
    rounding: BonusRounding | None = Field(
        default=None, description="this plan's rounding of each bonus, overriding the workspace's `rounding`")
    rounding_steps: RoundingSteps | None = Field(
        default=None, description="values the plan rounds before the bonus: line_factor, component_score, "
                                  "team_factor, multiplier, target_amount")
    individual_factor: FactorRange | None = Field(
        default=None, description="employees may give their individual score in an `individual_factor` column, "
                                  "within this range")

    @field_validator("individual_ratings", mode="before")
    @classmethod
    def _rating_keys(cls, value: object) -> object:
        return normalise_ratings(value)


class Rounding(Model):
    quantum: str = "0.01"
    mode: Literal["half_up", "half_even", "down"] = "half_up"

    @field_validator("quantum")
    @classmethod
    def _quantum(cls, value: str) -> str:
        number = parse_decimal(value, "rounding.quantum")
        if number <= 0:
            raise ValueError("rounding.quantum must be positive, like \"0.01\"")
        return value


class Pool(Model):
    """Scale every bonus so the total equals this amount exactly."""

    amount: str

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str) -> str:
        if parse_decimal(value, "pool.amount") < 0:
            raise ValueError("pool.amount must not be negative")
        return value


class DataFiles(Model):
    employees: str = "employees.csv"
    actuals: str = "actuals.csv"


class Manifest(Model):
    """`pmrules.yaml`: everything about a workspace except its tabular data."""

    version: Literal[1]
    workspace: str
    period: str
    period_start: dt.date
    period_end: dt.date
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    rounding: Rounding = Field(default_factory=Rounding)
    plugins: list[str] = Field(default_factory=list)
    rulesets: list[str] = Field(default_factory=list)
    strategy: Strategy
    inputs: dict[Name, InputDef] = Field(default_factory=dict)
    kpis: list[KpiDef] = Field(default_factory=list)
    centers: list[Center] = Field(min_length=1)
    scorecards: list[Scorecard] = Field(default_factory=list)
    plans: list[Plan] = Field(default_factory=list)
    pool: Pool | None = None
    data: DataFiles = Field(default_factory=DataFiles)
