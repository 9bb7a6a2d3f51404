"""Formulas: parse untrusted text with a whitelist, then compile to NumPy (bulk) or Fractions (payouts)."""

from pmrules.formula.compile import CompiledNumpy, ExactFormula, compile_exact, compile_numpy, evaluate_numpy
from pmrules.formula.functions import BUILTIN_FUNCTIONS, FormulaFunction
from pmrules.formula.parser import DEFAULT_LIMITS, FormulaLimits, formula_names, parse_formula

__all__ = [
    "BUILTIN_FUNCTIONS",
    "DEFAULT_LIMITS",
    "CompiledNumpy",
    "ExactFormula",
    "FormulaFunction",
    "FormulaLimits",
    "compile_exact",
    "compile_numpy",
    "evaluate_numpy",
    "formula_names",
    "parse_formula",
]
