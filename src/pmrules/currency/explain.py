"""--explain for an employee of a workspace that pays in several currencies: pay currency, rounding, conversion."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pmrules.currency.rates import CONVENTION
from pmrules.payout.exact import fraction_text
from pmrules.rational import Fraction

if TYPE_CHECKING:
    from pmrules.payout.compute import PayoutRun


def currency_trail(trail: dict[str, Any], run: PayoutRun, i: int, plan_rounding: tuple[Decimal, str]) -> None:
    """Add `currency` to the trail; the bonus rounding becomes the pay currency's when it has its own quantum."""
    cur = run.currency
    assert cur is not None
    code = cur.codes[i].as_py()
    quantum, mode = cur.rounding(code, plan_rounding)
    if code in cur.options:
        trail["rounding"] = {"quantum": str(quantum), "mode": mode, "source": f"currencies.{code}"}
    record: dict[str, Any] = {"currency": code, "workspace_currency": cur.home}
    if code != cur.home:
        rate = cur.fx.rates[code]
        record.update({"rate": rate.text, "source": rate.source, "location": str(rate.location),
                       "as_of": None if rate.as_of is None else rate.as_of.isoformat(), "convention": CONVENTION})
        bonus = trail.get("bonus")
        if bonus is not None:
            exact = Fraction(bonus) * cur.rate(code)
            home_quantum, home_mode = cur.home_rounding
            from pmrules.payout.rounding import round_to_quantum

            record["bonus_converted_exact"] = fraction_text(exact)
            record["bonus_converted"] = str(round_to_quantum(exact, home_quantum, home_mode))
    trail["currency"] = record
