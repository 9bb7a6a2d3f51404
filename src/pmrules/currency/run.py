"""One payout run's currencies: each row's pay currency, the rounding of each, and totals converted once.

Bonuses are computed in the pay currency (salary and target on the row are in it) and rounded there:
at `currencies.<code>.quantum` if given, else at the plan's or the workspace's quantum. Totals are
summed per currency exactly; the converted total is the exact sum of every rounded bonus times its
rate, rounded once at the workspace's quantum and mode (so it never depends on the order of rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.currency.check import pay_codes
from pmrules.currency.rates import CONVENTION, FxRates
from pmrules.payout.rounding import round_to_quantum, units_to_decimal
from pmrules.rational import Fraction
from pmrules.workspace.employees import EmployeeTable

if TYPE_CHECKING:
    from pmrules.payout.compute import PayoutRun
    from pmrules.workspace import Workspace


@dataclass
class CurrencyRun:
    """The currencies of one run; `codes[i]` is row i's pay currency."""

    home: str
    fx: FxRates
    codes: pa.Array
    options: dict[str, tuple[Decimal, str | None]]  # currencies with their own quantum (and mode)
    home_rounding: tuple[Decimal, str]

    @property
    def quanta(self) -> list[Decimal]:
        return [q for q, _ in self.options.values()]

    def rounding(self, code: str, plan_rounding: tuple[Decimal, str]) -> tuple[Decimal, str]:
        """A row's quantum and mode: its currency's own, else its plan's or the workspace's."""
        if code not in self.options:
            return plan_rounding
        quantum, mode = self.options[code]
        return quantum, mode or plan_rounding[1]

    def shown(self, code: str, amount: Decimal) -> Decimal:
        """An amount in `code` with that currency's own places (JPY 732496, not 732496.00); exact either way."""
        return amount.quantize(self.options[code][0]) if code in self.options else amount

    def used(self) -> list[str]:
        """The pay currencies of this run: the workspace's first, then the others alphabetically."""
        codes = set(pc.unique(self.codes).to_pylist()) if len(self.codes) else set()
        return sorted(codes, key=lambda c: (c != self.home, c))

    def code_array(self) -> np.ndarray:
        return np.asarray(self.codes.to_pylist(), dtype=object)

    def rate(self, code: str) -> Fraction:
        return Fraction(self.fx.rate(code))

    def employee_fields(self, i: int, bonus: Decimal | None) -> dict[str, str]:
        """Row i's pay currency; for a foreign one, the rate, its source and the bonus converted (display only)."""
        code = self.codes[i].as_py()
        fields = {"currency": code}
        if code != self.home:
            quantum, mode = self.home_rounding
            fields.update({"fx_rate": self.fx.rates[code].text, "fx_source": self.fx.rates[code].source})
            if bonus is not None:
                fields["bonus_converted"] = str(round_to_quantum(Fraction(bonus) * self.rate(code), quantum, mode))
        return fields

    def rate_record(self, code: str) -> dict[str, Any]:
        """What the manifest, the JSON and --explain say about one currency's rate."""
        if code == self.home:
            return {"currency": code, "rate": "1", "source": "workspace currency"}
        r = self.fx.rates[code]
        record: dict[str, Any] = {"currency": code, "rate": r.text, "source": r.source, "location": str(r.location)}
        if r.as_of is not None:
            record["as_of"] = r.as_of.isoformat()
        return record


def currency_run(ws: Workspace, employees: EmployeeTable) -> CurrencyRun | None:
    """None for a workspace that pays in its own currency only (version 1)."""
    fx = ws.fx
    if fx is None:
        return None
    m = ws.manifest
    options: dict[str, tuple[Decimal, str | None]] = {code: (Decimal(o.quantum), o.mode)
                                                      for code, o in m.currencies.items()}
    return CurrencyRun(m.currency, fx, pay_codes(employees, m.currency), options,
                       (Decimal(m.rounding.quantum), m.rounding.mode))


def _sums(run: PayoutRun, keys: pa.Array | None) -> dict[tuple[Any, str], int]:
    """Exact integer sums of paid bonus units per (key, currency), column-wise; `keys` None: per currency only."""
    cur = run.currency
    assert cur is not None
    codes = pc.dictionary_encode(cur.codes)
    code_index = codes.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    n_codes = max(len(codes.dictionary), 1)
    if keys is None:
        key_index, key_names = np.zeros(len(run), dtype=np.int64), [None]
    else:
        encoded = pc.dictionary_encode(keys)
        key_index = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        key_names = encoded.dictionary.to_pylist()
    combined = key_index * n_codes + code_index
    paid = run.paid_mask
    sums = np.zeros(len(key_names) * n_codes, dtype=np.int64)
    np.add.at(sums, combined[paid], run.units[paid])
    counted = np.zeros(len(sums), dtype=bool)
    counted[combined[paid]] = True
    names = codes.dictionary.to_pylist()
    return {(key_names[k // n_codes], names[k % n_codes]): int(sums[k]) for k in np.flatnonzero(counted).tolist()}


def converted(run: PayoutRun, units_by_code: dict[str, int]) -> Decimal:
    """Sum of bonus units x rate, exact, rounded once to the workspace quantum and mode."""
    cur = run.currency
    assert cur is not None
    q = Fraction(run.quantum)
    exact = sum((units * q * cur.rate(code) for code, units in units_by_code.items()), Fraction(0))
    quantum, mode = cur.home_rounding
    return round_to_quantum(exact, quantum, mode)


def converted_total(run: PayoutRun) -> Decimal:
    """The run's total in the workspace currency: every rounded bonus x its rate, exact, rounded once."""
    per_code = {code: units for (_, code), units in _sums(run, None).items()}
    return converted(run, per_code)


def currency_totals(run: PayoutRun) -> dict[str, Any]:
    """`total` (converted), `by_center`/`by_plan` (converted), and `by_currency` (each in its own currency)."""
    cur = run.currency
    assert cur is not None
    n = len(run)
    per_code = {code: units for (_, code), units in _sums(run, None).items()}
    result: dict[str, Any] = {"total": str(converted(run, per_code))}
    for key, column in (("by_center", run.table.centers), ("by_plan", run.table.plans)):
        grouped: dict[str, dict[str, int]] = {}
        for (name, code), units in _sums(run, column).items():
            grouped.setdefault(name, {})[code] = units
        result[key] = {name: str(converted(run, grouped[name])) for name in sorted(grouped)}
    paid = run.paid_count
    result.update({"paid": paid, "unpaid": n - paid})
    result["by_currency"] = {
        code: {"total": str(cur.shown(code, units_to_decimal(per_code.get(code, 0), run.quantum))),
               "converted": str(converted(run, {code: per_code.get(code, 0)})),
               **{k: v for k, v in cur.rate_record(code).items() if k != "currency"}}
        for code in cur.used()}
    result["fx"] = {"workspace_currency": cur.home, "convention": CONVENTION,
                    "converted_total": "exact sum of every rounded bonus x its rate, rounded once to "
                                       f"{cur.home_rounding[0]} ({cur.home_rounding[1]})"}
    return result
