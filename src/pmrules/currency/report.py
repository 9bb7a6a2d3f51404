"""The report's paragraph on pay currencies: each currency's total, its rate and source, and the total converted."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pmrules.currency.run import currency_totals

if TYPE_CHECKING:
    from pmrules.payout.compute import PayoutRun


def _money(text: str) -> str:
    return f"{Decimal(text):,}"


def _row(code: str, row: dict[str, Any], esc: Callable[[object], str]) -> str:
    as_of = f" ({esc(row['as_of'])})" if row.get("as_of") else ""
    return (f"<tr><td>{esc(code)}</td><td class=num>{esc(_money(row['total']))}</td>"
            f"<td class=num>{esc(row['rate'])}</td><td>{esc(row['source'])}{as_of}</td>"
            f"<td class=num>{esc(_money(row['converted']))}</td></tr>")


def currency_section(run: PayoutRun, esc: Callable[[object], str]) -> str:
    summary = currency_totals(run)
    fx = summary["fx"]
    home = fx["workspace_currency"]
    rows = "".join(_row(code, row, esc) for code, row in summary["by_currency"].items())
    return (f'<h3 id="currencies">Totals by pay currency</h3><p class=muted>Each bonus is computed and rounded in '
            f"its pay currency; {esc(fx['convention'])}. The total in {esc(home)} is the "
            f"{esc(fx['converted_total'])}: {esc(home)} {esc(_money(summary['total']))}. "
            "Histograms and per-plan figures count foreign bonuses converted.</p>"
            "<table><thead><tr><th>currency</th><th>total</th><th>rate</th><th>source</th>"
            f"<th>converted ({esc(home)})</th></tr></thead><tbody>{rows}</tbody></table>")
