"""Money, numbers and dates written for a reader's locale (Babel's CLDR data), never changing a value.

Money keeps every decimal it has: an amount rounded to 0.001 shows three places even in a currency
of two (`decimal_quantization=False`), and one rounded to whole units still shows the currency's
usual places. Scores and factors show up to four decimals, as `payout` does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from pmrules.errors import InputError
from pmrules.payout.exact import format_decimal as exact_text
from pmrules.rational import Fraction

DEFAULT_LOCALE = "en_US"


def parse_locale(text: str) -> Locale:
    """`de_DE`, `de-DE` or `de`; an unknown one is an input error naming examples."""
    try:
        return Locale.parse(text.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise InputError(f"--locale {text!r} is not a locale Babel knows",
                         hint="use a language and territory such as en_US, en_GB, de_DE, fr_FR or ja_JP") from exc


def _decimal(value: Fraction | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(exact_text(value, 10))


MEMO_LIMIT = 200_000  # formatted values kept: statements repeat the same scores, factors and salaries


class Formats:
    """Formatting functions bound to one locale; each distinct value is formatted once (Babel takes ~0.1 ms)."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.tag = str(locale).replace("_", "-")
        self._memo: dict[tuple[object, ...], str] = {}

    def _remember(self, key: tuple[object, ...], text: str) -> str:
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = text
        return text

    def money(self, amount: Decimal | None, currency: str) -> str:
        if amount is None:
            return "–"
        key = ("m", amount, str(amount), currency)  # str: 1.5 and 1.50 are equal but shown differently
        found = self._memo.get(key)
        if found is None:
            found = self._remember(key, format_currency(amount, currency, locale=self.locale, decimal_quantization=False))
        return found

    def number(self, value: Fraction | Decimal | None, places: int = 4) -> str:
        if value is None:
            return "–"
        key = ("n", value, str(value), places)
        found = self._memo.get(key)
        if found is None:
            rounded = Decimal(exact_text(value, places)) if isinstance(value, Fraction) else value
            found = self._remember(key, format_decimal(rounded, format="#,##0." + "#" * places, locale=self.locale,
                                                       decimal_quantization=True))
        return found

    def plain(self, value: Decimal) -> str:
        """A salary or amount without a currency sign, all its decimals."""
        return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def percent(self, value: Fraction | Decimal | None) -> str:
        if value is None:
            return "–"
        return format_percent(_decimal(value), format="#,##0.####%", locale=self.locale)

    def date(self, value: dt.date | None) -> str:
        return "–" if value is None else format_date(value, "medium", locale=self.locale)
