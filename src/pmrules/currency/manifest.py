"""What a run manifest records about currencies: every rate used, with its source, file line and date."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmrules.currency.rates import CONVENTION

if TYPE_CHECKING:
    from pmrules.payout.compute import PayoutRun


def _rate(record: dict[str, Any], rates: Any) -> dict[str, Any]:
    """A rate without the machine's path: the line of fx.csv it was read from."""
    out = {k: v for k, v in record.items() if k != "location"}
    if record["currency"] in rates:
        out["line"] = rates[record["currency"]].location.line
    return out


def fx_manifest(run: PayoutRun, root: Path) -> dict[str, Any]:
    cur = run.currency
    assert cur is not None
    file = None
    if cur.fx.file:
        try:
            file = str(Path(cur.fx.file).resolve().relative_to(root.resolve()))
        except ValueError:
            file = Path(cur.fx.file).name
    return {
        "workspace_currency": cur.home,
        "convention": CONVENTION,
        "file": file,
        "rates": [_rate(cur.rate_record(code), cur.fx.rates) for code in cur.used()],
        "unused_rates": sorted(code for code in cur.fx.rates if code not in cur.used() and code != cur.home),
    }
