"""The models of `pmrules.yaml` (WORKSPACE.md, version 1): plain data, validated, schema for free."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictFloat,
    StrictInt,
    Tag,
    field_validator,
    model_validator,
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


RollupKind = Literal["sum", "min", "max", "none"]


class InputDef(Model):
    """A measured variable and the responsibility category that decides who controls it."""

    category: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] = Field(
        description="revenue, cost and investment are financial; any other category is non-financial"
    )
    unit: str | None = None
    description: str | None = None
    signed: bool = Field(
        default=False,
        description="the input may be negative; a `sum` roll-up of it is then reconciled only with `reconcile: exact`",
    )


class PluginInputDef(InputDef):
    """What `register_inputs` may return for one input: a workspace input plus a default roll-up."""

    rollup: RollupKind | None = Field(
        default=None, description="how a parent's missing value is made from its children's when a workspace rolls up"
    )


class RollupRule(Model):
    """A roll-up with options, e.g. `{kind: sum, reconcile: exact}`."""

    kind: RollupKind
    reconcile: Literal["exact"] | None = Field(
        default=None,
        description="exact: a parent's own value must equal the sum of its children's (default for an unsigned "
                    "sum: at least that sum; a signed sum is not reconciled unless exact)",
    )

    @model_validator(mode="after")
    def _reconcile_needs_sum(self) -> RollupRule:
        if self.reconcile is not None and self.kind != "sum":
            raise ValueError("`reconcile` applies to `sum` roll-ups only")
        return self


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
    components: Components
    combine: Literal["add", "multiply"] = Field(
        default="add",
        description="add: sum of weight x score; multiply: product of the component scores (weights unused)",
    )
    curve: Curve
    gates: list[Gate] = Field(default_factory=list)
    cap: Number | None = None
    individual_ratings: dict[StrictInt, Number] | None = None


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


def _rollup_form(value: object) -> str:
    return "options" if isinstance(value, dict) else "kind"


# `revenue: sum` or `revenue: {kind: sum, reconcile: exact}`; one error message for either form.
RollupSpec = Annotated[
    Annotated[RollupKind, Tag("kind")] | Annotated[RollupRule, Tag("options")],
    Discriminator(_rollup_form),
]


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
    rollup: dict[Name, RollupSpec] | None = Field(
        default=None,
        description="roll-up per input (sum | min | max | none, or {kind, reconcile}): a centre without a value "
                    "gets its children's; plugins' defaults apply to inputs not named here (docs/workspace.md)",
    )
    data: DataFiles = Field(default_factory=DataFiles)
