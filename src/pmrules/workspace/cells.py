"""Parsing one text cell into a typed value, with messages that say what to write instead."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from pmrules.safetext import excerpt

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# A decimal cell has at most 30 significant digits and lies between 1e-30 and 1e15 in size: larger
# exponents make exact arithmetic slow (`1e999999999` is a billion-digit integer) and floats infinite.
MAX_DIGITS = 30
MIN_EXPONENT = -30
MAX_EXPONENT = 15
MAX_CELL_TEXT = 200  # ids, names, centre and plan ids, input names in a table


def check_text(text: str, column: str, limit: int = MAX_CELL_TEXT) -> str:
    if len(text) > limit:
        raise CellError(f"{column} is {excerpt(text)}, longer than {limit} characters", "shorten it")
    return text


class CellError(ValueError):
    """A cell that does not parse; carries a hint for the user."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def parse_decimal(text: str, column: str) -> Decimal:
    """A decimal from its text exactly; refuses thousands separators, percent signs and typos."""
    value = text.strip()
    if len(value) <= MAX_EXPONENT and value.isascii() and value.replace(".", "", 1).isdigit():
        # most cells: at most 15 ASCII digits and one point, so below 1e15, above 1e-15 and few digits
        return Decimal(value)
    if len(value) <= 4 * MAX_DIGITS and _PLAIN_NUMBER.match(value):
        number = Decimal(value)
        if number.is_finite() and number.is_zero():
            return number
        if number.is_finite() and MIN_EXPONENT <= number.adjusted() <= MAX_EXPONENT \
                and len("".join(map(str, number.as_tuple().digits)).strip("0")) <= MAX_DIGITS:
            return number
    if _PLAIN_NUMBER.match(value):
        raise CellError(f"{column} is {excerpt(value)}, out of range",
                        f"write at most {MAX_DIGITS} digits, a number between 1e{MIN_EXPONENT} and 1e{MAX_EXPONENT}")
    if value.endswith("%"):
        raise CellError(f"{column} is {excerpt(value)}", "write a fraction without '%': 0.10 for 10%")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", value):
        raise CellError(f"{column} is {excerpt(value)}", f"write it without thousands separators: {value.replace(',', '')}")
    if re.fullmatch(r"[+-]?\d+,\d+", value):
        raise CellError(f"{column} is {excerpt(value)}", f"use '.' as the decimal point: {value.replace(',', '.')}")
    raise CellError(f"{column} is {excerpt(value)}, not a number", "write a plain decimal number like 1200 or 0.15")


def parse_date(text: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CellError(f"{column} is {excerpt(text)}, not a date", "write dates as YYYY-MM-DD, e.g. 2026-07-01") from exc


MAX_INT_CELL = 1_000_000  # ratings are small; employee columns are stored as 32-bit integers


def parse_int(text: str, column: str) -> int:
    if re.fullmatch(r"[+-]?\d{1,40}", text.strip()):
        value = int(text)
        if abs(value) > MAX_INT_CELL:
            raise CellError(f"{column} is {excerpt(text)}, out of range", f"write a whole number between -{MAX_INT_CELL:,} "
                            f"and {MAX_INT_CELL:,}, like 3")
        return value
    raise CellError(f"{column} is {excerpt(text)}, not a whole number", "write a whole number like 3")
