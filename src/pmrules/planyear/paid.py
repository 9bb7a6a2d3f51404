"""What the committed runs of earlier periods paid and forgave: one row per employee and run, as stored.

The ledger keeps amounts as decimal text. A true-up needs, per person, the exact sums: as Decimals
(`totals`, for effective-dated employees and currencies) or as whole quanta in NumPy (`units`, for a
million people at once: Arrow parses the text and sums per employee).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class PaidBefore:
    employee_ids: pa.Array
    paid: pa.Array
    forgiven: pa.Array

    @classmethod
    def of_rows(cls, rows: Sequence[tuple[str, str, str]]) -> PaidBefore:
        if not rows:
            return cls(pa.array([], pa.string()), pa.array([], pa.string()), pa.array([], pa.string()))
        return cls(*(pa.array([row[k] for row in rows], pa.string()) for k in range(3)))

    def __len__(self) -> int:
        return len(self.employee_ids)

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Per employee, the stored amounts summed exactly (Decimal(0) + each: the places of the text)."""
        totals: dict[str, tuple[Decimal, Decimal]] = {}
        zero = Decimal(0)
        for employee, paid, forgiven in zip(self.employee_ids.to_pylist(), self.paid.to_pylist(),
                                            self.forgiven.to_pylist(), strict=True):
            before = totals.get(employee)
            if before is None:
                totals[employee] = (zero + Decimal(paid), zero + Decimal(forgiven))
            else:
                totals[employee] = (before[0] + Decimal(paid), before[1] + Decimal(forgiven))
        return totals

    def units(self, person_ids: pa.Array, quantum: Decimal) -> tuple[np.ndarray, np.ndarray] | None:
        """Per person of `person_ids`, paid and forgiven in whole quanta (0 for no earlier payment); None when
        the quantum is not a power of ten or some stored amount has other decimal places than it (the caller
        then sums Decimals, as `totals` does)."""
        zeros = np.zeros(len(person_ids), dtype=np.int64)
        if not len(self):
            return zeros, zeros.copy()
        exponent = quantum.as_tuple().exponent
        if not (isinstance(exponent, int) and exponent <= 0 and quantum == Decimal(1).scaleb(exponent)):
            return None
        places = -exponent
        pattern = rf"^-?[0-9]+\.[0-9]{{{places}}}$" if places else r"^-?[0-9]+$"
        summed = []
        for column in (self.paid, self.forgiven):
            if not pc.all(pc.match_substring_regex(column, pattern)).as_py():
                return None
            digits = pc.replace_substring(column, ".", "") if places else column
            if pc.any(pc.greater(pc.utf8_length(digits), 18)).as_py():
                return None  # more digits than int64 holds: the Decimal sums
            summed.append(pc.cast(digits, pa.int64()))
        grouped = pa.table({"id": self.employee_ids, "paid": summed[0], "forgiven": summed[1]}).group_by("id").aggregate(
            [("paid", "sum"), ("forgiven", "sum")])
        at = pc.index_in(person_ids, value_set=grouped["id"])
        found = pc.is_valid(at).to_numpy(zero_copy_only=False)
        positions = pc.fill_null(at, 0).to_numpy(zero_copy_only=False)
        paid = grouped["paid_sum"].to_numpy()[positions] if len(grouped) else zeros
        forgiven = grouped["forgiven_sum"].to_numpy()[positions] if len(grouped) else zeros
        return np.where(found, paid, 0).astype(np.int64), np.where(found, forgiven, 0).astype(np.int64)


__all__ = ["PaidBefore"]
