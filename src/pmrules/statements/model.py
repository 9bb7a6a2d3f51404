"""A statement as plain data: what one employee reads about their own bonus, and nothing about anyone else.

Built from the current computation (build.py) or from a committed run in the ledger (from_run.py),
rendered by html.py. Money is Decimal (already rounded as the plan rounds), scores and factors
exact Fractions; formatting for a locale happens only when rendering.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeAlias

from pmrules.rational import Fraction

Number: TypeAlias = "Fraction | Decimal"


@dataclass(frozen=True)
class Change:
    """A manual change to what the formulas gave, with its reason: the statement's "Adjustments and discretion".

    kind: `adjustment` (a metric adjusted), `override` (a measure's result replaced), `discretion` (the
    bonus changed by a person), or any other word a source uses. subject: what changed, in words
    ("KPI conversion of Corp", "bonus"). before / after: the values (text is shown as written; numbers
    formatted for the locale, as money when `money`). reason: why, as recorded. approved_by: who approved
    it. source: where it was recorded (`adjustments.csv:4`). Nothing fills it yet: the metric adjustments,
    overrides and discretion of issue 14 append here when they land; the section is absent when empty.
    """

    kind: str
    subject: str
    before: Number | str | None
    after: Number | str | None
    reason: str
    approved_by: str | None = None
    source: str | None = None
    money: bool = False


@dataclass(frozen=True)
class Measure:
    """One scorecard line as the employee is paid on it."""

    kpi: str
    name: str  # the KPI's display name
    unit: str | None
    owner: str  # whose result it is, in words: a centre's name, or "you" for the employee's own scorecard
    result: Number | None
    threshold: Number | None
    target: Number | None
    maximum: Number | None
    factor: Number | None
    weight: Number
    problem: str | None = None


@dataclass(frozen=True)
class Component:
    name: str  # corporate, unit, individual, or a level
    weight: Number | None  # None when the plan multiplies the scores (no weights)
    source: str  # in words: "scorecard of North region", "rating 4", "individual factor 1.1"
    score: Number | None
    measures: tuple[Measure, ...] = ()


@dataclass(frozen=True)
class GateLine:
    what: str  # "KPI return_on_equity of Corp" or "total score"
    value: Number | None
    min: Number | None
    max: Number | None
    passed: bool | None


@dataclass(frozen=True)
class Paid:
    """One earlier payment of the plan year, from a committed run of the ledger."""

    period: str
    run: int
    paid: Decimal
    forgiven: Decimal = Decimal(0)


@dataclass(frozen=True)
class Installment:
    """A period of the plan year (`--period`): the year-to-date earned bonus, the share due now, less what was paid."""

    period: str
    final: bool
    earned: Decimal | None
    share: Number
    target: Decimal | None
    net_paid_before: Decimal
    due: Decimal | None
    pay: Decimal
    forgiven: Decimal = Decimal(0)
    carried: Decimal = Decimal(0)
    note: str = ""


@dataclass
class Statement:
    employee_id: str
    name: str
    centre: str  # the centre's name
    centre_id: str
    plan: str
    workspace: str
    plan_year: str
    period: str  # the period paid: the plan year, or one of its periods
    start: dt.date
    end: dt.date
    currency: str
    status: str  # paid | unpaid
    reasons: list[str]
    base_salary: Decimal
    target_pct: Decimal | None
    target_bonus: Decimal | None  # a fixed target amount (target_bonus column) instead of salary x percentage
    target_amount: Number | None
    days: int
    period_days: int
    employed_from: dt.date | None
    employed_to: dt.date | None
    components: list[Component]
    combine: str
    combined: Number | None
    cap: Number | None
    capped: bool
    gates: list[GateLine] | None  # None: the source does not record gates (a committed run's trail)
    multiplier: Number | None
    bonus: Decimal | None  # the period's bonus (whole year), or the year-to-date earned bonus (a period)
    installment: Installment | None = None
    pooled: bool = False  # the bonus was scaled to the workspace's pool after target x proration x multiplier
    paid_before: list[Paid] | None = None  # None: no ledger; [] : a ledger with nothing paid before
    changes: list[Change] = field(default_factory=list)
    basis: str = "the current computation"  # or "run 3 (Q2), committed 2026-11-30T01:29:27+00:00 by ana"

    @property
    def proration(self) -> Fraction:
        return Fraction(self.days, self.period_days)

    @property
    def amount(self) -> Decimal | None:
        """The amount this statement is about: the payment of the period, else the bonus."""
        return self.installment.pay if self.installment is not None else self.bonus
