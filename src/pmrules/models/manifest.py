"""The models of `pmrules.yaml` (WORKSPACE.md, version 1): plain data, validated, schema for free."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictFloat,
    StrictInt,
    Tag,
    field_validator,
    model_validator,
)

from pmrules.ids import model_id, model_name
from pmrules.models.sources import DataSource

# Limits on what a manifest may hold (SECURITY.md lists them). They are checked by validators, not
# by Field constraints, so the JSON Schema of `pmrules schema` stays as it is.
MAX_NUMBER = 10**15  # any YAML number: breakpoints, targets, gate bounds
MIN_NUMBER_EXPONENT = -30  # smallest decimal exponent of a non-zero YAML number (1e-30)
MAX_FACTOR = 1000  # weights, curve factors, rating factors and caps: 0 to 1,000
MAX_MONEY = Decimal(10**12)  # salaries, pools and every bonus: at most 1,000,000,000,000
MIN_QUANTUM = Decimal("0.000001")
MAX_QUANTUM = Decimal(1_000_000)
MAX_DECIMAL_DIGITS = 30  # digits of a decimal written as text (money, quanta, table cells)
MAX_TEXT = 200  # names, titles, units, periods
MAX_LONG_TEXT = 2000  # descriptions and statements


def _number(value: int | float) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number (write the number itself, between -1e15 and 1e15)")
    if abs(value) > MAX_NUMBER:
        raise ValueError(f"{value:.6g} is out of range (numbers are between -1e15 and 1e15)")
    if value and Decimal(repr(value)).adjusted() < MIN_NUMBER_EXPONENT:
        raise ValueError(f"{value!r} is too small to be meant (write 0, or a number of at least 1e-30)")
    return value


def _factor(value: int | float) -> int | float:
    if value < 0:
        raise ValueError(f"{value} is negative (weights, curve and rating factors and caps are 0 or more; "
                         "a negative one would pay a negative bonus)")
    if value > MAX_FACTOR:
        raise ValueError(f"{value:.6g} is more than {MAX_FACTOR} (weights, curve and rating factors and caps are "
                         f"between 0 and {MAX_FACTOR}; write a fraction such as 1.5 for 150%)")
    return value


def _text(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"text of {len(value):,} characters; at most {limit:,} are allowed (shorten it)")
        return value

    return AfterValidator(check)



# Normalised (NFKC, trimmed) first, and a character outside the pattern is named (pmrules.ids).
# (The validator after the Field wraps the checked str schema, so `pmrules schema` keeps the patterns.)
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=100), BeforeValidator(model_id)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=100), BeforeValidator(model_name)]
Text = Annotated[str, _text(MAX_TEXT)]
LongText = Annotated[str, _text(MAX_LONG_TEXT)]
# YAML numbers only: "0.6" as a string is a typo we refuse rather than guess.
Number = Annotated[StrictInt | StrictFloat, AfterValidator(_number)]
Factor = Annotated[StrictInt | StrictFloat, AfterValidator(_number), AfterValidator(_factor)]
Direction = Literal["higher", "lower"]
Perspective = Literal["financial", "customer", "internal", "learning"]
Discipline = Literal["customer_intimacy", "product_leadership", "operational_excellence"]
CenterType = Literal["cost", "revenue", "profit", "investment"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_decimal(value: str, what: str) -> Decimal:
    """Money and quanta are written as quoted decimal text so no binary float touches them."""
    if len(value) > 2 * MAX_DECIMAL_DIGITS:
        raise ValueError(f"{what} is {len(value)} characters long; write at most {MAX_DECIMAL_DIGITS} digits")
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{what} must be a decimal number written as text, like \"0.01\"") from exc
    if not number.is_finite():
        raise ValueError(f"{what} must be finite")
    if len(number.as_tuple().digits) > MAX_DECIMAL_DIGITS or not -MAX_DECIMAL_DIGITS <= number.adjusted() <= 15:
        raise ValueError(f"{what} is {value}, out of range (write at most {MAX_DECIMAL_DIGITS} digits, "
                         "between 1e-30 and 1e15)")
    return number


RollupKind = Literal["sum", "min", "max", "none"]


class InputDef(Model):
    """A measured variable and the responsibility category that decides who controls it."""

    category: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$"), _text(100)] = Field(
        description="revenue, cost and investment are financial; profit is revenue and cost; cash is revenue, "
                    "cost and investment; the other known categories (and those under `categories:`) are "
                    "non-financial; any other category is an error"
    )
    unit: Text | None = None
    description: LongText | None = None
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
    name: Text
    formula: Annotated[str, Field(max_length=2000)]
    direction: Direction
    perspective: Perspective
    unit: Text | None = None
    discipline: Discipline | None = None
    description: LongText | None = None


class Objective(Model):
    id: Id
    statement: LongText
    kpi: Name | None = None
    target: Number | None = None


class Strategy(Model):
    discipline: Discipline
    objectives: list[Objective] = Field(default_factory=list)


class Center(Model):
    """A responsibility centre; its type decides which financial categories it controls."""

    id: Id
    name: Text
    type: CenterType
    parent: Id | None = None
    manager: Id | None = None
    level: Name | None = Field(default=None, description="a name from `levels:` (company, segment, unit, ...)")


class CurvePoint(Model):
    """One point of a line's own curve: the KPI result and the payout factor it earns."""

    result: Number
    factor: Number


