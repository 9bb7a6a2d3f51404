"""Compile a parsed formula twice: to NumPy for scoring many rows, and to Fractions for payouts.

Both work on neutral argument names v0..vn, so an input called `select` or `minimum` can never
clash with a NumPy function, and no user text ever reaches Python's compiler.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from numbers import Rational
from typing import Any

import numpy
import sympy
from numpy.typing import ArrayLike
from sympy.printing.numpy import NumPyPrinter

from pmrules.errors import EvaluationError, FormulaError
from pmrules.rational import EXACT, Fraction


def _neutral(expr: sympy.Basic, names: Sequence[str]) -> tuple[sympy.Basic, list[sympy.Symbol], tuple[int, ...]]:
    """The expression over v0..vn, those symbols, and the indices of the names it actually reads."""
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate names in {list(names)}")
    known = {sympy.Symbol(name) for name in names}
    missing = sorted(str(s) for s in expr.free_symbols - known)
    if missing:
        raise FormulaError(f"the formula reads {', '.join(missing)}, which the compiler was not given")
    neutral = [sympy.Symbol(f"v{i}", real=True) for i in range(len(names))]
    renamed = expr.xreplace({sympy.Symbol(name): v for name, v in zip(names, neutral)})
    used = tuple(i for i, name in enumerate(names) if sympy.Symbol(name) in expr.free_symbols)
    return renamed, neutral, used


# -- NumPy ------------------------------------------------------------------------------------
class _FloatConstants(NumPyPrinter):
    """Print numbers as float literals: a 400-digit Integer times a float array raises OverflowError."""

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return str(expr.p) if abs(expr.p) <= 2**53 else self._float(Fraction(expr.p))

    def _print_Rational(self, expr: sympy.Rational) -> str:
        return self._float(Fraction(expr.p, expr.q))

    def _float(self, value: Fraction) -> str:
        try:
            return repr(float(value))
        except OverflowError:
            return "float('inf')" if value > 0 else "float('-inf')"


class CompiledNumpy:
    """A formula over float64 arrays, one per name; NaN in any input it reads gives NaN."""

    def __init__(self, expr: sympy.Expr, names: Sequence[str]) -> None:
        self.expr = expr
        self.names = tuple(names)
        renamed, args, self.used = _neutral(expr, self.names)
        printer = _FloatConstants({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": False})
        self._fn = sympy.lambdify(args, renamed, modules="numpy", printer=printer)

    def __call__(self, *arrays: ArrayLike) -> numpy.ndarray:
        if len(arrays) != len(self.names):
            raise TypeError(f"expected {len(self.names)} arrays ({', '.join(self.names)}), got {len(arrays)}")
        values = [numpy.asarray(a, dtype=numpy.float64) for a in arrays]
        shape = numpy.broadcast_shapes(*(v.shape for v in values)) if values else ()
        with numpy.errstate(all="ignore"):
            result = numpy.asarray(self._fn(*values), dtype=numpy.float64)
        out = numpy.array(numpy.broadcast_to(result, shape), dtype=numpy.float64)
        # lambdify's select() sends NaN rows to the default branch, silently paying a cap.
        for i in self.used:
            out[numpy.broadcast_to(numpy.isnan(values[i]), shape)] = numpy.nan
        return out


def compile_numpy(expr: sympy.Expr, names: Sequence[str]) -> CompiledNumpy:
    """Vectorised evaluator: call it with one array per name, in order; check `numpy.isfinite` after."""
    return CompiledNumpy(expr, names)


def evaluate_numpy(fn: Callable[..., numpy.ndarray], arrays: Sequence[ArrayLike]) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Values and a mask of rows that are usable: a finite result from finite inputs."""
    values = numpy.asarray(fn(*arrays), dtype=numpy.float64)
    ok = numpy.isfinite(values)
    used = getattr(fn, "used", range(len(arrays)))
    for i in used:
        ok &= numpy.broadcast_to(numpy.isfinite(numpy.asarray(arrays[i], dtype=numpy.float64)), ok.shape)
    return values, ok


# -- exact ------------------------------------------------------------------------------------
# Values from log, exp, non-square sqrt and fractional powers are computed in float and converted
# with Fraction(float): exact only to float precision. Everything else is exact rational arithmetic.
def _finite(value: float | complex, what: str) -> Fraction:
    if isinstance(value, complex) or not math.isfinite(value):
        raise EvaluationError(f"{what} is not a finite real number")
    return Fraction(value)


def _exp(x: Fraction) -> Fraction:
    try:
        return _finite(math.exp(x), "exp()")
    except OverflowError:
        raise EvaluationError("exp() overflows") from None


def _log(x: Fraction) -> Fraction:
    if x <= 0:
        raise EvaluationError(f"log() of {x}, which is not positive")
    try:
        return _finite(math.log(x), "log()")
    except OverflowError:
        return _finite(math.log(x.numerator) - math.log(x.denominator), "log()")


def _sqrt(x: Fraction) -> Fraction:
    if x < 0:
        raise EvaluationError(f"sqrt() of {x}, which is negative")
    n, d = x.numerator, x.denominator
    rn, rd = math.isqrt(n), math.isqrt(d)
    if rn * rn == n and rd * rd == d:
        return Fraction(rn, rd)
    try:
        return _finite(math.sqrt(x), "sqrt()")
    except OverflowError:
        raise EvaluationError("sqrt() overflows") from None


def _pow_half(base: Fraction, p: int) -> Fraction:
    return _sqrt(base) ** p


def _fpow(base: Fraction, exponent: Fraction) -> Fraction:
    try:
        return _finite(float(base) ** float(exponent), "a power")
    except (OverflowError, ZeroDivisionError):
        raise EvaluationError(f"{base} ** {exponent} cannot be computed") from None


