"""The ledger's rows of a period paid in columns: made a chunk at a time, every field for the chunk at once.

A million payments as dicts of Python strings were gigabytes and most of a commit's time; here each
chunk's text columns (amounts, trail JSON) are built by Arrow and only one chunk is ever held.
The rows are exactly those of planyear/record.py's object path (tests compare them), with each
payment's own trail as JSON text, as the ledger stores it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.planyear.columns import PaymentColumns
from pmrules.rows import RowsOnDemand
from pmrules.workspace.employees import NO_DATE

if TYPE_CHECKING:
    from pmrules.planyear.pay import PeriodPayout

CHUNK = 50_000
ROW_KEYS = ("employee_id", "status", "earned", "due", "paid", "forgiven", "carried", "trail")
# Decimal text that str(Decimal(text)) gives back unchanged (no exponent, sign +, leading zeros or spaces).
CANONICAL = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"


@dataclass
class PaymentRecords(RowsOnDemand[dict[str, Any]]):
    """payment_rows' rows of a columns payout, made on demand, a chunk at a time."""

    result: PeriodPayout
    payments: PaymentColumns

    def __post_init__(self) -> None:
        # Each distinct note's part of the trail JSON, once (negative true-ups make thousands of notes).
        self._note_parts = pa.array(["" if t == "" else '"note":' + json.dumps(t) + "," for t in self.payments.note_texts],
                                    pa.string())

    def __len__(self) -> int:
        return len(self.payments)

    def item(self, k: int) -> dict[str, Any]:
        return dict(zip(ROW_KEYS, self.chunk(k, k + 1)[0], strict=True))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for values in self.chunks():
            yield from (dict(zip(ROW_KEYS, row, strict=True)) for row in values)

    def chunks(self, size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
        """The rows as tuples in ROW_KEYS order, `size` at a time."""
        for start in range(0, len(self), size):
            yield self.chunk(start, min(start + size, len(self)))

    def chunk(self, start: int, stop: int) -> list[tuple[Any, ...]]:
        c = self.payments.slice(start, stop)
        run = self.result.run
        table = run.table
        text = [column.to_pylist() for column in (
            c.ids, c.status_text(), c.money("earned", c.paid), c.money("due", c.has_target), c.money("pay"),
            c.money("forgiven"), c.money("carried"), self._trails(c, table, run, start, stop))]
        return list(zip(*text, strict=True))

    def _trails(self, c: PaymentColumns, table: Any, run: Any, start: int, stop: int) -> pa.Array:
        """Each payment's own trail as JSON with sorted keys, as json.dumps(own, sort_keys=True, compact) gives."""
        salary = _canonical(table.salary_text.slice(start, stop - start))
        pct_text = table.pct_text.slice(start, stop - start)
        pct = pc.if_else(pc.equal(pct_text, ""), "None", _canonical(pct_text, empty_ok=True))
        days = pa.array(run.days[start:stop].astype(np.int64)).cast(pa.string())
        group = pa.array(run.group_of[start:stop].astype(np.int64)).cast(pa.string())
        starts = table.start[start:stop]
        given = starts != NO_DATE
        iso = pa.array(np.datetime_as_string(np.where(given, starts, 0).astype("datetime64[D]"), unit="D"), pa.string())
        start_part = pc.if_else(pa.array(given), pc.binary_join_element_wise('"start_date":"', iso, '",', ""), "")
        note_part = pa.DictionaryArray.from_arrays(pa.array(c.note_codes, pa.int32()), self._note_parts).cast(pa.string())
        target = pc.if_else(pa.array(c.has_target), pc.binary_join_element_wise('"', c.money("target"), '"', ""),
                            "null")
        return pc.binary_join_element_wise(
            '{"base_salary":"', salary, '","days":', days, ',"forgiven_before":"', c.money("forgiven_before"),
            '","group":', group, ",", note_part, '"paid_before":"', c.money("paid_before"), '",', start_part,
            '"target":', target, ',"target_bonus_pct":"', pct, '"}', "")


def _canonical(text: pa.Array, *, empty_ok: bool = False) -> pa.Array:
    """str(Decimal(t)) of each text: the text itself where it is already canonical, else from Python."""
    plain = pc.match_substring_regex(text, CANONICAL)
    if empty_ok:
        plain = pc.or_(plain, pc.equal(text, ""))
    if pc.all(plain).as_py():
        return text
    odd = pc.invert(plain)
    fixed = [str(Decimal(t)) for t in pc.filter(text, odd).to_pylist()]
    return pc.replace_with_mask(text, odd, pa.array(fixed, pa.string()))


def group_trails(result: PeriodPayout, payments: PaymentColumns) -> dict[int, dict[str, Any]]:
    """The part of the trail each multiplier group's employees share, in the order groups first appear."""
    run = result.run
    group_ids, first = np.unique(run.group_of, return_index=True)
    order = np.argsort(first, kind="stable")
    groups: dict[int, dict[str, Any]] = {}
    for group_id, k in zip(group_ids[order].tolist(), first[order].tolist(), strict=True):
        group = run.groups[group_id]
        groups[group_id] = {
            "plan": payments.plans[k].as_py(), "center": group.center, "year_days": run.period.days,
            "scores": {c: None if s is None else str(s) for c, s in group.scores.items()},
            "multiplier": None if group.multiplier is None else str(group.multiplier),
            "share": str(payments.shares[int(payments.plan_codes[k])]), "reasons": list(group.reasons)}
    return groups