class LineCurve(Model):
    """A scorecard line's own curve, replacing the plan's for that line.

    Either factors at the line's threshold, target and maximum, or `points` (any number of
    result/factor pairs, worst result first; two points with the same result are a cliff).
    """

    threshold: Number | None = Field(default=None, description="factor at the line's threshold")
    target: Number | None = Field(default=None, description="factor at the line's target")
    maximum: Number | None = Field(default=None, description="factor at the line's maximum (= target: no upside)")
    points: list[CurvePoint] | None = Field(default=None, min_length=1,
                                            description="result/factor pairs, worst result first")
    below: Number = Field(default=0, description="factor below the threshold (or the first point)")
    steps: bool = Field(default=False, description="pay the factor of the last point reached, no interpolation")

    @model_validator(mode="after")
    def _one_form(self) -> LineCurve:
        factors = (self.threshold, self.target, self.maximum)
        if self.points is not None and any(f is not None for f in factors):
            raise ValueError("a line curve has either `points` or threshold/target/maximum factors, not both")
        if self.points is None and None in factors:
            raise ValueError("a line curve needs `points`, or all of threshold, target and maximum factors")
        return self


class ScorecardLine(Model):
    kpi: Name
    weight: Factor
    threshold: Number | None = Field(default=None, description="value where the line starts paying")
    target: Number | None = Field(default=None, description="value that pays the curve's target factor")
    maximum: Number | None = Field(default=None, description="value that pays the curve's maximum factor")
    supports: Text | None = Field(
        default=None, description="a KPI id on the parent's scorecard, or strategy:<objective id>"
    )
    of: Id | None = Field(default=None, description="measure the KPI of this centre (a shared measure)")
    of_level: Name | None = Field(
        default=None, description="measure the KPI of the owner's nearest ancestor-or-self at this level")
    curve: LineCurve | None = Field(default=None, description="this line's own curve instead of the plan's")

    @model_validator(mode="after")
    def _one_source(self) -> ScorecardLine:
        if self.of is not None and self.of_level is not None:
            raise ValueError("a line measures one centre: give `of` or `of_level`, not both")
        return self


class Scorecard(Model):
    owner: Id = Field(description="a centre id or an employee id")
    kpis: list[ScorecardLine] = Field(min_length=1)


class Curve(Model):
    """Payout factor at the three breakpoints of every line."""

    threshold: Factor
    target: Factor
    maximum: Factor


