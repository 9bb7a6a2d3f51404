"""Exact values as decimal text for whole columns: the float decides where it provably can, exact elsewhere.

`format_decimal` rounds value x 10^places half-even to an integer and writes it with the places,
trailing zeros dropped. For thousands of values (every group's multiplier and scores) that costs
more than the rest of the CSV. Here each value comes as a float with a bound on its distance from
the exact value: when no half-integer lies within that bound of float x 10^places, the float's
nearest integer is the exact one's, and the text is built in Arrow for the whole column; the few
values near a half-integer (or too large for the float to place) are formatted from the exact value.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.payout.exact import format_decimal
from pmrules.rational import Fraction

# The unit roundoff of float64: a correctly rounded operation is within U x |result| of the exact one.
U = 2.0**-53
# Below this a relative bound says nothing (subnormal floats): a value this close to 0 is 0 at 10 places.
TINY = 1e-300


def exact_bound(values: np.ndarray) -> np.ndarray:
    """The bound for floats converted from exact values (one rounding; four allowed)."""
    return 4 * U * np.abs(values) + TINY


def decimal_texts(approx: np.ndarray, bound: np.ndarray, present: np.ndarray,
                  exact: Callable[[int], Fraction], places: int = 10) -> pa.Array:
    """format_decimal(exact(i), places) for every i where `present`, "" elsewhere.

    `approx[i]` must be within `bound[i]` of exact(i); exact(i) is asked only where the float cannot decide.
    """
    n = len(approx)
    scale = 10.0**places  # exact in float for places <= 22
    with np.errstate(all="ignore"):
        x = approx * scale
        error = 2 * (bound * scale + 2 * U * np.abs(x)) + 1e-12
        rest = x - np.floor(x)
        decided = present & np.isfinite(x) & np.isfinite(error) & (np.abs(x) < 2.0**52) \
            & (np.abs(rest - 0.5) > error)
        scaled = np.where(decided, np.rint(x), 0).astype(np.int64)
    texts = _scaled_texts(scaled, places)
    fallback = np.flatnonzero(present & ~decided)
    if not len(fallback) and present.all():
        return texts
    others = [format_decimal(exact(int(i)), places) for i in fallback.tolist()]
    # position k of the result: its own text where decided, "" where absent, else the k-th fallback
    index = np.where(decided, np.arange(n), n)
    index[fallback] = n + 1 + np.arange(len(fallback))
    return pa.concat_arrays([texts, pa.array([""], pa.string()), pa.array(others, pa.string())]).take(
        pa.array(index))


def _scaled_texts(scaled: np.ndarray, places: int) -> pa.Array:
    """The text of scaled / 10^places for int64 `scaled`, as format_decimal writes it."""
    magnitude = np.abs(scaled)
    whole = pc.cast(pa.array(magnitude // 10**places), pa.string())
    if places == 0:
        text = whole
    else:
        fraction = magnitude % 10**places
        digits = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(pa.array(fraction), pa.string()), places, "0"), "0")
        text = pc.if_else(pa.array(fraction == 0), whole, pc.binary_join_element_wise(whole, digits, "."))
    negative = scaled < 0
    if not negative.any():
        return text
    return pc.if_else(pa.array(negative), pc.binary_join_element_wise("-", text, ""), text)
