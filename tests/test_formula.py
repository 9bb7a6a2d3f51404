"""The whitelist parser: hostile text is refused with a useful message, valid formulas equal sympy's."""

from __future__ import annotations

import ast
import builtins
import time

import pytest
import sympy

from pmrules.errors import FormulaError, Location, PluginError
from pmrules.formula import (
    BUILTIN_FUNCTIONS,
    FormulaFunction,
    FormulaLimits,
    formula_names,
    parse_formula,
)

x, y, a, b, c = sympy.symbols("x y a b c")

HOSTILE = [
    ("__import__('os').system('x')", "only named functions can be called"),
    ("__import__('os')", "calls to '__import__' are not allowed"),
    ("().__class__.__bases__", "attribute access ('.__bases__') is not allowed"),
    ("open('f','w')", "calls to 'open' are not allowed"),
    ("x.__class__", "attribute access ('.__class__')"),
    ("lambda: 1", "lambda is not allowed"),
    ("(lambda: 1)()", "only named functions can be called"),
    ("[1,2]", "lists are not allowed"),
    ("{'a': 1}", "dicts are not allowed"),
    ("[x for x in y]", "comprehensions are not allowed"),
    ("x[0]", "indexing with [...] is not allowed"),
    ("9**9**9**9", "exponents must be number literals"),
    ("2**2**10", "exponents must be number literals"),
    ("x**y", "exponents must be number literals"),
    ("x**100", "the exponent 100 is too large"),
    ("x**-17", "the exponent -17 is too large"),
    ("2**0.5", "exponents must be whole numbers"),
    ("((x**16)**16)**16", "nested powers multiply to an exponent of 256"),
    ('"string"', "text strings are not allowed"),
    ("b'x'", "text strings are not allowed"),
    ('f"{x}"', "text strings are not allowed"),
    ("x if y else z", "'a if c else b' is not allowed"),
    ("exec('1')", "calls to 'exec' are not allowed"),
    ("eval('1')", "calls to 'eval' are not allowed"),
    ("getattr(x,'y')", "calls to 'getattr' are not allowed"),
    ("Min(x, y=2)", "keyword arguments are not allowed in calls to 'Min'"),
    ("Min(*x)", "* unpacking is not allowed"),
    ("Min(x)", "Min() takes at least 2 arguments, got 1"),
    ("sqrt(x, 2)", "sqrt() takes 1 argument, got 2"),
    ("(" * 200 + "x" + ")" * 200, "nests parentheses 200 levels deep"),
    ("-" * 40 + "x", "nests more than 30 levels deep"),
    ("x+" * 5000 + "x", "characters long; at most 2000"),
    ("-" * 1900 + "x", "at most 500 are allowed"),
    ("1e999", "out of range"),
    ("1e-40", "out of range"),
    ("1" * 60, "at most 30 digits"),
    ("0." + "1" * 40, "at most 30 digits"),
    ("1j", "the constant 1j is not allowed"),
    ("None", "the constant None is not allowed"),
    ("x := 1", "assignment (:=) is not allowed"),
    ("x) + (y", "')' has no opening bracket"),
    ("Min(x, y", "a '(' is never closed"),
    ("x # )", "')' has no opening bracket"),
    ("yield x", "Yield expressions are not allowed"),
    ("(x := 1)", "assignment (:=) is not allowed"),
    ("x; y", "not valid syntax"),
    ("import os", "not valid syntax"),
    ("x\0", "not valid syntax"),
    ("", "the formula is empty"),
    ("_x", "names starting with '_' are not allowed ('_x')"),
    ("__builtins__", "names starting with '_' are not allowed"),
    ("x > 1", "comparisons are only allowed inside a Piecewise condition"),
    ("x > 1 and y", "'and'/'or' are only allowed inside a Piecewise condition"),
    ("True", "True is only allowed as the last Piecewise condition"),
    ("not x", "'not' is not allowed"),
    ("~x", "'~' is not allowed"),
    ("x @ y", "'@' is not allowed"),
    ("x // y", "'//' is not allowed; use floor(a / b)"),
    ("x % y", "'%' is not allowed"),
    ("x << 2", "the operator LShift is not allowed"),
    ("(x, y)", "tuples are only allowed as Piecewise branches"),
    ("Min", "'Min' is a function"),
    ("revenue \u2212 costs", "the character '\u2212' is not allowed"),
    ("x / 0", "divides by zero"),
    ("sqrt(-4)", "not a real number"),
    ("log(-1)", "not a real number"),
    ("exp(exp(exp(20)))", "exp() of a constant is allowed only between"),
    ("Piecewise((x, exp(exp(exp(20))) < 1), (0, True))", "exp() of a constant"),
    ("floor(exp(exp(20)))", "exp() of a constant"),
    ("Piecewise((1, sqrt(-1) < 1), (0, True))", "cannot be built"),
    ("Piecewise((1, x > 1))", "the last Piecewise branch must be (value, True)"),
    ("Piecewise((1, True), (2, True))", "True is only allowed as the last Piecewise condition"),
    ("Piecewise((1, x), (2, True))", "a Piecewise condition must be a comparison"),
    ("Piecewise((1, not x > 1), (0, True))", "'not' is not allowed"),
    ("Piecewise((1, x in y), (0, True))", "only < <= > >= == != comparisons are allowed"),
    ("Piecewise(1, 2)", "each Piecewise branch must be a pair"),
    (
        "Piecewise((Piecewise((Piecewise((Piecewise((1, x>1),(2,True)), x>1),(2,True)), x>1),(2,True)), x>1),(2,True))",
        "Piecewise may be nested at most 3 deep",
    ),
]


