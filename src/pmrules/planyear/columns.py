"""A period's payments as columns: one row per person, every amount a whole number of quanta in NumPy.

pay.py builds them when each person is one row of employees.csv and is paid in the workspace's
currency and rounding (every version-1 plan year, and most): at a million employees Payment objects,
their Decimals and the ledger's rows made of them were most of a period's time and memory.
Effective-dated employees and several currencies keep Payment objects. Either way `payments[k]` is
the Payment of person k, built on demand, and the amounts are those of the object path to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.payout.records import money_text
from pmrules.payout.rounding import units_to_decimal
from pmrules.rational import Fraction
from pmrules.rows import RowsOnDemand

if TYPE_CHECKING:  # pay.py imports this module
    from pmrules.planyear.pay import Payment


@dataclass
class PaymentColumns(RowsOnDemand["Payment"]):
    """Person k is row k of the run's employee table. Amounts are quanta of `quantum`; `earned` counts
    where `paid`, `target` and `due` where `has_target`; `note_codes` index `note_texts` (0 = none)."""

    ids: pa.Array
    plans: pa.Array
    plan_codes: np.ndarray
    shares: list[Fraction]  # per plan code
    paid: np.ndarray
    has_target: np.ndarray
    earned: np.ndarray
    target: np.ndarray
    paid_before: np.ndarray
    forgiven_before: np.ndarray
    due: np.ndarray
    pay: np.ndarray
    forgiven: np.ndarray
    carried: np.ndarray
    note_codes: np.ndarray
    note_texts: list[str]
    quantum: Decimal

    def __len__(self) -> int:
        return len(self.paid)

    def item(self, k: int) -> Payment:
        from pmrules.planyear.pay import Payment

        money = self._money
        paid, targeted = bool(self.paid[k]), bool(self.has_target[k])
        return Payment(self.ids[k].as_py(), self.plans[k].as_py(), "paid" if paid else "unpaid",
                       money(self.earned[k]) if paid else None, self.shares[int(self.plan_codes[k])],
                       money(self.target[k]) if targeted else None, money(self.paid_before[k]),
                       money(self.forgiven_before[k]), money(self.due[k]) if targeted else None, money(self.pay[k]),
                       money(self.forgiven[k]), money(self.carried[k]), note=self.note_texts[int(self.note_codes[k])],
                       row=k)

    def slice(self, start: int, stop: int) -> PaymentColumns:
        """Persons start..stop-1 (views of the same arrays; the notes' texts are shared)."""
        n = stop - start
        return PaymentColumns(self.ids.slice(start, n), self.plans.slice(start, n), self.plan_codes[start:stop],
                              self.shares, self.paid[start:stop], self.has_target[start:stop], self.earned[start:stop],
                              self.target[start:stop], self.paid_before[start:stop], self.forgiven_before[start:stop],
                              self.due[start:stop], self.pay[start:stop], self.forgiven[start:stop],
                              self.carried[start:stop], self.note_codes[start:stop], self.note_texts, self.quantum)

    def _money(self, units: np.integer) -> Decimal:
        return units_to_decimal(units, self.quantum)

    def total(self) -> Decimal:
        return units_to_decimal(int(self.pay.sum()), self.quantum)

    def unpaid(self) -> list[int]:
        return np.flatnonzero(~self.paid).tolist()  # type: ignore[no-any-return]

    # -- columns as text, for the CSV and the ledger ------------------------------------------------

    def money(self, name: str, where: np.ndarray | None = None) -> pa.Array:
        """An amount column as the text str(Decimal) gives; null where `where` is False."""
        text = money_text(getattr(self, name), self.quantum)
        return text if where is None else pc.if_else(pa.array(where), text, pa.nulls(len(self), pa.string()))

    def status_text(self) -> pa.Array:
        return pc.if_else(pa.array(self.paid), "paid", "unpaid")

    def share_text(self) -> pa.Array:
        texts = [str(Decimal(s.numerator) / Decimal(s.denominator)) for s in self.shares]
        return pa.DictionaryArray.from_arrays(pa.array(self.plan_codes, pa.int32()), pa.array(texts, pa.string())
                                              ).cast(pa.string())

    def share_fraction_text(self) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(self.plan_codes, pa.int32()),
                                              pa.array([str(s) for s in self.shares], pa.string())).cast(pa.string())

    def note_text(self) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(self.note_codes, pa.int32()),
                                              pa.array(self.note_texts, pa.string())).cast(pa.string())


def note_codes_of(texts: list[str], rows: Sequence[int], notes: Sequence[str], codes: np.ndarray) -> None:
    """Give `rows` the notes `notes` (one each), adding each distinct text to `texts` once."""
    index = {text: i for i, text in enumerate(texts)}
    for row, note in zip(rows, notes, strict=True):
        code = index.get(note)
        if code is None:
            code = index[note] = len(texts)
            texts.append(note)
        codes[row] = code
