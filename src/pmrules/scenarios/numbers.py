"""Numbers of a scenario file: exact decimals from what the author wrote, and factors that may be fractions."""

from __future__ import annotations

import re
from decimal import Decimal

from pmrules.payout.exact import exact
from pmrules.rational import Fraction
from pmrules.workspace.cells import CellError, parse_decimal

_FRACTION = re.compile(r"^\s*([+-]?\d{1,40})\s*/\s*(\d{1,40})\s*$")


class NumberError(ValueError):
    """A value that is not the number it should be; carries a hint for the user."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def text_of(value: str | int | float) -> str:
    """A YAML float's repr is the decimal its author wrote (up to 15 digits); strings are taken as written."""
    return repr(value) if isinstance(value, float) else str(value)


def decimal_of(value: str | int | float, what: str) -> Decimal:
    try:
        return parse_decimal(text_of(value), what)
    except CellError as exc:
        raise NumberError(str(exc), exc.hint) from None


def fraction_of(value: str | int | float, what: str) -> Fraction:
    """A decimal (1.2789) or an exact fraction as `pmrules payout --explain` prints it (243/190)."""
    match = _FRACTION.match(value) if isinstance(value, str) else None
    if match:
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if denominator == 0:
            raise NumberError(f"{what} is {value}, a division by zero", "write p/q with q > 0, or a decimal")
        return Fraction(numerator, denominator)
    try:
        return exact(decimal_of(value, what))
    except NumberError as exc:
        raise NumberError(str(exc), "write a decimal like 1.25 or an exact fraction like 243/190") from None
