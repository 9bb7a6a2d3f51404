"""Whole-column output: decimal text decided in float only where provably exact, CSV cells built in Arrow.

Each columnar path is held to the row-by-row reference it replaced: `format_decimal` of the exact
value, and the Python quoting and neutralising of payout/formats.py before issue 17.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pmrules.api import open_workspace
from pmrules.payout import Period, compute_payouts
from pmrules.payout.approx import group_approx
from pmrules.payout.compute import _distinct
from pmrules.payout.csvlines import csv_lines, text_cells
from pmrules.payout.decimals import decimal_texts, exact_bound
from pmrules.payout.exact import format_decimal
from pmrules.payout.records import TextPart
from pmrules.plugins import get_plugin_manager
from pmrules.rational import Fraction
from tests.test_fuzz import EXAMPLES

WORKSPACES = Path(__file__).resolve().parent / "workspaces"
HALF = Fraction(1, 2 * 10**10)  # half a unit in the 10th place: where format_decimal's rounding turns


def _nudged(value: Fraction, ulps: int) -> float:
    """float(value) moved by a few units in the last place: a float within a known distance of `value`."""
    approx = float(value)
    for _ in range(abs(ulps)):
        approx = math.nextafter(approx, math.inf if ulps > 0 else -math.inf)
    return approx


def _bound(value: Fraction, approx: float) -> float:
    """A float at least |approx - value| (rounded up), as the caller of decimal_texts must give."""
    return math.nextafter(float(abs(Fraction(approx) - value)), math.inf)


fractions = st.one_of(
    st.fractions(min_value=-1000, max_value=1000, max_denominator=10**15),
    # exactly on, or a hair beside, the half-way points format_decimal rounds at
    st.builds(lambda k, e: Fraction(k) / 10**10 + HALF + Fraction(e, 10**30),
              st.integers(-(10**12), 10**12), st.integers(-5, 5)),
    st.builds(lambda k: Fraction(k, 4), st.integers(-(10**6), 10**6)),
    st.builds(lambda k: Fraction(k) * 10**12 + HALF, st.integers(-(10**6), 10**6)),  # too big for the float to decide
)


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(values=st.lists(st.tuples(fractions, st.integers(-3, 3), st.booleans()), max_size=30))
@example(values=[(Fraction(0), 0, True), (Fraction(-1, 10**11), 0, True), (HALF, 0, True), (-HALF, 1, True),
                 (Fraction(3, 2 * 10**10), 0, True), (Fraction(1), 0, False)])
def test_decimal_texts_equal_format_decimal_of_the_exact_value(values: list[tuple[Fraction, int, bool]]) -> None:
    exact = [v for v, _, _ in values]
    approx = np.array([_nudged(v, ulps) for v, ulps, _ in values], dtype=np.float64)
    bound = np.array([_bound(v, a) for (v, _, _), a in zip(values, approx.tolist(), strict=True)], dtype=np.float64)
    present = np.array([p for _, _, p in values], dtype=bool)
    asked: list[int] = []

    def exact_at(i: int) -> Fraction:
        asked.append(i)
        return exact[i]

    texts = decimal_texts(approx, bound, present, exact_at).to_pylist()
    assert texts == [format_decimal(v) if p else "" for v, _, p in values]
    assert all(present[i] for i in asked)


def test_decimal_texts_ask_the_exact_value_only_near_a_boundary() -> None:
    values = [Fraction(1, 3), Fraction(12345, 10000), HALF * 3, Fraction(10**20)]
    approx = np.array([float(v) for v in values])
    asked: list[int] = []
    texts = decimal_texts(approx, exact_bound(approx), np.ones(4, dtype=bool),
                          lambda i: asked.append(i) or values[i])  # type: ignore[func-returns-value]
    assert texts.to_pylist() == ["0.3333333333", "1.2345", "0.0000000002", "100000000000000000000"]
    assert asked == [2, 3]  # an exact half (3/2 x 10^-10) and a value beyond the float's integers


def _reference_cell(cell: str, neutralise: bool) -> str:
    """payout/formats.py before issue 17: neutralise, then quote a cell holding , " CR or LF."""
    if neutralise and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        cell = "'" + cell
    if any(ch in cell for ch in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


cells = st.text(alphabet=st.sampled_from(list('ab ,"\r\n=+-@\t\'é€')), max_size=8)


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(rows=st.lists(st.tuples(cells, cells, st.integers(0, 2)), max_size=12), neutralise=st.booleans())
@example(rows=[("=1", 'a,"b"', 0), ("\r", "", 1), ("x\r\ny", "-2", 2)], neutralise=True)
def test_csv_lines_match_the_row_by_row_writer(rows: list[tuple[str, str, int]], neutralise: bool) -> None:
    reasons = ["", "no rating, no card", "=cmd"]
    parts = [
        TextPart(("name", "amount"), (pa.array([r[0] for r in rows], pa.string()),
                                      pa.array([r[1] for r in rows], pa.string()))),
        TextPart(("status", "reason"), (pa.array(["paid", "unpaid", "paid"], pa.string()), pa.array(reasons, pa.string())),
                 pa.array([r[2] for r in rows], pa.int64())),
    ]
    names = ["name", "status", "amount", "reason"]
    written = csv_lines(parts, names, len(rows), {"name", "reason"}, neutralise=neutralise)
    expected = "".join(
        ",".join([_reference_cell(name, neutralise), ("paid", "unpaid", "paid")[k], amount,
                  _reference_cell(reasons[k], neutralise)]) + "\n"
        for name, amount, k in rows)
    assert written == expected.encode()


def test_text_cells_leave_plain_text_alone_and_fill_missing_cells() -> None:
    column = pa.array(["Ann", None, "Bo"], pa.string())
    parts = [TextPart(("name",), (column,))]
    assert csv_lines(parts, ["name"], 3, {"name"}, neutralise=True) == b"Ann\n\nBo\n"
    assert text_cells(pa.array(["Ann", "Bo"]), neutralise=True).to_pylist() == ["Ann", "Bo"]


@pytest.mark.parametrize("name", sorted(p.name for p in WORKSPACES.iterdir() if (p / "pmrules.yaml").exists()))
def test_group_floats_are_within_their_bounds_of_the_exact_multipliers(name: str) -> None:
    opened = open_workspace(WORKSPACES / name, get_plugin_manager())
    ws = opened.workspace
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)
    approx = group_approx(run.groups)
    for k, group in enumerate(run.groups):
        if group.multiplier is None:
            assert not approx.paid[k] and math.isnan(approx.multiplier[k])
            continue
        assert approx.multiplier[k] == group.multiplier_float()  # the float the bonuses were always rounded from
        assert abs(Fraction(approx.multiplier[k]) - group.multiplier) <= Fraction(approx.multiplier_bound[k])
        for c, score in group.scores.items():
            if score is not None:
                assert abs(Fraction(approx.scores[c][k]) - score) <= Fraction(float(approx.score_bound(c)[k]))


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(values=st.lists(st.one_of(st.integers(-5, 40), st.integers(-(2**40), 2**40)), max_size=60))
def test_group_keys_are_counted_in_the_order_np_unique_sorts_them(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    unique, inverse = _distinct(array)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    assert unique.tolist() == expected.tolist() and inverse.tolist() == expected_inverse.reshape(-1).tolist()