@pytest.mark.parametrize(("text", "fragment"), HOSTILE, ids=[repr(t[:40]) for t, _ in HOSTILE])
def test_hostile_text_is_refused_quickly(text: str, fragment: str) -> None:
    started = time.perf_counter()
    with pytest.raises(FormulaError) as info:
        parse_formula(text, location=Location("kpis.yaml", 7))
    assert time.perf_counter() - started < 1.0
    assert fragment in info.value.message
    assert info.value.location == Location("kpis.yaml", 7)
    assert info.value.fields["formula"] == text


def test_unknown_function_suggests_the_closest_one() -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula("Mn(x, y)")
    assert "calls to 'Mn' are not allowed" in info.value.message
    assert info.value.hint is not None
    assert "did you mean 'Min'?" in info.value.hint
    assert "allowed functions: Abs, Max, Min, Piecewise" in info.value.hint


def test_open_lists_the_allowed_functions() -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula("open('f', 'w')")
    assert info.value.hint is not None and info.value.hint.startswith("allowed functions: Abs, Max")


def test_errors_name_the_column() -> None:
    with pytest.raises(FormulaError, match=r"\(column 11\)"):
        parse_formula("revenue + open('f')")
    with pytest.raises(FormulaError, match=r"\(line 2, column 3\)"):
        parse_formula("(revenue +\n  x.y)")
    with pytest.raises(FormulaError, match=r"\(column 7\)"):
        parse_formula("  x + _y")


