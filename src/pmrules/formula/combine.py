"""A plan's `combine`: `add`, `multiply`, or a formula over its component names, parsed once.

The formula goes through the same whitelist parser as KPIs (never eval/sympify) and is compiled to
exact Fractions. A formula of the form `team x individual` also yields the team factor on its own, so
a plan can round it before the individual modifier is applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy

from pmrules.errors import FormulaError, Location, did_you_mean
from pmrules.formula.compile import ExactFormula, compile_exact
from pmrules.formula.parser import formula_names, parse_formula
from pmrules.rational import Fraction

KEYWORDS = ("add", "multiply")
INDIVIDUAL = "individual"


@dataclass(frozen=True)
class CombineForm:
    """How a plan turns component scores into one factor; `team` is the part before the individual modifier."""

    kind: str  # add | multiply | formula
    text: str
    names: tuple[str, ...]
    formula: ExactFormula | None = None
    team: ExactFormula | None = None  # formula: combine = team x individual (or team alone, without individual)

    def team_split(self) -> bool:
        """Whether the combine is `team x individual` (or has no individual component), so a team factor exists."""
        if self.kind == "multiply":
            return True
        if self.kind == "add":
            return INDIVIDUAL not in self.names
        return self.team is not None

    def combined(self, scores: Mapping[str, Fraction], weights: Mapping[str, Fraction]) -> Fraction:
        return self.finish(self.team_factor(scores, weights), scores, weights)

    def team_factor(self, scores: Mapping[str, Fraction], weights: Mapping[str, Fraction]) -> Fraction | None:
        """The team factor, or None when the combine has no `team x individual` form."""
        if not self.team_split():
            return None
        team_names = [n for n in self.names if n != INDIVIDUAL]
        if self.kind == "multiply":
            product = Fraction(1)
            for name in team_names:
                product *= scores[name]
            return product
        if self.kind == "add":
            return sum((weights[n] * scores[n] for n in team_names), Fraction(0))
        assert self.team is not None
        return self.team(*(scores[n] for n in self.team.names))

    def finish(self, team: Fraction | None, scores: Mapping[str, Fraction], weights: Mapping[str, Fraction]) -> Fraction:
        """The combined factor from a (possibly rounded) team factor and the scores."""
        if team is not None:
            return team * scores[INDIVIDUAL] if INDIVIDUAL in self.names else team
        if self.kind == "add":
            return sum((weights[n] * scores[n] for n in self.names), Fraction(0))
        assert self.formula is not None
        return self.formula(*(scores[n] for n in self.formula.names))


def parse_combine(text: str, names: Sequence[str], *, location: Location | None = None) -> CombineForm:
    """`add`, `multiply` or a formula whose every name is a component of the plan (else FormulaError)."""
    names = tuple(names)
    if text in KEYWORDS:
        return CombineForm(text, text, names)
    try:
        expr = parse_formula(text, location=location)
    except FormulaError as exc:
        raise FormulaError(f"combine: {exc.message}", location=location, hint=exc.hint) from None
    used = formula_names(expr)
    if isinstance(expr, sympy.Symbol) and str(expr) not in names:  # one word: a misspelt keyword, most likely
        raise FormulaError(f"combine {text!r} is not add, multiply or a formula over the components "
                           f"({', '.join(names)})", location=location,
                           hint=did_you_mean(text, [*KEYWORDS, *names]) or "write add, multiply or a formula")
    for name in sorted(used - set(names)):
        suggestion = did_you_mean(name, [*names, *KEYWORDS])
        raise FormulaError(f"combine reads '{name}', which is not a component of the plan (components: "
                           f"{', '.join(names)})", location=location,
                           hint=suggestion or "a combine formula reads only the plan's component names")
    unused = [n for n in names if n not in used]
    if unused:
        raise FormulaError(f"combine does not use the component(s) {', '.join(unused)}", location=location,
                           hint="use every listed component in the formula, or remove it from `components`")
    order = tuple(n for n in names if n in used)
    return CombineForm("formula", text, names, compile_exact(expr, order), _team(expr, order))


def _team(expr: sympy.Expr, names: tuple[str, ...]) -> ExactFormula | None:
    """The formula T of `T * individual` (T free of individual), or the whole formula without individual."""
    individual = sympy.Symbol(INDIVIDUAL)
    if individual not in expr.free_symbols:
        return compile_exact(expr, names)
    if not isinstance(expr, sympy.Mul) or individual not in expr.args:
        return None
    rest = [arg for arg in expr.args if arg != individual]
    team = sympy.Mul(*rest)
    if individual in team.free_symbols:
        return None
    return compile_exact(team, tuple(n for n in names if n != INDIVIDUAL))
