"""Plan shapes beyond version 1 (issue 13): rounding steps, a plan's own bonus rounding, rating keys
as words or decimals, an individual factor range, and component names for formula combines.

Kept apart from `manifest.py` so the version-1 models read as the contract does.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pmrules.models.limits import Factor, check_quantum

if TYPE_CHECKING:
    from pmrules.models.manifest import Plan

RoundingMode = Literal["half_up", "half_even", "down"]
#: A component name a plan may list: corporate, unit, individual, or a level named under `levels:`
#: (checked against the workspace in workspace/structure.py); formulas in `combine` read these names.
ComponentName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=100)]
COMBINE_KEYWORDS = ("add", "multiply")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_.\- ]{0,60}$")
RATING_HINT = "a rating is a whole number (3), a decimal (1.25) or a word (exceeds)"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _quantum(value: str, what: str) -> str:
    return check_quantum(value, what)


class RoundingStep(_Model):
    """Round one intermediate value of a plan to a multiple of `quantum` (e.g. "0.01" = a whole percent)."""

    quantum: str = Field(description='decimal text, e.g. "0.01" for a whole percent of a factor, "1" for a dollar')
    mode: RoundingMode = "half_up"

    @field_validator("quantum")
    @classmethod
    def _check(cls, value: str) -> str:
        return _quantum(value, "quantum")


class RoundingSteps(_Model):
    """Where a plan rounds before the bonus itself is rounded; every step is optional and exact."""

    line_factor: RoundingStep | None = Field(default=None, description="each scorecard line's payout factor")
    component_score: RoundingStep | None = Field(default=None, description="each component's score")
    team_factor: RoundingStep | None = Field(
        default=None, description="the combine without the individual component (combine = team x individual)")
    multiplier: RoundingStep | None = Field(default=None, description="the multiplier, after gates and cap")
    target_amount: RoundingStep | None = Field(
        default=None, description="the target bonus amount (salary x percentage, or target_bonus) before multiplying")

    def steps(self) -> dict[str, RoundingStep]:
        return {name: step for name in ("line_factor", "component_score", "team_factor", "multiplier",
                                        "target_amount") if (step := getattr(self, name)) is not None}


class BonusRounding(_Model):
    """A plan's own rounding of the bonus, overriding the workspace's `rounding`."""

    quantum: str = "0.01"
    mode: RoundingMode = "half_up"

    @field_validator("quantum")
    @classmethod
    def _check(cls, value: str) -> str:
        return _quantum(value, "rounding.quantum")


class FactorRange(_Model):
    """The range an `individual_factor` column may take under this plan, both ends inclusive."""

    min: Factor
    max: Factor

    @model_validator(mode="after")
    def _ordered(self) -> FactorRange:
        if self.min > self.max or self.min < 0:
            raise ValueError(f"individual_factor needs 0 <= min <= max, got min {self.min}, max {self.max}")
        return self


def rating_key(value: Any) -> str:
    """The one spelling of a rating, from a YAML key or a CSV cell: 3, "3", 3.0 -> "3"; 1.250 -> "1.25"."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"the rating {value!r} is not allowed ({RATING_HINT})")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    if _NUMBER.match(text):
        number = Decimal(text)
        if number == number.to_integral_value():
            return str(int(number))
        return format(number.normalize(), "f")
    if _WORD.match(text):
        return text
    raise ValueError(f"the rating {text[:40]!r} is not allowed ({RATING_HINT})")


def is_whole_rating(key: str) -> bool:
    return re.fullmatch(r"[+-]?\d+", key) is not None


def normalise_ratings(value: Any) -> Any:
    """YAML keys (1, "110", exceeds, 1.25) to their one spelling; two keys with one spelling are refused."""
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, factor in value.items():
        canonical = rating_key(key)
        if canonical in out:
            raise ValueError(f"the ratings {key!r} and {canonical!r} are the same rating; keep one")
        out[canonical] = factor
    return out


RatingTable = Annotated[dict[str, Factor], Field(description=RATING_HINT + "; the value is the individual score")]


def component_names(plan: Plan) -> list[str]:
    """The plan's components in the order written (a weight mapping or a plain list)."""
    components = plan.components
    if isinstance(components, list):
        return list(components)
    return list(components.weights())


def component_weights(plan: Plan) -> dict[str, float | int]:
    """The weights written for the components, or {} for a plain list."""
    components = plan.components
    return {} if isinstance(components, list) else components.weights()


class DiscretionRange(_Model):
    """The discretion a plan allows on one employee's formula bonus; each bound optional, both ends inclusive.

    `*_pct` bound the discretion as a percent of the formula bonus (-100 takes it to zero), `*_amount`
    bound it as money. A discretion outside any bound is an error finding (rule set `discretion`): never clamped.
    """

    min_pct: Decimal | None = Field(default=None, ge=-100, description="lowest discretion, percent of the formula "
                                                                       "bonus (e.g. -100)")
    max_pct: Decimal | None = Field(default=None, ge=-100, description="highest discretion, percent (e.g. 30)")
    min_amount: Decimal | None = Field(default=None, description="lowest discretion as money (e.g. -5000)")
    max_amount: Decimal | None = Field(default=None, description="highest discretion as money (e.g. 5000)")
    applies: Literal["after_cap", "before_cap"] = Field(
        default="after_cap", description="after_cap: added to the capped bonus; before_cap: added to the uncapped "
                                         "bonus, then the cap (target x proration x cap) limits the sum")

    @model_validator(mode="after")
    def _ordered(self) -> DiscretionRange:
        for low, high in (("min_pct", "max_pct"), ("min_amount", "max_amount")):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a > b:
                raise ValueError(f"discretion: {low} {a} is above {high} {b}")
        return self


class DiscretionLimits(_Model):
    """Workspace-wide limits on discretion, checked by the `discretion` rule set."""

    max_share_of_pool_pct: Decimal = Field(
        gt=0, le=100, description="total positive discretion above this percent of the total formula bonus "
                                  "(the pool, when there is one) is a finding")
