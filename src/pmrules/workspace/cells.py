"""Parsing one text cell into a typed value, with messages that say what to write instead."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from pmrules.safetext import excerpt

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class CellError(ValueError):
    """A cell that does not parse; carries a hint for the user."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def parse_decimal(text: str, column: str) -> Decimal:
    """A decimal from its text exactly; refuses thousands separators, percent signs and typos."""
    value = text.strip()
    if _PLAIN_NUMBER.match(value):
        number = Decimal(value)
        if number.is_finite():
            return number
    if value.endswith("%"):
        raise CellError(f"{column} is {excerpt(value)}", "write a fraction without '%': 0.10 for 10%")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", value):
        raise CellError(f"{column} is {excerpt(value)}", f"write it without thousands separators: {value.replace(',', '')}")
    if re.fullmatch(r"[+-]?\d+,\d+", value):
        raise CellError(f"{column} is {excerpt(value)}", f"use '.' as the decimal point: {value.replace(',', '.')}")
    try:
        Decimal(value)
    except InvalidOperation:
        pass
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
