"""The models of `pmrules.yaml` (WORKSPACE.md, version 1): plain data, validated, schema for free."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from pmrules.ids import model_id, model_name
from pmrules.models.currency import CurrencyCode, CurrencyOptions
from pmrules.models.limits import (
    MAX_DECIMAL_DIGITS,
    MAX_FACTOR,
    MAX_LONG_TEXT,
    MAX_MONEY,
    MAX_NUMBER,
    MAX_QUANTUM,
    MAX_TEXT,
    MIN_NUMBER_EXPONENT,
    MIN_QUANTUM,
    Factor,
    Number,
    check_quantum,
    parse_decimal,
)
from pmrules.models.manual import Override
from pmrules.models.plan_options import (
    BonusRounding,
    ComponentName,
    DiscretionLimits,
    DiscretionRange,
    FactorRange,
    RatingTable,
    RoundingSteps,
    normalise_ratings,
)
from pmrules.models.sources import DataSource

__all__ = ["MAX_DECIMAL_DIGITS", "MAX_FACTOR", "MAX_LONG_TEXT", "MAX_MONEY", "MAX_NUMBER", "MAX_QUANTUM",
           "MAX_TEXT", "MIN_NUMBER_EXPONENT", "MIN_QUANTUM", "Factor", "Number", "parse_decimal"]


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
Direction = Literal["higher", "lower"]
Perspective = Literal["financial", "customer", "internal", "learning"]
Discipline = Literal["customer_intimacy", "product_leadership", "operational_excellence"]
CenterType = Literal["cost", "revenue", "profit", "investment"]
Accumulation = Literal["sum", "last", "average"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    accumulate: Accumulation | None = Field(
        default=None, description="how the input adds up across the plan year's periods (`periods:`): sum "
        "(flows, the default), last (balances at period end) or average (of the periods with a value)")
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
    cap: Factor | None = None
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
    discretion: DiscretionRange | None = Field(
        default=None, description="the discretion (discretion.csv) this plan allows: min_pct, max_pct, min_amount, "
                                  "max_amount, applies (after_cap | before_cap)")

    @field_validator("individual_ratings", mode="before")
    @classmethod
    def _rating_keys(cls, value: object) -> object:
        return normalise_ratings(value)
    payout: PlanPayout | None = Field(
        default=None, description="plan-year payments (needs `periods:`): frequency, advance share, negative true-up")

    @model_validator(mode="after")
    def _discretion_before_a_cap(self) -> Plan:
        """`applies: before_cap` on a plan without a cap would change nothing: say so instead of ignoring it."""
        if self.discretion is not None and self.discretion.applies == "before_cap" and self.cap is None:
            raise ValueError("discretion.applies is before_cap, but the plan has no cap (give `cap:`, or use after_cap)")
        return self


class Rounding(Model):
    quantum: str = "0.01"
    mode: Literal["half_up", "half_even", "down"] = "half_up"

    @field_validator("quantum")
    @classmethod
    def _quantum(cls, value: str) -> str:
        return check_quantum(value, "rounding.quantum")


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


class SignOff(Model):
    """Who may sign off a committed run (docs/signoff.md)."""

    four_eyes: bool = Field(
        default=True, description="true (default): the preparer of a run neither reviews nor approves it, and its "
        "reviewer does not approve it; false allows it (each such step is recorded and warned)")


class DataFiles(Model):
    """Each a path (version 1) or a mapped source (an export as it comes, see docs/workspace.md)."""

    employees: str | DataSource = "employees.csv"
    actuals: str | DataSource = "actuals.csv"
    adjustments: str | None = Field(
        default=None, description="metric adjustments (entity, input, delta or value, reason, approved_by, period); "
                                  "without this key `adjustments.csv` is read when the workspace has one")
    fx: str | None = Field(
        default=None, description="exchange rates (currency,rate,source[,as_of]): units of the workspace currency "
                                  "per 1 unit of each currency employees are paid in (docs/workspace.md)")
    discretion: str | None = Field(
        default=None, description="discretion per employee (CSV or XLSX); default: discretion.csv if the workspace has one")


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
    currencies: dict[CurrencyCode, CurrencyOptions] = Field(
        default_factory=dict,
        description="per pay currency, its own rounding of bonuses (e.g. JPY: {quantum: \"1\"}); default the "
                    "workspace's `rounding`")
    discretion_limits: DiscretionLimits | None = Field(
        default=None, description="limits on total discretion, checked by the `discretion` rule set")
    rollup: dict[Name, RollupSpec] | None = Field(
        default=None,
        description="roll-up per input (sum | min | max | none, or {kind, reconcile}): a centre without a value "
                    "gets its children's; plugins' defaults apply to inputs not named here (docs/workspace.md)",
    )
    data: DataFiles = Field(default_factory=DataFiles)
    overrides: list[Override] = Field(
        default_factory=list,
        description="measure overrides: a scorecard line's factor or a component's score set by hand, with a reason "
                    "and an approver (docs/workspace.md)")
    periods: list[PeriodDef] | None = Field(
        default=None, min_length=1,
        description="the plan year's periods (quarters or months), contiguous from period_start to period_end")
    accumulate: dict[Name, Accumulation] = Field(
        default_factory=dict, description="per input, how it adds up across periods; wins over `inputs` and plugins")
    signoff: SignOff | None = Field(
        default=None, description="sign-off of committed plan-year runs (needs `periods:`): four_eyes")
