"""Numbers and dates as people write them, read under the declared formats into canonical text.

Nothing is guessed: `1.234,56` is a number only under `decimal: ","` with `thousands: "."`. Money is
read from its text into a Decimal (an XLSX number cell from its float's shortest repr), never
computed through a float. The workspace's own currency symbol may be written; another one is an error.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from pmrules.models import Formats
from pmrules.safetext import excerpt
from pmrules.workspace.cells import CellError

SYMBOLS = {
    "USD": ("US$", "$"), "EUR": ("€",), "GBP": ("£",), "JPY": ("¥", "円"), "CNY": ("¥", "元"), "CHF": ("Fr.",),
    "CAD": ("CA$", "C$", "$"), "AUD": ("A$", "AU$", "$"), "NZD": ("NZ$", "$"), "INR": ("₹",), "SEK": ("kr",),
    "NOK": ("kr",), "DKK": ("kr.", "kr"), "PLN": ("zł",), "BRL": ("R$",), "MXN": ("MX$", "$"), "KRW": ("₩",),
}
# Signs of some other currency in a money cell; their presence is an error, never stripped.
FOREIGN = ("$", "€", "£", "¥", "₹", "₩", "₽", "₺", "R$", "kr", "zł", "Fr.")
SPACES = "\u00a0\u202f\u2009"


def currency_marks(currency: str) -> tuple[str, ...]:
    """What may precede or follow an amount in `currency`: its ISO code and its symbols, longest first."""
    return tuple(sorted({currency, *SYMBOLS.get(currency, ())}, key=len, reverse=True))


def _number_pattern(formats: Formats) -> re.Pattern[str]:
    dec = re.escape(formats.decimal)
    if formats.thousands:
        sep = "[ " + SPACES + "]" if formats.thousands == " " else re.escape(formats.thousands)
        grouped = rf"\d{{1,3}}(?:{sep}\d{{3}})+"
        return re.compile(rf"(?:{grouped}|\d+)(?:{dec}\d*)?|{dec}\d+")
    return re.compile(rf"\d+(?:{dec}\d*)?|{dec}\d+")


def describe(formats: Formats) -> str:
    """The declared number format, as a user would recognise it."""
    thousands = {"": "no", " ": "' '"}.get(formats.thousands, f"'{formats.thousands}'")
    sample = "1234" if not formats.thousands else f"1{formats.thousands}234"
    return f"declared decimal '{formats.decimal}' and {thousands} thousands separator, like {sample}{formats.decimal}56"


def parse_number(text: str, column: str, formats: Formats, *, currency: str | None, percent: bool) -> Decimal:
    """A decimal from text under `formats`; `currency` marks allowed on money, `%` (÷100) on fractions."""
    s = text.strip().strip(SPACES)
    negative = signed = had_mark = had_pct = False
    for _ in range(2):  # a sign and a currency mark in either order: -$1,200 or $-1,200
        if s and s[0] in "-+\u2212" and not signed:
            signed, negative, s = True, s[0] != "+", s[1:].strip(SPACES + " ")
        for mark in currency_marks(currency) if currency and not had_mark else ():
            if s.startswith(mark):
                had_mark, s = True, s[len(mark):].strip(SPACES + " ")
                break
            if s.endswith(mark):
                had_mark, s = True, s[: -len(mark)].strip(SPACES + " ")
                break
    if s.endswith("%"):
        if not percent:
            raise CellError(f"{column} is {excerpt(text)}, a percentage", f"{column} is an amount, not a fraction")
        had_pct, s = True, s[:-1].strip(SPACES + " ")
    if any(mark in s for mark in FOREIGN):
        where = f"the workspace's currency is {currency}" if currency else f"{column} is not money"
        raise CellError(f"{column} is {excerpt(text)}, in another currency", f"{where}: convert it first")
    if not _number_pattern(formats).fullmatch(s):
        raise CellError(f"{column} is {excerpt(text)}, not a number under the declared format", describe(formats))
    plain = s.replace(formats.thousands, "") if formats.thousands else s
    if formats.thousands == " ":
        plain = re.sub("[" + SPACES + "]", "", plain)
    value = Decimal(plain.replace(formats.decimal, "."))
    if negative:
        value = -value
    return value.scaleb(-2) if had_pct else value


def number_text(value: Decimal) -> str:
    """Canonical text of a decimal: plain digits, never an exponent."""
    return format(value, "f")


def cell_number(value: object, column: str) -> Decimal:
    """An XLSX number cell exactly: ints as they are, floats from their shortest repr (0.1 is 0.1)."""
    if isinstance(value, bool):
        raise CellError(f"{column} is {str(value).upper()}, not a number", "a number cell, or text under the declared format")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return Decimal(repr(value))
    raise CellError(f"{column} is {excerpt(str(value))}, not a number", "a number cell, or text under the declared format")


def parse_date(text: str, column: str, formats: Formats) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), formats.date).date()
    except ValueError:
        example = dt.date(2026, 3, 15).strftime(formats.date)
        raise CellError(f"{column} is {excerpt(text)}, not a date under the declared format {formats.date}",
                        f"write it like {example}, or change formats.date") from None