ACCEPTED = [
    ("(revenue - operating_costs) / revenue", lambda s: (s["revenue"] - s["operating_costs"]) / s["revenue"]),
    ("net_income - 0.1 * invested_capital",
     lambda s: s["net_income"] - sympy.Rational(1, 10) * s["invested_capital"]),
    ("Max(0, x) + Min(a, b, c)", lambda s: sympy.Max(0, s["x"]) + sympy.Min(s["a"], s["b"], s["c"])),
    ("Piecewise((a/b, b > 0), (0, True))", lambda s: sympy.Piecewise((s["a"] / s["b"], s["b"] > 0), (0, True))),
    ("-x**2", lambda s: -(s["x"] ** 2)),
    ("sqrt(x)", lambda s: sympy.sqrt(s["x"])),
    ("1_000 * x + 1e-3 + 2**-2", lambda s: 1000 * s["x"] + sympy.Rational(1, 1000) + sympy.Rational(1, 4)),
    ("Abs(x) + floor(x / 3) + ceiling(x) + log(x) + exp(x)",
     lambda s: sympy.Abs(s["x"]) + sympy.floor(s["x"] / 3) + sympy.ceiling(s["x"]) + sympy.log(s["x"]) + sympy.exp(s["x"])),
    ("Piecewise((1, 0 < x <= 2 and y != 3 or x == 5), (2, True))",
     lambda s: sympy.Piecewise((1, ((0 < s["x"]) & (s["x"] <= 2) & sympy.Ne(s["y"], 3)) | sympy.Eq(s["x"], 5)), (2, True))),
    ("  x +\n  y  ", lambda s: s["x"] + s["y"]),
    ("x" + " + x" * 100, lambda s: 101 * s["x"]),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_valid_formulas_equal_sympy(text: str, expected) -> None:  # type: ignore[no-untyped-def]
    expr = parse_formula(text)
    symbols = {name: sympy.Symbol(name) for name in formula_names(expr)}
    assert expr == expected(symbols)


def test_decimal_literals_are_exact_rationals() -> None:
    assert parse_formula("0.1") == sympy.Rational(1, 10)
    assert parse_formula("0.1 + 0.2") == sympy.Rational(3, 10)
    assert not parse_formula("0.1 * x").atoms(sympy.Float)


def test_formula_names() -> None:
    assert formula_names(parse_formula("(revenue - cogs) / revenue + Max(0, x)")) == {"revenue", "cogs", "x"}
    assert formula_names(parse_formula("3")) == set()


def test_names_that_sympify_would_turn_into_constants_stay_symbols() -> None:
    expr = parse_formula("pi + E + I + S + Q")
    assert formula_names(expr) == {"pi", "E", "I", "S", "Q"}


def test_plugin_function_is_inlined() -> None:
    lo, hi = sympy.symbols("lo hi")
    clamp = FormulaFunction("clamp", ("x", "lo", "hi"), body=sympy.Min(sympy.Max(x, lo), hi), description="x within [lo, hi]")
    functions = {**BUILTIN_FUNCTIONS, "clamp": clamp}
    assert parse_formula("clamp(x, 0, 1)", functions=functions) == sympy.Min(sympy.Max(x, 0), 1)
    # Simultaneous substitution: an argument named like a parameter is not captured.
    assert parse_formula("clamp(hi, lo, x)", functions=functions) == sympy.Min(sympy.Max(hi, lo), x)
    with pytest.raises(FormulaError, match=r"clamp\(\) takes 3 arguments, got 2"):
        parse_formula("clamp(x, 0)", functions=functions)
    with pytest.raises(FormulaError, match="calls to 'clamp' are not allowed"):
        parse_formula("clamp(x, 0, 1)")


def test_plugin_function_from_formula_text() -> None:
    clamp = FormulaFunction.from_formula("clamp", ("x", "lo", "hi"), "Min(Max(x, lo), hi)")
    assert parse_formula("clamp(y, 0, 1)", functions={**BUILTIN_FUNCTIONS, "clamp": clamp}) == sympy.Min(
        sympy.Max(y, 0), 1
    )


def test_plugin_function_that_would_grow_exponentially_is_refused() -> None:
    twice = FormulaFunction("twice", ("t",), body=sympy.Symbol("t") ** 2 + sympy.Symbol("t"))
    functions = {**BUILTIN_FUNCTIONS, "twice": twice}
    text = "x"
    for _ in range(12):
        text = f"twice({text})"
    started = time.perf_counter()
    with pytest.raises(FormulaError, match="when 'twice' is expanded"):
        parse_formula(text, functions=functions)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"name": "_f", "params": ("x",), "body": x}, "its name"),
        ({"name": "f", "params": ("x",)}, "exactly one of"),
        ({"name": "f", "params": ("x", "x"), "body": x}, "distinct"),
        ({"name": "f", "params": ("x",), "body": x + y}, "uses y"),
    ],
)
def test_malformed_plugin_functions_are_plugin_errors(kwargs: dict, problem: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(PluginError, match=problem):
        FormulaFunction(**kwargs)


def test_limits_are_configurable() -> None:
    tight = FormulaLimits(max_exponent=2, max_length=20)
    assert parse_formula("x**2", limits=tight) == x**2
    with pytest.raises(FormulaError, match="the exponent 3 is too large"):
        parse_formula("x**3", limits=tight)
    with pytest.raises(FormulaError, match="at most 20"):
        parse_formula("x + " * 10 + "x", limits=tight)


def test_non_text_is_refused() -> None:
    with pytest.raises(FormulaError, match="must be text"):
        parse_formula(42)  # type: ignore[arg-type]


def test_no_formula_text_reaches_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every evaluator of text refuses while valid and hostile formulas are parsed."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"formula text reached an evaluator: {args!r}")

    def refuse_text(original):  # type: ignore[no-untyped-def]
        def guarded(value: object, *args: object, **kwargs: object) -> object:
            if isinstance(value, str):
                refuse(value)
            return original(value, *args, **kwargs)

        return guarded

    import importlib

    import sympy.parsing.sympy_parser

    sympify_module = importlib.import_module("sympy.core.sympify")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    real_compile = builtins.compile

    def compile_to_ast_only(source: object, filename: str, mode: str, flags: int = 0, *args: object,
                            **kwargs: object) -> object:
        if not flags & ast.PyCF_ONLY_AST:  # ast.parse may compile to a tree; nothing may compile to code
            refuse(source)
        return real_compile(source, filename, mode, flags, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "compile", compile_to_ast_only)
    monkeypatch.setattr(sympy, "sympify", refuse_text(sympy.sympify))
    monkeypatch.setattr(sympify_module, "sympify", refuse_text(sympify_module.sympify))
    monkeypatch.setattr(type(sympy.S), "__call__", staticmethod(refuse_text(sympify_module.sympify)))
    monkeypatch.setattr(sympy, "parse_expr", refuse)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", refuse)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "eval_expr", refuse)
    for text, _ in ACCEPTED:
        parse_formula(text)
    for text, _ in HOSTILE:
        with pytest.raises(FormulaError):
            parse_formula(text)
