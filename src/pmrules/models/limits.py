"""Limits on the numbers a manifest may hold, and the number types that check them.

Apart from `manifest.py` so that `plan_options.py` can use the same checks without an import cycle.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, StrictFloat, StrictInt

# Limits on what a manifest may hold (SECURITY.md lists them). They are checked by validators, not
# by Field constraints, so the JSON Schema of `pmrules schema` stays as it is.
MAX_NUMBER = 10**15  # any YAML number: breakpoints, targets, gate bounds
MIN_NUMBER_EXPONENT = -30  # smallest decimal exponent of a non-zero YAML number (1e-30)
MAX_FACTOR = 1000  # weights, curve factors, rating factors and caps: 0 to 1,000
MAX_MONEY = Decimal(10**12)  # salaries, pools and every bonus: at most 1,000,000,000,000
MIN_QUANTUM = Decimal("0.000001")
MAX_QUANTUM = Decimal(1_000_000)
MAX_DECIMAL_DIGITS = 30  # digits of a decimal written as text (money, quanta, table cells)
MAX_TEXT = 200  # names, titles, units, periods
MAX_LONG_TEXT = 2000  # descriptions and statements


def _number(value: int | float) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number (write the number itself, between -1e15 and 1e15)")
    if abs(value) > MAX_NUMBER:
        raise ValueError(f"{value:.6g} is out of range (numbers are between -1e15 and 1e15)")
    # only a number below 1e-29 can have a leading digit past 1e-30: the Decimal is made for those alone
    if value and abs(value) < 1e-29 and Decimal(repr(value)).adjusted() < MIN_NUMBER_EXPONENT:
        raise ValueError(f"{value!r} is too small to be meant (write 0, or a number of at least 1e-30)")
    return value


def _factor(value: int | float) -> int | float:
    if value < 0:
        raise ValueError(f"{value} is negative (weights, curve and rating factors and caps are 0 or more; "
                         "a negative one would pay a negative bonus)")
    if value > MAX_FACTOR:
        raise ValueError(f"{value:.6g} is more than {MAX_FACTOR} (weights, curve and rating factors and caps are "
                         f"between 0 and {MAX_FACTOR}; write a fraction such as 1.5 for 150%)")
    return value




def parse_decimal(value: str, what: str) -> Decimal:
    """Money and quanta are written as quoted decimal text so no binary float touches them."""
    if len(value) > 2 * MAX_DECIMAL_DIGITS:
        raise ValueError(f"{what} is {len(value)} characters long; write at most {MAX_DECIMAL_DIGITS} digits")
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{what} must be a decimal number written as text, like \"0.01\"") from exc
    if not number.is_finite():
        raise ValueError(f"{what} must be finite")
    if len(number.as_tuple().digits) > MAX_DECIMAL_DIGITS or not -MAX_DECIMAL_DIGITS <= number.adjusted() <= 15:
        raise ValueError(f"{what} is {value}, out of range (write at most {MAX_DECIMAL_DIGITS} digits, "
                         "between 1e-30 and 1e15)")
    return number


def check_quantum(value: str, what: str) -> str:
    """A rounding quantum: positive decimal text between MIN_QUANTUM and MAX_QUANTUM."""
    number = parse_decimal(value, what)
    if number <= 0:
        raise ValueError(f"{what} must be positive, like \"0.01\"")
    if not MIN_QUANTUM <= number <= MAX_QUANTUM:
        raise ValueError(f"{what} is {value}, out of range (it is between {MIN_QUANTUM} and "
                         f"{MAX_QUANTUM:,}, like \"0.01\")")
    return value


# YAML numbers only: "0.6" as a string is a typo we refuse rather than guess.
Number = Annotated[StrictInt | StrictFloat, AfterValidator(_number)]
Factor = Annotated[StrictInt | StrictFloat, AfterValidator(_number), AfterValidator(_factor)]