def _floor(x: Fraction) -> Fraction:
    return Fraction(math.floor(x))


def _ceil(x: Fraction) -> Fraction:
    return Fraction(math.ceil(x))


def _no_branch() -> Fraction:
    raise EvaluationError("no Piecewise branch applies")


_HELPERS: dict[str, object] = {
    "min": min, "max": max, "abs": abs, "float": float, "_exp": _exp, "_log": _log, "_sqrt": _sqrt,
    "_pow_half": _pow_half, "_fpow": _fpow, "_floor": _floor, "_ceil": _ceil, "_no_branch": _no_branch,
}
_CALLS: dict[type, str] = {
    sympy.exp: "_exp", sympy.log: "_log", sympy.floor: "_floor", sympy.ceiling: "_ceil", sympy.Abs: "abs",
    sympy.Min: "min", sympy.Max: "max",
}
_RELATIONS = {"<", "<=", ">", ">=", "==", "!="}


class _Emitter:
    """Python source for one expression, built only from our own tokens and names v0..vn."""

    def __init__(self, index: dict[sympy.Symbol, int]) -> None:
        self.index = index
        self.constants: dict[Fraction, str] = {}

    def constant(self, value: Fraction) -> str:
        return self.constants.setdefault(value, f"c{len(self.constants)}")

    def emit(self, e: sympy.Basic) -> str:
        if e.is_Symbol:
            return f"v{self.index[e]}"
        if e.is_Rational:
            return self.constant(Fraction(int(e.p), int(e.q)))
        if e is sympy.true or e is sympy.false:
            return str(bool(e))
        if e.is_Float or isinstance(e, sympy.NumberSymbol):
            return self.constant(_finite(float(e), str(e)))
        if isinstance(e, sympy.Piecewise):
            text = "_no_branch()"
            for value, condition in reversed(e.args):
                value_text = self.emit(value)
                text = value_text if condition is sympy.true else f"({value_text} if {self.emit(condition)} else {text})"
            return text
        args = [self.emit(a) for a in e.args]
        if e.is_Add:
            return "(" + " + ".join(args) + ")"
        if e.is_Mul:
            return "(" + " * ".join(args) + ")"
        if e.is_Pow:
            exponent = e.exp
            if exponent.is_Integer:
                return f"({args[0]} ** {int(exponent)})"
            if exponent.is_Rational and exponent.q == 2:
                return f"_pow_half({args[0]}, {int(exponent.p)})"
            return f"_fpow({args[0]}, {args[1]})"
        if e.func in _CALLS:
            return f"{_CALLS[e.func]}({', '.join(args)})"
        if isinstance(e, sympy.core.relational.Relational) and e.rel_op in _RELATIONS:
            return f"({args[0]} {e.rel_op} {args[1]})"
        if isinstance(e, (sympy.And, sympy.Or)):
            return "(" + (" and " if isinstance(e, sympy.And) else " or ").join(args) + ")"
        if isinstance(e, sympy.ITE):
            return f"({args[1]} if {args[0]} else {args[2]})"
        if isinstance(e, sympy.Not):
            return f"(not {args[0]})"
        raise FormulaError(f"{type(e).__name__} cannot be computed exactly", formula=str(e))


class ExactFormula:
    """A formula compiled to Python over Fractions, for payouts: call it with one value per name, in order."""

    def __init__(self, names: tuple[str, ...], source: str, function: Callable[..., Fraction]) -> None:
        self.names = names
        self.source = source
        self._function = function

    def __call__(self, *values: Fraction | int | float | Decimal) -> Fraction:
        names = self.names
        if len(values) != len(names):
            raise TypeError(f"expected {len(names)} values ({', '.join(names)}), got {len(values)}")
        try:
            result = self._function(*[v if type(v) is EXACT else _to_fraction(n, v) for n, v in zip(names, values)])
        except ZeroDivisionError:
            raise EvaluationError("division by zero") from None
        return result if type(result) is EXACT else Fraction(result)


def compile_exact(expr: sympy.Expr, names: Sequence[str]) -> ExactFormula:
    """Exact evaluator over Fractions (ints, Decimals and finite floats are converted), for payouts.

    Division by zero and non-finite intermediate values raise EvaluationError.
    """
    names = tuple(names)
    _neutral(expr, names)  # checks the names; the emitter maps symbols itself, so sympy never rebuilds
    emitter = _Emitter({sympy.Symbol(name): i for i, name in enumerate(names)})
    try:
        body = emitter.emit(expr)
        # The source holds only tokens emitted above, the names v0..vn, helper names and constant
        # names c0..cn (whose values live in the namespace): no formula text, so exec is safe here.
        source = f"def _formula({', '.join(f'v{i}' for i in range(len(names)))}):\n    return {body}\n"
        namespace: dict[str, Any] = {"__builtins__": {}, **_HELPERS}
        namespace.update({name: value for value, name in emitter.constants.items()})
        exec(compile(source, "<pmrules formula>", "exec"), namespace)
    except (RecursionError, SyntaxError, MemoryError) as exc:
        raise FormulaError(f"the formula is too deeply nested to compile ({type(exc).__name__})") from None
    return ExactFormula(names, source, namespace["_formula"])


def _to_fraction(name: str, value: object) -> Fraction:
    if isinstance(value, (Rational, float, Decimal)):
        try:
            return Fraction(value)  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            raise EvaluationError(f"input '{name}' is {value}, not a finite number") from None
    raise TypeError(f"input '{name}' must be a number, not {type(value).__name__}")
