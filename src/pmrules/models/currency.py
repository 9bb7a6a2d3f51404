"""The models of paying in several currencies (issue 14): `currencies:` in pmrules.yaml and the ISO code."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pmrules.models.limits import check_quantum

# An ISO 4217 alphabetic code, as version 1's `currency:` key spells it.
CURRENCY_PATTERN = r"^[A-Z]{3}$"
CurrencyCode = Annotated[str, Field(pattern=CURRENCY_PATTERN)]


class CurrencyOptions(BaseModel):
    """How bonuses paid in one currency are rounded (JPY has no cents): its own quantum, and optionally mode."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quantum: str = Field(description="the rounding quantum of bonuses paid in this currency, e.g. \"1\" for JPY")
    mode: Literal["half_up", "half_even", "down"] | None = Field(
        default=None, description="rounding mode in this currency; default: the plan's or the workspace's")

    @field_validator("quantum")
    @classmethod
    def _quantum(cls, value: str) -> str:
        return check_quantum(value, "currencies.quantum")
