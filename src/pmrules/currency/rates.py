"""fx.csv: one exchange rate per currency, read as decimal text, with its source.

The convention, said in the docs and in every message: `rate` is the number of units of the
workspace currency that one unit of the row's currency buys (EUR,1.08 in a USD workspace: 1 EUR =
1.08 USD). Rates are checked against the employees who use them: a pay currency without a rate is an
error at the employee's line; a rate nobody uses is a warning (never silently ignored).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from pmrules.errors import InputError, Location, PmrulesError, raise_all
from pmrules.io.tables import Table
from pmrules.safetext import excerpt
from pmrules.workspace.cells import CellError, check_text, parse_date, parse_decimal

FX_REQUIRED = ("currency", "rate", "source")
FX_OPTIONAL = ("as_of",)
CONVENTION = "rate = units of the workspace currency per 1 unit of the row's currency"


@dataclass(frozen=True)
class Rate:
    """One row of fx.csv: exact, with where it came from."""

    currency: str
    rate: Decimal
    text: str
    source: str
    as_of: dt.date | None
    location: Location


@dataclass
class FxRates:
    """The rates of a workspace, by currency; `warnings` are (location, message) pairs never dropped."""

    file: str
    workspace_currency: str
    rates: dict[str, Rate] = field(default_factory=dict)
    warnings: list[tuple[Location, str]] = field(default_factory=list)

    def rate(self, currency: str) -> Decimal:
        return Decimal(1) if currency == self.workspace_currency else self.rates[currency].rate


def read_fx(table: Table, workspace_currency: str) -> FxRates:
    """Every row of fx.csv checked; all problems of the file reported at once."""
    header = table.header
    missing = [c for c in FX_REQUIRED if c not in header]
    extra = [c for c in header if c not in (*FX_REQUIRED, *FX_OPTIONAL)]
    if missing or extra or len(set(header)) != len(header):
        raise InputError(
            "; ".join(p for p in (f"missing column(s): {', '.join(missing)}" if missing else "",
                                  f"unknown column(s): {', '.join(excerpt(c) for c in extra)}" if extra else "",
                                  "duplicate column(s)" if len(set(header)) != len(header) else "") if p),
            location=table.location(), hint=f"the header is currency,rate,source[,as_of] ({CONVENTION})")
    col = {name: header.index(name) for name in header}
    fx = FxRates(table.file, workspace_currency)
    errors: list[PmrulesError] = []
    for i, row in enumerate(table.rows):
        where = table.location(i)

        def cell(name: str, row: list[str] = row) -> str:
            k = col.get(name)
            return row[k].strip() if k is not None and k < len(row) else ""

        try:
            code = cell("currency")
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise CellError(f"currency is {excerpt(code)}, not an ISO 4217 code", "write three capital letters such as EUR")
            text = cell("rate")
            if not text:
                raise CellError(f"no rate for {code}", f"write the rate as a decimal ({CONVENTION})")
            rate = parse_decimal(text, "rate")
            if rate <= 0:
                raise CellError(f"the rate of {code} is {text}, not positive",
                                f"a rate is more than 0 ({CONVENTION})")
            if code == workspace_currency and rate != 1:
                raise CellError(f"the rate of the workspace currency {code} is {text}, not 1",
                                f"1 {code} is 1 {code}: write 1 or drop the row ({CONVENTION})")
            source = check_text(cell("source"), "source")
            if not source:
                raise CellError(f"the rate of {code} has no source",
                                "say where the rate comes from (e.g. ECB reference rate 2026-12-31)")
            if re.search(r"[\x00-\x1f\x7f]", source):
                raise CellError(f"the source of {code} holds a control character", "write the source as plain text")
            as_of = parse_date(cell("as_of"), "as_of") if cell("as_of") else None
        except CellError as exc:
            errors.append(InputError(str(exc), location=where, hint=exc.hint))
            continue
        if code in fx.rates:
            errors.append(InputError(f"a second rate for {code}", location=where,
                                     hint=f"first given at {fx.rates[code].location}; keep one row per currency"))
            continue
        fx.rates[code] = Rate(code, rate, text, source, as_of, where)
    raise_all(errors)
    return fx