class Gate(Model):
    """A condition that must hold, or the bonus is 0: one owner's KPI value, or a score of the plan."""

    owner: Id | None = None
    kpi: Name | None = None
    score: Name | None = Field(default=None, description="a component name of the plan, or `total` (a hurdle)")
    min: Number | None = None
    max: Number | None = None

    @model_validator(mode="after")
    def _has_bound(self) -> Gate:
        if self.min is None and self.max is None:
            raise ValueError("a gate needs `min`, `max` or both")
        if self.score is not None and (self.owner is not None or self.kpi is not None):
            raise ValueError("a gate tests a `score`, or an `owner`'s `kpi`, not both")
        if self.score is None and (self.owner is None or self.kpi is None):
            raise ValueError("a gate needs `owner` and `kpi` (a KPI value), or `score` (a component or total)")
        return self


class Components(Model):
    """Component weights: corporate, unit, individual, and any level named under `levels:`."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, Factor]  # type: ignore[assignment]

    corporate: Factor | None = None
    unit: Factor | None = None
    individual: Factor | None = None

    def weights(self) -> dict[str, Number]:
        """The components present, in the order corporate, unit, individual, then levels as written."""
        named = {name: value for name in ("corporate", "unit", "individual")
                 if (value := getattr(self, name)) is not None}
        return {**named, **(self.model_extra or {})}


class Plan(Model):
    id: Id
    components: Components
    combine: Literal["add", "multiply"] = Field(
        default="add",
        description="add: sum of weight x score; multiply: product of the component scores (weights unused)",
    )
    curve: Curve
    gates: list[Gate] = Field(default_factory=list)
    cap: Factor | None = None
    individual_ratings: dict[StrictInt, Factor] | None = None


class Rounding(Model):
    quantum: str = "0.01"
    mode: Literal["half_up", "half_even", "down"] = "half_up"

    @field_validator("quantum")
    @classmethod
    def _quantum(cls, value: str) -> str:
        number = parse_decimal(value, "rounding.quantum")
        if number <= 0:
            raise ValueError("rounding.quantum must be positive, like \"0.01\"")
        if not MIN_QUANTUM <= number <= MAX_QUANTUM:
            raise ValueError(f"rounding.quantum is {value}, out of range (it is between {MIN_QUANTUM} and "
                             f"{MAX_QUANTUM:,}, like \"0.01\")")
        return value


class Pool(Model):
    """Scale every bonus so the total equals this amount exactly."""

    amount: str

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str) -> str:
        amount = parse_decimal(value, "pool.amount")
        if amount < 0:
            raise ValueError("pool.amount must not be negative")
        if amount > MAX_MONEY:
            raise ValueError(f"pool.amount is {value}, more than the maximum {MAX_MONEY:,} (check the amount)")
        return value


def _rollup_form(value: object) -> str:
    return "options" if isinstance(value, dict) else "kind"


# `revenue: sum` or `revenue: {kind: sum, reconcile: exact}`; one error message for either form.
RollupSpec = Annotated[
    Annotated[RollupKind, Tag("kind")] | Annotated[RollupRule, Tag("options")],
    Discriminator(_rollup_form),
]


class DataFiles(Model):
    """Each a path (version 1) or a mapped source (an export as it comes, see docs/workspace.md)."""

    employees: str | DataSource = "employees.csv"
    actuals: str | DataSource = "actuals.csv"


class Manifest(Model):
    """`pmrules.yaml`: everything about a workspace except its tabular data."""

    version: Literal[1]
    workspace: Text
    period: Text
    period_start: dt.date
    period_end: dt.date
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    rounding: Rounding = Field(default_factory=Rounding)
    plugins: list[Text] = Field(default_factory=list)
    rulesets: list[Text] = Field(default_factory=list)
    strategy: Strategy | None = Field(default=None, description="optional: a bonus-only workspace may omit it")
    levels: list[Name] = Field(default_factory=list,
                               description="names of the levels of the centre tree, top first (company, segment, ...)")
    categories: list[Name] = Field(default_factory=list,
                                   description="extra non-financial input categories this workspace uses")
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
