"""Functions a formula may call: the built-ins, and the extension point plugins use to add more."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import sympy

from pmrules.errors import PluginError

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class FormulaFunction:
    """A callable name in formulas.

    Plugin functions give a sympy `body` over `Symbol(param)`; the parser substitutes the
    arguments into it, so formulas that use it stay analysable and compile to NumPy. Built-ins
    give `build` (a sympy class such as `sympy.Min`) instead.
    """

    name: str
    params: tuple[str, ...]
    body: sympy.Expr | None = None
    build: Callable[..., sympy.Basic] | None = None
    variadic: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        problem = None
        if not NAME_PATTERN.match(self.name):
            problem = "its name must be letters, digits and underscores, starting with a letter"
        elif (self.body is None) == (self.build is None):
            problem = "give exactly one of `body` (a sympy expression) or `build`"
        elif len(set(self.params)) != len(self.params) or not all(NAME_PATTERN.match(p) for p in self.params):
            problem = "its parameters must be distinct names"
        elif self.body is not None:
            if not isinstance(self.body, sympy.Expr):
                problem = "its body must be a sympy expression"
            else:
                extra = sorted(str(s) for s in self.body.free_symbols - {sympy.Symbol(p) for p in self.params})
                if extra:
                    problem = f"its body uses {', '.join(extra)}, which are not parameters"
        if problem:
            raise PluginError(f"formula function '{self.name}' is malformed: {problem}")

    @classmethod
    def from_formula(
        cls,
        name: str,
        params: Sequence[str],
        formula: str,
        *,
        description: str = "",
        functions: Mapping[str, FormulaFunction] | None = None,
    ) -> FormulaFunction:
        """A function whose body is written as formula text, e.g. `Min(Max(x, lo), hi)`."""
        from pmrules.formula.parser import parse_formula

        return cls(name, tuple(params), body=parse_formula(formula, functions=functions), description=description)

    def arity_text(self) -> str:
        count = len(self.params)
        noun = "argument" if count == 1 else "arguments"
        return f"at least {count} {noun}" if self.variadic else f"{count} {noun}"


def _abs(x: sympy.Expr) -> sympy.Basic:
    """Abs without sympy's complex rewrites (Abs(exp(a)) -> exp(re(a))): inputs are real numbers."""
    return sympy.Abs(x) if x.is_number else sympy.Abs(x, evaluate=False)


def _builtin(name: str, build: Callable[..., sympy.Basic], params: tuple[str, ...], text: str,
             variadic: bool = False) -> FormulaFunction:
    return FormulaFunction(name, params, build=build, variadic=variadic, description=text)


BUILTIN_FUNCTIONS: Mapping[str, FormulaFunction] = MappingProxyType({
    f.name: f
    for f in (
        _builtin("Min", sympy.Min, ("a", "b"), "smallest of its arguments", variadic=True),
        _builtin("Max", sympy.Max, ("a", "b"), "largest of its arguments", variadic=True),
        _builtin("Abs", _abs, ("x",), "absolute value"),
        _builtin("Piecewise", sympy.Piecewise, ("branch",),
                 "Piecewise((value, condition), ..., (value, True)): the first branch whose condition holds",
                 variadic=True),
        _builtin("log", sympy.log, ("x",), "natural logarithm (exact only to float precision)"),
        _builtin("exp", sympy.exp, ("x",), "e to the power x (exact only to float precision)"),
        _builtin("sqrt", sympy.sqrt, ("x",), "square root (exact for perfect squares, else float precision)"),
        _builtin("floor", sympy.floor, ("x",), "largest integer <= x"),
        _builtin("ceiling", sympy.ceiling, ("x",), "smallest integer >= x"),
    )
})
