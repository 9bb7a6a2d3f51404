"""The NumPy and exact compilers agree with each other and with sympy's own exact evaluation."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pmrules.errors import EvaluationError, FormulaError
from pmrules.formula import compile_exact, compile_numpy, evaluate_numpy, formula_names, parse_formula

NAMES = ["a", "b", "c"]


def test_numpy_names_that_shadow_numpy_functions() -> None:
    expr = parse_formula("select * less - minimum / reduce + Max(select, 0) + Piecewise((less, less > 1), (0, True))")
    names = ["select", "less", "minimum", "reduce"]
    fn = compile_numpy(expr, names)
    rows = [numpy.array([2.0, 3.0]), numpy.array([4.0, 0.5]), numpy.array([6.0, 1.0]), numpy.array([3.0, 2.0])]
    numpy.testing.assert_allclose(fn(*rows), [2 * 4 - 6 / 3 + 2 + 4, 3 * 0.5 - 1 / 2 + 3 + 0])
    exact = compile_exact(expr, names)
    assert exact(Fraction(2), Fraction(4), Fraction(6), Fraction(3)) == 12


def test_numpy_broadcasts_a_constant() -> None:
    fn = compile_numpy(parse_formula("2 + 0.5"), ["x"])
    assert fn(numpy.zeros(4)).tolist() == [2.5] * 4
    fn = compile_numpy(parse_formula("x - x + 1"), ["x"])
    assert fn(numpy.zeros((2, 3))).shape == (2, 3)


def test_numpy_piecewise_propagates_nan_instead_of_taking_the_default() -> None:
    fn = compile_numpy(parse_formula("Piecewise((a / b, b > 0), (0, True))"), ["a", "b"])
    values, ok = evaluate_numpy(fn, [numpy.array([1.0, 1.0, 1.0, numpy.nan]), numpy.array([2.0, 0.0, numpy.nan, 1.0])])
    assert values[:2].tolist() == [0.5, 0.0]
    assert numpy.isnan(values[2:]).all()
    assert ok.tolist() == [True, True, False, False]


def test_numpy_flags_division_by_zero_and_casts_integers() -> None:
    fn = compile_numpy(parse_formula("a / b + a * b"), ["a", "b"])
    values, ok = evaluate_numpy(fn, [numpy.array([3_000_000_000, 1]), numpy.array([4_000_000_000, 0])])
    assert values[0] == pytest.approx(1.2e19)
    assert ok.tolist() == [True, False]


def test_numpy_ignores_nan_in_unused_inputs_and_handles_huge_constants() -> None:
    fn = compile_numpy(parse_formula("a * 100000000000000000000**2"), ["a", "unused"])
    values, ok = evaluate_numpy(fn, [numpy.array([0.0, 2.0]), numpy.array([numpy.nan, numpy.nan])])
    assert values.tolist() == [0.0, 2e40] and ok.all()
    # A constant beyond float range overflows to inf (and is flagged), it does not raise.
    fn = compile_numpy(parse_formula("a * 999999999999999999999999999999**16"), ["a"])
    values, ok = evaluate_numpy(fn, [numpy.array([1.0, -1.0])])
    assert values.tolist() == [numpy.inf, -numpy.inf] and not ok.any()


def test_compilers_require_every_name() -> None:
    with pytest.raises(FormulaError, match="reads b"):
        compile_numpy(parse_formula("a + b"), ["a"])
    with pytest.raises(FormulaError, match="reads b"):
        compile_exact(parse_formula("a + b"), ["a"])


def test_exact_is_exact() -> None:
    fn = compile_exact(parse_formula("net_income - 0.1 * invested_capital"), ["net_income", "invested_capital"])
    assert fn(Fraction(1, 3), Fraction(1, 7)) == Fraction(1, 3) - Fraction(1, 70)
    assert fn(1, Decimal("0.3")) == Fraction(97, 100)
    assert type(fn(1, 2)) is __import__("pmrules.rational").rational.EXACT
    assert compile_exact(parse_formula("sqrt(x)"), ["x"])(Fraction(9, 4)) == Fraction(3, 2)
    assert compile_exact(parse_formula("floor(x) + ceiling(x)"), ["x"])(Fraction(-3, 2)) == -3
    assert compile_exact(parse_formula("Abs(x) + Max(x, 1, 2) + Min(x, 0)"), ["x"])(Fraction(-1)) == 2


def test_exact_raises_evaluation_errors() -> None:
    fn = compile_exact(parse_formula("a / b"), ["a", "b"])
    with pytest.raises(EvaluationError, match="division by zero"):
        fn(Fraction(1), Fraction(0))
    with pytest.raises(EvaluationError, match="division by zero"):
        compile_exact(parse_formula("x**-2"), ["x"])(Fraction(0))
    with pytest.raises(EvaluationError, match="not a finite number"):
        fn(1, float("nan"))
    with pytest.raises(EvaluationError, match="exp"):
        compile_exact(parse_formula("exp(x)"), ["x"])(Fraction(10**6))
    with pytest.raises(EvaluationError, match="log"):
        compile_exact(parse_formula("log(x)"), ["x"])(Fraction(0))
    with pytest.raises(EvaluationError, match="sqrt"):
        compile_exact(parse_formula("sqrt(x)"), ["x"])(Fraction(-1))
    with pytest.raises(TypeError, match="must be a number"):
        fn("1", 2)
    guarded = compile_exact(parse_formula("Piecewise((a / b, b != 0), (0, True))"), ["a", "b"])
    assert guarded(Fraction(1), Fraction(0)) == 0


def test_exact_source_holds_no_formula_text() -> None:
    fn = compile_exact(parse_formula("open_file * 3 + system"),
                       ["open_file", "system"])
    assert "open_file" not in fn.source and "system" not in fn.source  # type: ignore[attr-defined]


def test_exact_is_fast_enough_for_payouts() -> None:
    import time

    fn = compile_exact(parse_formula("Piecewise((Min(1.5, a / b) * 1000, a > 0.8 * b), (0, True))"), ["a", "b"])
    started = time.perf_counter()
    for i in range(1, 5001):
        fn(Fraction(i, 7), Fraction(1000))
    assert time.perf_counter() - started < 1.0


# -- property tests ---------------------------------------------------------------------------
_numbers = st.one_of(st.integers(-20, 20).map(str), st.sampled_from(["0.5", "1.25", "0.1", "3", "100"]))
_atoms = st.one_of(st.sampled_from(NAMES), _numbers)


def _formulas(functions: list[str], conditions: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        options = [
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, st.integers(-3, 3)).map(lambda t: f"({t[0]})**{t[1]}"),
            inner.map(lambda e: f"-({e})"),
            st.tuples(st.sampled_from(["Min", "Max"]), st.lists(inner, min_size=2, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"),
        ]
        options += [inner.map(lambda e, f=f: f"{f}({e})") for f in functions]  # type: ignore[misc]
        condition = conditions if conditions is not None else st.tuples(inner, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), inner).map(
            " ".join)
        options.append(st.tuples(inner, condition, inner).map(lambda t: f"Piecewise(({t[0]}, {t[1]}), ({t[2]}, True))"))
        return st.one_of(*options)

    return st.recursive(_atoms, extend, max_leaves=8)


_rational_formulas = _formulas(["Abs", "floor", "ceiling"])
_fractions = st.fractions(min_value=-50, max_value=50, max_denominator=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rational_formulas, st.lists(_fractions, min_size=3, max_size=3))
def test_exact_equals_sympy_exactly(text: str, values: list[Fraction]) -> None:
    try:
        expr = parse_formula(text)
    except FormulaError:
        assume(False)
        return
    substituted = {sympy.Symbol(n): sympy.Rational(v.numerator, v.denominator) for n, v in zip(NAMES, values)}
    try:
        reference = expr.xreplace(substituted)
        finite = reference.is_Rational
    except (TypeError, ValueError, ZeroDivisionError):
        finite = False
    fn = compile_exact(expr, NAMES)
    if finite:
        assert fn(*values) == Fraction(int(reference.p), int(reference.q))
    else:
        with pytest.raises(EvaluationError):
            fn(*values)


# Conditions compare a name to a constant, so float rounding cannot flip a branch.
_simple_conditions = st.tuples(st.sampled_from(NAMES), st.sampled_from(["<", "<=", ">", ">="]),
                               st.sampled_from(["0", "1", "-2.5"])).map(" ".join)
_float_formulas = _formulas(["Abs", "sqrt", "log", "exp"], _simple_conditions)
_floats = st.integers(-400, 400).map(lambda i: i / 4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_float_formulas, st.lists(_floats, min_size=3, max_size=3))
def test_numpy_agrees_with_exact_and_sympy(text: str, values: list[float]) -> None:
    try:
        expr = parse_formula(text)
    except FormulaError:
        assume(False)
        return
    try:
        exact = compile_exact(expr, NAMES)(*(Fraction(v) for v in values))
    except EvaluationError:
        assume(False)
        return
    assume(abs(exact) < 1e12)
    arrays = [numpy.array([v, v]) for v in values]
    got, ok = evaluate_numpy(compile_numpy(expr, NAMES), arrays)
    assert ok.all(), text
    assert math.isclose(got[0], float(exact), rel_tol=1e-6, abs_tol=1e-6), (text, got[0], exact)
    reference = expr.xreplace({sympy.Symbol(n): sympy.Rational(Fraction(v)) for n, v in zip(NAMES, values)}).evalf(30)
    assert math.isclose(got[0], float(reference), rel_tol=1e-6, abs_tol=1e-6), (text, got[0], reference)


def test_formula_names_match_compiler_arguments() -> None:
    expr = parse_formula("Piecewise((a / b, b > 0), (c, True))")
    names = sorted(formula_names(expr))
    assert compile_exact(expr, names)(1, 2, 3) == Fraction(1, 2)
