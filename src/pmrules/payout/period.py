"""The period a payout pays, passed to the core as an argument.

The manifest names one period; quarters and effective-dated employee segments pay others of the same
workspace, so nothing below the CLI reads `period_*` from the manifest: callers build a `Period` once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pmrules.models import Manifest
from pmrules.workspace.employees import NO_DATE, EmployeeTable, day_number


@dataclass(frozen=True)
class Period:
    """`id` as written in the manifest (e.g. "FY2026"); `start` and `end` both count as paid days."""

    id: str
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period {self.id!r} ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def of(cls, manifest: Manifest) -> Period:
        """The period the manifest names: the one `pmrules payout` pays."""
        return cls(manifest.period, manifest.period_start, manifest.period_end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def clip(self, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
        """An employment's first and last day inside the period; no date means the period's own."""
        return max(start or self.start, self.start), min(end or self.end, self.end)

    def days_employed(self, table: EmployeeTable) -> np.ndarray:
        """Each employee's paid days in the period (0 if employed only outside it), as int64."""
        s, e = day_number(self.start), day_number(self.end)
        first = np.where(table.start == NO_DATE, s, np.maximum(table.start, s))
        last = np.where(table.end == NO_DATE, e, np.minimum(table.end, e))
        return np.maximum(0, last - first + 1).astype(np.int64)
