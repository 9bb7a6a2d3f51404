"""The plan year with several pay currencies: each person trued up in their own currency, totals converted.

Payments are recorded with their currency (the ledger's payment trail, key `currency`). A true-up nets
what was paid before against what is due, so both must be in one currency: a person whose pay currency
differs from the one their earlier payments were made in is an error, never a silent mix.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from pmrules.errors import InputError
from pmrules.payout.rounding import round_to_quantum
from pmrules.rational import Fraction

if TYPE_CHECKING:
    from pmrules.payout.compute import PayoutRun
    from pmrules.planyear.pay import PeriodPayout


def check_same_currency(run: PayoutRun, i: int, code: str, paid_in: dict[str, str] | None) -> None:
    employee = run.table.ids[i].as_py()
    before = (paid_in or {}).get(employee)
    if before is not None and before != code:
        raise InputError(
            f"{employee} is paid in {code}, but the committed runs of earlier periods paid them in {before}",
            location=run.table.location(i),
            hint=f"a true-up nets earlier payments against the year-to-date bonus in one currency: keep {before} "
                 "for this plan year (convert outside pmrules), or start a new plan year")


def converted_total(result: PeriodPayout) -> Decimal:
    """Every payment times its rate, summed exactly, rounded once at the workspace quantum and mode."""
    cur = result.run.currency
    assert cur is not None
    exact = sum((Fraction(p.pay) * cur.rate(p.currency or cur.home) for p in result.payments), Fraction(0))
    quantum, mode = cur.home_rounding
    return round_to_quantum(exact, quantum, mode)


def by_currency(result: PeriodPayout) -> dict[str, str]:
    """What this period pays in each currency, in that currency."""
    cur = result.run.currency
    assert cur is not None
    sums: dict[str, Decimal] = {}
    for p in result.payments:
        code = p.currency or cur.home
        sums[code] = sums.get(code, Decimal(0)) + p.pay
    return {code: str(sums[code]) for code in cur.used() if code in sums}
