"""planyear/paid.py: what earlier runs paid, summed per person in whole quanta (Arrow) exactly as in Decimal."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from pmrules.planyear.paid import PaidBefore

AMOUNT = st.integers(-10**9, 10**9).map(lambda u: str((Decimal(u) * Decimal("0.01")).quantize(Decimal("0.01"))))


@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), AMOUNT, AMOUNT), max_size=30))
def test_units_are_the_decimal_totals(rows: list[tuple[str, str, str]]) -> None:
    before = PaidBefore.concat([PaidBefore.of_rows(rows[:7]), PaidBefore.of_rows(rows[7:])])
    people = pa.array(["B", "A", "E", "C", "D"])
    found = before.units(people, Decimal("0.01"))
    assert found is not None
    totals = before.totals()
    for k, person in enumerate(people.to_pylist()):
        paid, forgiven = totals.get(person, (Decimal(0), Decimal(0)))
        assert (int(found[0][k]), int(found[1][k])) == (int(paid * 100), int(forgiven * 100))


def test_units_decline_other_places_and_odd_quanta() -> None:
    mixed = PaidBefore.of_rows([("A", "1.5", "0.00"), ("A", "2.25", "0.00")])
    assert mixed.units(pa.array(["A"]), Decimal("0.01")) is None  # "1.5" has one place: summed as Decimals
    assert mixed.totals() == {"A": (Decimal("3.75"), Decimal("0.00"))}
    assert PaidBefore.of_rows([("A", "5", "0")]).units(pa.array(["A"]), Decimal("5")) is None
    whole = PaidBefore.of_rows([("A", "5", "0"), ("B", "-7", "2")]).units(pa.array(["B", "A"]), Decimal("1"))
    assert whole is not None and whole[0].tolist() == [-7, 5] and whole[1].tolist() == [2, 0]
    assert PaidBefore.of_rows([]).units(pa.array(["A"]), Decimal("0.01")) is not None
