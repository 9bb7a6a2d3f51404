"""Whitelist parser: untrusted formula text to sympy, without ever executing the text.

`sympify`/`parse_expr` run arbitrary Python and can be made to hang (see docs notes), so the
text goes through `ast.parse` only and every node is checked against a short whitelist before
a sympy object is built from it. Limits bound the work sympy can be asked to do.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NoReturn

import sympy

from pmrules.errors import FormulaError, Location, did_you_mean
from pmrules.formula.functions import BUILTIN_FUNCTIONS, NAME_PATTERN, FormulaFunction
from pmrules.safetext import excerpt


@dataclass(frozen=True)
class FormulaLimits:
    """Caps that keep a hostile formula from exhausting time or memory."""

    max_length: int = 2000
    max_nodes: int = 500
    max_depth: int = 30
    max_exponent: int = 16
    max_constant_digits: int = 30
    max_piecewise_nesting: int = 3


DEFAULT_LIMITS = FormulaLimits()
#: exp() of a constant is folded by sympy; bounding it keeps comparisons and floor() cheap.
MAX_EXP_CONSTANT = 50

_SYNTAX_HINT = "a formula is one expression such as (revenue - costs) / revenue"
_CONDITION_HINT = "write Piecewise((value, x > 1), (other_value, True))"
_LOOKALIKES = {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00f7": "/", "\u2018": "'", "\u2019": "'"}
_BINOP_ADVICE: dict[type, str] = {
    ast.FloorDiv: "'//' is not allowed; use floor(a / b)",
    ast.Mod: "'%' is not allowed; use a - b * floor(a / b)",
    ast.MatMult: "'@' is not allowed",
}
_COMPARE: dict[type, type] = {
    ast.Lt: sympy.StrictLessThan, ast.LtE: sympy.LessThan, ast.Gt: sympy.StrictGreaterThan,
    ast.GtE: sympy.GreaterThan, ast.Eq: sympy.Eq, ast.NotEq: sympy.Ne,
}
_NOT_ALLOWED: dict[type, str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing with [...]",
    ast.Lambda: "lambda",
    ast.IfExp: "'a if c else b'",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "* unpacking",
    ast.JoinedStr: "text strings",
    ast.List: "lists", ast.Dict: "dicts", ast.Set: "sets",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
}


def parse_formula(
    text: str,
    *,
    functions: Mapping[str, FormulaFunction] | None = None,
    limits: FormulaLimits = DEFAULT_LIMITS,
    location: Location | None = None,
) -> sympy.Expr:
    """Parse formula text into a sympy expression, or raise FormulaError saying what is not allowed."""
    functions = BUILTIN_FUNCTIONS if functions is None else functions
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, not {type(text).__name__}", location=location, formula=text)
    return _Parser(text, functions, limits, location).parse()


def formula_names(expr: sympy.Basic) -> set[str]:
    """The input (or KPI) names a parsed formula reads."""
    return {str(symbol) for symbol in expr.free_symbols}


class _Parser:
    def __init__(self, text: str, functions: Mapping[str, FormulaFunction], limits: FormulaLimits,
                 location: Location | None) -> None:
        self.text = text
        self.functions = functions
        self.limits = limits
        self.location = location
        stripped = text.lstrip()
        prefix = text[: len(text) - len(stripped)]
        self.source = stripped.rstrip()
        # Parenthesised so a formula may span lines (YAML block scalars); the newline keeps a
        # trailing comment from swallowing the ')'. Balance is checked first, so this adds nothing.
        self.wrapped = f"({self.source}\n)"
        self.line_shift = prefix.count("\n")
        self.col_shift = len(prefix) - (prefix.rfind("\n") + 1)
        self.nodes = 0

    def fail(self, message: str, node: ast.AST | None = None, hint: str | None = None) -> NoReturn:
        if isinstance(node, (ast.expr, ast.stmt)):
            line = self.wrapped.splitlines()[node.lineno - 1]
            message += self._where(node.lineno, len(line.encode()[: node.col_offset].decode("utf-8", "replace")) + 1)
        raise FormulaError(message, location=self.location, hint=hint, formula=self.text)

    def _where(self, line: int, column: int, wrapped: bool = True) -> str:
        """` (column N)` in the caller's text: undo the stripped prefix and the wrapping '('."""
        if line == 1:
            column += self.col_shift - (1 if wrapped else 0)
        line += self.line_shift
        return f" (column {column})" if line == 1 else f" (line {line}, column {column})"

    # -- whole text ---------------------------------------------------------------------------
    def parse(self) -> sympy.Expr:
        limits = self.limits
        if not self.source:
            self.fail("the formula is empty", hint=_SYNTAX_HINT)
        if len(self.text) > limits.max_length:
            self.fail(f"the formula is {len(self.text)} characters long; at most {limits.max_length} are allowed",
                      hint="split it into several KPIs that refer to each other")
        self._check_characters()
        tree = self._ast()
        count = sum(1 for node in ast.walk(tree) if isinstance(node, ast.expr))
        if count > limits.max_nodes:
            self.fail(f"the formula has {count} terms; at most {limits.max_nodes} are allowed",
                      hint="split it into several KPIs that refer to each other")
        try:
            expr, _ = self.value(tree.body, 0, 0, 1)
        except (TypeError, ValueError, ArithmeticError, RecursionError, MemoryError) as exc:
            self.fail(f"the formula cannot be built: {type(exc).__name__}: {exc}"[:300],
                      hint="comparisons need real numbers on both sides")
        if not isinstance(expr, sympy.Expr):
            self.fail("the formula is a condition, not a number", hint=_CONDITION_HINT)
        if expr.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity):
            self.fail("the formula divides by zero or is undefined for every input",
                      hint="guard divisions: Piecewise((a / b, b != 0), (0, True))")
        if expr.has(sympy.I):
            self.fail("the formula is not a real number (e.g. the square root or log of a negative constant)")
        return expr

    def _check_characters(self) -> None:
        depth = deepest = 0
        for index, char in enumerate(self.source):
            if ord(char) > 127:
                lookalike = _LOOKALIKES.get(char)
                hint = f"use '{lookalike}' instead" if lookalike else "names use ASCII letters, digits and '_'"
                line = self.source.count("\n", 0, index) + 1
                column = index - (self.source.rfind("\n", 0, index) + 1) + 1
                self.fail(f"the character {char!r} is not allowed{self._where(line, column, False)}", hint=hint)
            if char in "([{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in ")]}":
                depth -= 1
                if depth < 0:
                    self.fail(f"'{char}' has no opening bracket", hint=_SYNTAX_HINT)
        # Checked on the raw text because ast.parse itself recurses (and can crash) on deep nesting.
        if deepest > self.limits.max_depth:
            self.fail(f"the formula nests parentheses {deepest} levels deep; at most {self.limits.max_depth}"
                      " are allowed", hint="split it into several KPIs that refer to each other")
        if depth:
            self.fail("a '(' is never closed", hint=_SYNTAX_HINT)

    def _ast(self) -> ast.Expression:
        try:
            with warnings.catch_warnings():  # "1and x" warns before it fails; the error says it all
                warnings.simplefilter("ignore", SyntaxWarning)
                return ast.parse(self.wrapped, mode="eval")
        except SyntaxError as exc:
            where = self._where(exc.lineno or 1, exc.offset or 1)
            self.fail(f"the formula is not valid syntax: {exc.msg}{where}", hint=_SYNTAX_HINT)
        except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
            self.fail(f"the formula cannot be read: {type(exc).__name__}", hint=_SYNTAX_HINT)

    # -- values -------------------------------------------------------------------------------
    def value(self, node: ast.expr, depth: int, piecewise: int, power: int) -> tuple[sympy.Expr, int]:
        """Build a number-valued node; returns the expression and its size after inlining functions."""
        if depth > self.limits.max_depth:
            self.fail(f"the formula nests more than {self.limits.max_depth} levels deep", node,
                      hint="split it into several KPIs that refer to each other")
        if isinstance(node, ast.Constant):
            return self.number(node), 1
        if isinstance(node, ast.Name):
            return self.name(node), 1
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                operand, size = self.value(node.operand, depth + 1, piecewise, power)
                return (-operand if isinstance(node.op, ast.USub) else operand), size + 1
            if isinstance(node.op, ast.Not):
                self.fail("'not' is not allowed", node, hint="invert the comparison, e.g. x <= 1 instead of not x > 1")
            self.fail("'~' is not allowed", node)
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth, piecewise, power)
        if isinstance(node, ast.Call):
            return self.call(node, depth, piecewise, power)
        if isinstance(node, ast.Compare):
            self.fail("comparisons are only allowed inside a Piecewise condition", node, hint=_CONDITION_HINT)
        if isinstance(node, ast.BoolOp):
            self.fail("'and'/'or' are only allowed inside a Piecewise condition", node, hint=_CONDITION_HINT)
        if isinstance(node, ast.Tuple):
            self.fail("tuples are only allowed as Piecewise branches (value, condition)", node, hint=_CONDITION_HINT)
        if isinstance(node, ast.Attribute):
            self.fail(f"attribute access ('.{node.attr}') is not allowed", node)
        if isinstance(node, ast.IfExp):
            self.fail("'a if c else b' is not allowed", node, hint="use Piecewise((a, c), (b, True))")
        what = _NOT_ALLOWED.get(type(node), f"{type(node).__name__} expressions")
        self.fail(f"{what} are not allowed" if what.endswith("s") else f"{what} is not allowed", node)

    def number(self, node: ast.Constant) -> sympy.Rational:
        value, limits = node.value, self.limits
        if isinstance(value, bool):
            self.fail(f"{value} is only allowed as the last Piecewise condition", node, hint=_CONDITION_HINT)
        if isinstance(value, (str, bytes)):
            self.fail("text strings are not allowed", node, hint="a formula computes a number from input names")
        if isinstance(value, int):
            if value.bit_length() > 4 * limits.max_constant_digits or len(str(value)) > limits.max_constant_digits:
                self.fail(f"numbers may have at most {limits.max_constant_digits} digits", node)
            return sympy.Integer(value)
        if not isinstance(value, float):
            self.fail(f"the constant {value!r} is not allowed; only plain numbers are", node)
        source = ast.get_source_segment(self.wrapped, node) or repr(value)
        try:
            decimal = Decimal(source.replace("_", ""))
        except InvalidOperation:
            self.fail(f"the number {excerpt(source)} cannot be read", node)
        digits = len(decimal.as_tuple().digits)
        if not decimal.is_finite() or value != value or abs(value) == float("inf") \
                or abs(decimal.adjusted()) > limits.max_constant_digits:
            self.fail(f"the number {source} is out of range (at most 1e{limits.max_constant_digits})", node)
        if digits > limits.max_constant_digits:
            self.fail(f"numbers may have at most {limits.max_constant_digits} digits; {source} has {digits}", node)
        numerator, denominator = decimal.as_integer_ratio()
        return sympy.Rational(numerator, denominator)

    def name(self, node: ast.Name) -> sympy.Symbol:
        name = node.id
        if name.startswith("_"):
            self.fail(f"names starting with '_' are not allowed ('{name}')", node,
                      hint="input and KPI names start with a letter")
        if not NAME_PATTERN.match(name):
            self.fail(f"'{name}' is not a valid name", node, hint="names use ASCII letters, digits and '_'")
        if name in self.functions:
            self.fail(f"'{name}' is a function; call it with arguments, e.g. {name}(x)", node)
        return sympy.Symbol(name)

    def binop(self, node: ast.BinOp, depth: int, piecewise: int, power: int) -> tuple[sympy.Expr, int]:
        if type(node.op) in _BINOP_ADVICE:
            self.fail(_BINOP_ADVICE[type(node.op)], node)
        if isinstance(node.op, ast.Pow):
            exponent = self.exponent(node.right)
            power *= max(1, abs(exponent))
            if power > self.limits.max_exponent:
                self.fail(f"nested powers multiply to an exponent of {power}; at most {self.limits.max_exponent}"
                          " is allowed", node, hint="expand the powers, e.g. x**4 instead of (x**2)**2")
            base, size = self.value(node.left, depth + 1, piecewise, power)
            return sympy.Pow(base, exponent), size + 1
        group: tuple[type, ...]
        if isinstance(node.op, (ast.Add, ast.Sub)):
            group = (ast.Add, ast.Sub)
        elif isinstance(node.op, (ast.Mult, ast.Div)):
            group = (ast.Mult, ast.Div)
        else:
            self.fail(f"the operator {type(node.op).__name__} is not allowed", node,
                      hint="formulas use + - * / ** and parentheses")
        # A flat chain such as a + b - c counts as one level, so long sums do not hit max_depth.
        chain: list[tuple[ast.operator, ast.expr]] = []
        left: ast.expr = node
        while isinstance(left, ast.BinOp) and isinstance(left.op, group):
            chain.append((left.op, left.right))
            left = left.left
        first, size = self.value(left, depth + 1, piecewise, power)
        terms = [first]
        for op, operand in reversed(chain):
            term, term_size = self.value(operand, depth + 1, piecewise, power)
            size += term_size + 1
            if isinstance(op, ast.Sub):
                term = -term
            elif isinstance(op, ast.Div):
                term = sympy.Pow(term, -1)
            terms.append(term)
        return (sympy.Add(*terms) if group[0] is ast.Add else sympy.Mul(*terms)), size

    def exponent(self, node: ast.expr) -> int:
        limit = self.limits.max_exponent
        hint = f"the exponent must be a whole number between -{limit} and {limit}, e.g. x**2"
        literal, sign = node, 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            literal, sign = node.operand, (-1 if isinstance(node.op, ast.USub) else 1)
        if not (isinstance(literal, ast.Constant) and type(literal.value) in (int, float)):
            self.fail("exponents must be number literals, not expressions", node, hint=hint)
        value = literal.value
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail("exponents must be whole numbers", node, hint=hint + "; use sqrt(x) for x**0.5")
        if value > limit:
            self.fail(f"the exponent {sign * value} is too large (at most {limit})", node, hint=hint)
        return int(sign * value)

    # -- calls --------------------------------------------------------------------------------
    def call(self, node: ast.Call, depth: int, piecewise: int, power: int) -> tuple[sympy.Expr, int]:
        if not isinstance(node.func, ast.Name):
            what = f"'.{node.func.attr}(...)'" if isinstance(node.func, ast.Attribute) else "this expression"
            self.fail(f"calls to {what} are not allowed; only named functions can be called", node,
                      hint=self._allowed())
        name = node.func.id
        function = self.functions.get(name)
        if function is None:
            suggestion = did_you_mean(name, self.functions)
            self.fail(f"calls to '{name}' are not allowed", node,
                      hint=f"{suggestion} {self._allowed()}" if suggestion else self._allowed())
        if node.keywords:
            self.fail(f"keyword arguments are not allowed in calls to '{name}'", node,
                      hint=f"pass arguments by position: {name}(a, b)")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            self.fail(f"* unpacking is not allowed in calls to '{name}'", node)
        count = len(node.args)
        if count < len(function.params) or (count > len(function.params) and not function.variadic):
            self.fail(f"{name}() takes {function.arity_text()}, got {count}", node, hint=function.description or None)
        if function.build is sympy.Piecewise:
            return self.piecewise(node, depth, piecewise, power)
        built = [self.value(arg, depth + 1, piecewise, power) for arg in node.args]
        args = [expr for expr, _ in built]
        if function.build is not None:
            if function.build is sympy.exp and not args[0].free_symbols and not (
                    args[0].is_Rational and abs(args[0]) <= MAX_EXP_CONSTANT):
                self.fail(f"exp() of a constant is allowed only between -{MAX_EXP_CONSTANT} and "
                          f"{MAX_EXP_CONSTANT}", node, hint="use an input name in the argument, or write the number")
            return function.build(*args), 1 + sum(size for _, size in built)
        return self.inline(node, function, built)

    def inline(self, node: ast.Call, function: FormulaFunction, built: list[tuple[sympy.Expr, int]]
               ) -> tuple[sympy.Expr, int]:
        body = function.body
        assert body is not None
        symbols = [sympy.Symbol(param) for param in function.params]
        if body.has(sympy.exp) and any(not expr.free_symbols for expr, _ in built):
            self.fail(f"'{function.name}' uses exp(), so each argument must involve an input name", node)
        nodes = list(sympy.preorder_traversal(body))
        size = len(nodes) + sum(nodes.count(symbol) * arg_size for symbol, (_, arg_size) in zip(symbols, built))
        if size > self.limits.max_nodes:
            self.fail(f"the formula grows to {size} terms when '{function.name}' is expanded; at most "
                      f"{self.limits.max_nodes} are allowed", node, hint="split it into several KPIs")
        return body.xreplace(dict(zip(symbols, (expr for expr, _ in built)))), size

    def piecewise(self, node: ast.Call, depth: int, piecewise: int, power: int) -> tuple[sympy.Expr, int]:
        if piecewise >= self.limits.max_piecewise_nesting:
            self.fail(f"Piecewise may be nested at most {self.limits.max_piecewise_nesting} deep", node,
                      hint="split it into several KPIs that refer to each other")
        branches: list[tuple[sympy.Expr, sympy.Basic]] = []
        size = 1
        for index, branch in enumerate(node.args):
            if not (isinstance(branch, ast.Tuple) and len(branch.elts) == 2):
                self.fail("each Piecewise branch must be a pair (value, condition)", branch, hint=_CONDITION_HINT)
            value_node, condition_node = branch.elts
            value, value_size = self.value(value_node, depth + 2, piecewise + 1, power)
            last = index == len(node.args) - 1
            is_true = isinstance(condition_node, ast.Constant) and condition_node.value is True
            if last and not is_true:
                self.fail("the last Piecewise branch must be (value, True), so every case has a value",
                          condition_node, hint=_CONDITION_HINT)
            if is_true and not last:
                self.fail("True is only allowed as the last Piecewise condition", condition_node, hint=_CONDITION_HINT)
            condition, condition_size = (sympy.true, 1) if is_true else self.condition(
                condition_node, depth + 2, piecewise + 1, power)
            branches.append((value, condition))
            size += value_size + condition_size
        return sympy.Piecewise(*branches), size

    def condition(self, node: ast.expr, depth: int, piecewise: int, power: int) -> tuple[sympy.Basic, int]:
        if depth > self.limits.max_depth:
            self.fail(f"the formula nests more than {self.limits.max_depth} levels deep", node)
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(value, depth + 1, piecewise, power) for value in node.values]
            combine = sympy.And if isinstance(node.op, ast.And) else sympy.Or
            return combine(*(part for part, _ in parts)), 1 + sum(size for _, size in parts)
        if isinstance(node, ast.Compare):
            left, size = self.value(node.left, depth + 1, piecewise, power)
            relations = []
            for op, right_node in zip(node.ops, node.comparators):
                relation = _COMPARE.get(type(op))
                if relation is None:
                    self.fail("only < <= > >= == != comparisons are allowed", node, hint=_CONDITION_HINT)
                right, right_size = self.value(right_node, depth + 1, piecewise, power)
                relations.append(relation(left, right))
                size += right_size + 1
                left = right
            return sympy.And(*relations), size
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.fail("'not' is not allowed", node, hint="invert the comparison, e.g. x <= 1 instead of not x > 1")
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            self.fail(f"{node.value} is only allowed as the last Piecewise condition", node, hint=_CONDITION_HINT)
        self.fail("a Piecewise condition must be a comparison such as x > 0 (combined with and/or)", node,
                  hint=_CONDITION_HINT)

    def _allowed(self) -> str:
        return "allowed functions: " + ", ".join(sorted(self.functions))
