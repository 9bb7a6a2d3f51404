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

    @classmethod
    def concat(cls, parts: Sequence[PaidBefore]) -> PaidBefore:
        if not parts:
            return cls.of_rows([])
        return cls(*(pa.concat_arrays([getattr(p, name) for p in parts]) for name in ("employee_ids", "paid", "forgiven")))

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
            if pc.any(pc.greater(pc.utf8_length(digits), 17)).as_py():
                return None  # more digits than int64 holds: the Decimal sums
            summed.append(pc.cast(digits, pa.int64()))
        # Each stored row's person (index_in: a hash lookup), then exact int64 sums per person.
        at = pc.index_in(self.employee_ids, value_set=person_ids)
        known = pc.is_valid(at).to_numpy(zero_copy_only=False)
        positions = pc.fill_null(at, 0).to_numpy(zero_copy_only=False)[known]
        paid, forgiven = zeros, zeros.copy()
        np.add.at(paid, positions, summed[0].to_numpy()[known])
        np.add.at(forgiven, positions, summed[1].to_numpy()[known])
        return paid, forgiven


