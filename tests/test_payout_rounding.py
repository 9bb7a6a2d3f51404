"""payout/rounding.py: one rounding per bonus (NumPy with an exact fallback), pools, units as money."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmrules import payout
from pmrules.payout import rounding
from pmrules.payout.records import money_text
from pmrules.payout.rounding import (
    ROUNDING_MODES,
    allocate_pool,
    exact_units,
    round_to_quantum,
    round_units,
    scaled_units,
    units_to_decimal,
)
from pmrules.rational import Fraction

QUANTA = [Decimal("0.01"), Decimal("1"), Decimal("0.05"), Decimal("0.001"), Decimal("5"), Decimal("0.10")]


@pytest.mark.parametrize("quantum", QUANTA)
@pytest.mark.parametrize("units", [0, 1, -1, 7, 12345, -98765, 10**15])
def test_units_to_decimal_round_trips(quantum: Decimal, units: int) -> None:
    money = units_to_decimal(np.int64(units), quantum)
    assert isinstance(money, Decimal) and money / quantum == units
    assert money.as_tuple().exponent == quantum.as_tuple().exponent  # the quantum's places, e.g. 0.00
    assert money == units_to_decimal(units, quantum)


@pytest.mark.parametrize("quantum", QUANTA)
def test_money_text_is_the_text_of_units_to_decimal(quantum: Decimal) -> None:
    units = np.array([0, 5, -5, 100, 123456789, -1], dtype=np.int64)
    assert money_text(units, quantum).to_pylist() == [str(units_to_decimal(u, quantum)) for u in units]


@pytest.mark.parametrize(("value", "expected"), [
    (Fraction(5, 1000), {"half_up": 1, "half_even": 0, "down": 0}),
    (Fraction(15, 1000), {"half_up": 2, "half_even": 2, "down": 1}),
    (Fraction(-5, 1000), {"half_up": -1, "half_even": 0, "down": 0}),
    (Fraction(-1999, 1000), {"half_up": -200, "half_even": -200, "down": -199}),
    (Fraction(1, 3), {"half_up": 33, "half_even": 33, "down": 33}),
])
def test_exact_units_at_halves_and_signs(value: Fraction, expected: dict[str, int]) -> None:
    assert {mode: exact_units(value, Decimal("0.01"), mode) for mode in ROUNDING_MODES} == expected
    assert round_to_quantum(value, Decimal("0.01"), "half_up") == units_to_decimal(expected["half_up"], Decimal("0.01"))
    with pytest.raises(ValueError, match="unknown rounding mode"):
        exact_units(value, Decimal("0.01"), "up")


def test_round_units_redoes_boundary_rows_exactly_and_skips_unpaid() -> None:
    quantum = Decimal("0.01")
    exact = [Fraction(25, 1000), Fraction(1234, 100), Fraction(5, 1000), Fraction(99, 1000)]
    approx = np.array([2.4999999999, 1234.0, 0.5, np.nan])  # row 0: float error on the wrong side of a half
    paid = np.array([True, True, True, False])
    asked: list[int] = []

    def exact_bonus(i: int) -> Fraction:
        asked.append(i)
        return exact[i]

    units, exact_rows = round_units(approx, paid, quantum, "half_up", exact_bonus)
    assert units.tolist() == [3, 1234, 1, 0] and units.dtype == np.int64
    assert exact_rows == 2 and asked == [0, 2]
    assert round_units(approx, paid, quantum, "half_even", exact.__getitem__)[0].tolist() == [2, 1234, 0, 0]


@given(st.lists(st.fractions(min_value=-10**7, max_value=10**7, max_denominator=10**6), min_size=1, max_size=30),
       st.sampled_from(ROUNDING_MODES), st.sampled_from(QUANTA))
def test_round_units_equals_exact_rounding(values: list[Fraction], mode: str, quantum: Decimal) -> None:
    exact = [Fraction(v.numerator, v.denominator) for v in values]
    approx = np.array([float(v / Fraction(quantum)) for v in exact])
    units, _ = round_units(approx, np.ones(len(exact), dtype=bool), quantum, mode, exact.__getitem__)
    assert units.tolist() == [exact_units(v, quantum, mode) for v in exact]


def test_allocate_pool_returns_units_and_leaves_its_inputs_alone() -> None:
    bonuses = [Fraction(100), Fraction(100), Fraction(100)]
    rounded = np.array([10000, 10000, 10000], dtype=np.int64)
    keys = ["E3", "E1", "E2"]
    units, result = allocate_pool(bonuses, rounded, keys, Decimal("1000.00"), Decimal("0.01"))
    # 100000 units / 3 = 33333 each and one left over: equal remainders, so the smallest key (E1) gets it
    assert units.tolist() == [33333, 33334, 33333] and units is not rounded
    assert rounded.tolist() == [10000, 10000, 10000] and bonuses == [Fraction(100)] * 3 and keys == ["E3", "E1", "E2"]
    assert (result.amount, result.unscaled_total, result.factor, result.leftover_units, result.distributable) == (
        Decimal("1000.00"), Decimal("300.00"), Fraction(10, 3), 1, True)


def test_allocate_pool_largest_remainder_first() -> None:
    units, result = allocate_pool([Fraction(1), Fraction(2)], np.array([100, 200]), ["A", "B"], Decimal("1.00"),
                                  Decimal("0.01"))
    assert units.tolist() == [33, 67] and int(units.sum()) == 100 and result.leftover_units == 1


def test_allocate_pool_with_nothing_to_scale_keeps_the_rounded_units() -> None:
    rounded = np.array([0, 0], dtype=np.int64)
    units, result = allocate_pool([Fraction(0), Fraction(0)], rounded, ["A", "B"], Decimal("50.00"), Decimal("0.01"))
    assert units.tolist() == [0, 0] and units is not rounded
    assert (result.factor, result.leftover_units, result.distributable) == (None, 0, False)
    with pytest.raises(ValueError, match="not a multiple"):
        allocate_pool([Fraction(1)], np.array([1]), ["A"], Decimal("0.005"), Decimal("0.01"))


def test_rounding_imports_nothing_of_the_payout_run() -> None:
    """No compute <-> pool cycle: rounding gets numbers and returns units."""
    tree = ast.parse(Path(rounding.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {name for name in imported if name and name.startswith("pmrules.payout")}


def test_the_public_surface_resolves() -> None:
    assert sorted(payout.__all__) == sorted(set(payout.__all__))
    for name in payout.__all__:
        assert getattr(payout, name) is not None, name
    assert payout.units_to_decimal is units_to_decimal and callable(payout.explain)


# --- a plan's rounding steps (issue 13) and the unit of mixed plan quanta ------------------------------

@given(st.fractions(min_value=-10**6, max_value=10**6), st.sampled_from(QUANTA), st.sampled_from(ROUNDING_MODES))
def test_a_rounding_step_is_an_exact_multiple_of_its_quantum_within_one_step(
        value: Fraction, quantum: Decimal, mode: str) -> None:
    rounded = rounding.round_fraction(Fraction(value), str(quantum), mode)
    q = Fraction(quantum)
    assert (rounded / q).denominator == 1
    assert abs(rounded - value) <= (q if mode == "down" else q / 2)
    if mode == "down":
        assert abs(rounded) <= abs(value)
    assert rounded == Fraction(round_to_quantum(Fraction(value), quantum, mode))


@given(st.lists(st.sampled_from([*QUANTA, Decimal("100"), Decimal("0.25"), Decimal("2.5")]), min_size=1, max_size=4))
def test_common_quantum_divides_every_quantum_and_is_the_largest(quanta: list[Decimal]) -> None:
    unit = rounding.common_quantum(quanta)
    ratios = [Fraction(q) / Fraction(unit) for q in quanta]
    assert all(r.denominator == 1 for r in ratios)
    assert np.gcd.reduce([int(r) for r in ratios]) == 1  # no larger unit divides them all


def test_common_quantum_keeps_the_workspace_spelling() -> None:
    assert str(rounding.common_quantum([Decimal("0.01"), Decimal("100"), Decimal("1")])) == "0.01"


@given(st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=40),
       st.fractions(min_value=-50, max_value=50, max_denominator=400), st.sampled_from(ROUNDING_MODES))
def test_scaled_units_round_like_exact_units(units: list[int], ratio: Fraction, mode: str) -> None:
    """A plan year's targets (share x earned) in NumPy equal the exact rounding, halves and signs included."""
    got = scaled_units(np.array(units, dtype=np.int64), Fraction(ratio), mode)
    assert got is not None
    assert got.tolist() == [exact_units(Fraction(u) * Fraction(ratio), Decimal(1), mode) for u in units]


def test_scaled_units_declines_what_int64_cannot_hold() -> None:
    assert scaled_units(np.array([2**61], dtype=np.int64), Fraction(3, 1), "half_up") is None
    assert scaled_units(np.array([5], dtype=np.int64), Fraction(1, 2), "half_even").tolist() == [2]
    assert scaled_units(np.array([-5], dtype=np.int64), Fraction(1, 2), "half_up").tolist() == [-3]
