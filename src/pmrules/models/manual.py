"""Measure overrides in `pmrules.yaml` (`overrides:`): a line factor or a component score set by hand.

The KPI value stays the real one; only the factor or score is replaced, with a reason and an approver
that the `manual-changes` rule set insists on. Metric adjustments are a table (adjustments.csv), see
workspace/adjustments.py.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from pmrules.ids import model_id, model_name
from pmrules.models.limits import MAX_LONG_TEXT, MAX_TEXT, Factor


def _limit(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"text of {len(value):,} characters; at most {limit:,} are allowed (shorten it)")
        return value

    return AfterValidator(check)


_Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=100), BeforeValidator(model_id)]
_Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=100), BeforeValidator(model_name)]


class Override(BaseModel):
    """One override: `{owner, kpi, factor}` (a scorecard line) or `{owner, component, score}` (a component)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    owner: _Id = Field(description="the scorecard owner (a line override) or the centre whose component score is "
                                   "replaced (a component override)")
    kpi: _Name | None = Field(default=None, description="the scorecard line (its KPI) whose factor is replaced")
    factor: Factor | None = Field(default=None, description="the line factor to use instead of the curve's")
    component: _Name | None = Field(
        default=None, description="corporate, unit or a level: the component whose score is replaced wherever it "
                                  "is scored from the owner's scorecard")
    score: Factor | None = Field(default=None, description="the component score to use instead of the scorecard's")
    reason: Annotated[str, _limit(MAX_LONG_TEXT)] = Field(
        default="", description="why (an empty reason is an audit error: manual-changes.override-no-reason)")
    approved_by: Annotated[str, _limit(MAX_TEXT)] = Field(
        default="", description="who approved it (empty: manual-changes.override-no-approver)")

    @model_validator(mode="after")
    def _one_target(self) -> Override:
        line = self.kpi is not None or self.factor is not None
        component = self.component is not None or self.score is not None
        if line and component:
            raise ValueError("an override replaces either a line factor (kpi + factor) or a component score "
                             "(component + score), not both: split it into two overrides")
        if line and (self.kpi is None or self.factor is None):
            raise ValueError("a line override needs both `kpi` and `factor`: add the factor to pay instead of the curve's")
        if component and (self.component is None or self.score is None):
            raise ValueError("a component override needs both `component` and `score`: add the score to use instead")
        if not line and not component:
            raise ValueError("an override needs `kpi` and `factor` (a scorecard line) or `component` and `score`")
        return self

    @property
    def target(self) -> str:
        """The KPI or component it replaces."""
        return str(self.kpi if self.kpi is not None else self.component)

    @property
    def value(self) -> float | int:
        return self.factor if self.factor is not None else self.score  # type: ignore[return-value]
