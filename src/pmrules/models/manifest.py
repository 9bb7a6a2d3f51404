"""The models of `pmrules.yaml` (WORKSPACE.md, version 1): plain data, validated, schema for free."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator, model_validator

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=100)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=100)]
# YAML numbers only: "0.6" as a string is a typo we refuse rather than guess.
Number = StrictInt | StrictFloat
Direction = Literal["higher", "lower"]
Perspective = Literal["financial", "customer", "internal", "learning"]
Discipline = Literal["customer_intimacy", "product_leadership", "operational_excellence"]
CenterType = Literal["cost", "revenue", "profit", "investment"]
Accumulation = Literal["sum", "last", "average"]


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
    accumulate: Accumulation | None = Field(
        default=None, description="how the input adds up across the plan year's periods (`periods:`): sum "
        "(flows, the default), last (balances at period end) or average (of the periods with a value)")


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


class PeriodDef(Model):
    """One period of the plan year (a quarter or a month); both ends count as days of it."""

    id: Id
    start: dt.date
    end: dt.date


class PlanPayout(Model):
    """How a plan pays across the plan year: when, how much of the earned bonus, and what a negative true-up does."""

    frequency: Literal["period", "quarter", "year"] = Field(
        default="period", description="pay at every period, at every quarter's last period, or only at year end")
    advance_share: Number = Field(
        default=1, ge=0, le=1, description="share of the year-to-date earned bonus paid before year end, e.g. 0.75")
    negative_true_up: Literal["carry_forward", "forgive", "recover"] = Field(
        default="carry_forward",
        description="when paid so far exceeds what is due: carry_forward (pay 0, net it later), forgive (pay 0, "
        "write it off), recover (a negative payment)")


class Plan(Model):
    id: Id
    components: Components
    combine: Literal["add", "multiply"] = Field(
        default="add",
        description="add: sum of weight x score; multiply: product of the component scores (weights unused)",
    )
    curve: Curve
    gates: list[Gate] = Field(default_factory=list)
    cap: Number | None = None
    individual_ratings: dict[StrictInt, Number] | None = None
    payout: PlanPayout | None = Field(
        default=None, description="plan-year payments (needs `periods:`): frequency, advance share, negative true-up")


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
    periods: list[PeriodDef] | None = Field(
        default=None, min_length=1,
        description="the plan year's periods (quarters or months), contiguous from period_start to period_end")
    accumulate: dict[Name, Accumulation] = Field(
        default_factory=dict, description="per input, how it adds up across periods; wins over `inputs` and plugins")
