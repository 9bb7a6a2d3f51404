"""A period's CSV made column by column is the csv module's output of the same rows, quoting included."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from pmrules.cli.planyear_cmds import PERIOD_KEYS, period_csv, period_text_arrays
from pmrules.planyear.columns import PaymentColumns
from pmrules.rational import Fraction

# No carriage return here: the csv module quotes it from Python 3.13 on, not before (ids cannot hold one).
TEXT = st.text(alphabet='ab,"\n =+-@é', min_size=1, max_size=6)


def _columns(ids: list[str], plans: list[str], notes: list[str], paid: list[bool]) -> PaymentColumns:
    n = len(ids)
    units = np.arange(n, dtype=np.int64) * 137 - 200
    texts = ["", *dict.fromkeys(notes)]
    return PaymentColumns(pa.array(ids), pa.array(plans), np.zeros(n, dtype=np.int64), [Fraction(3, 4)],
                          np.array(paid), np.array(paid), units, units, units, units, units, units, units, units,
                          np.array([texts.index(t) for t in notes], dtype=np.int32), texts, Decimal("0.01"))


@given(st.lists(st.tuples(TEXT, TEXT, st.one_of(st.just(""), TEXT), st.booleans()), min_size=1, max_size=12))
def test_period_csv_is_the_csv_modules(rows: list[tuple[str, str, str, bool]]) -> None:
    ids, plans, notes, paid = (list(column) for column in zip(*rows, strict=True))
    c = _columns(ids, plans, notes, paid)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PERIOD_KEYS)
    writer.writerows(zip(*(column.to_pylist() for column in period_text_arrays(c)), strict=True))
    assert period_csv(c) == buffer.getvalue()


def test_a_carriage_return_is_quoted_on_every_python() -> None:
    text = period_csv(_columns(["a\rb"], ["p,1"], ['say "x"'], [True]))
    assert text.split("\n")[1].startswith('"a\rb","p,1",paid,') and text.endswith(',"say ""x"""\n')
