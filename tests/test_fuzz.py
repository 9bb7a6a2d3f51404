"""Fuzzing the parsers: whatever the text, the only exception that escapes is PmrulesError.

Formula token soup (the grammar plus hostile tokens), random YAML documents (also as
pmrules.yaml, and mutations of a valid manifest) and random CSV cells go through parse_formula,
load_yaml, load_workspace/open_workspace and the table readers. While they run, eval/exec and
sympy's string parsers raise, so a formula that reached Python evaluation would fail the test.

Bounded for CI by PMRULES_FUZZ_EXAMPLES (default 40 per property); the long run is
`PMRULES_FUZZ_EXAMPLES=20000 ./bin/test tests/test_fuzz.py` (see SECURITY.md).
"""

from __future__ import annotations

import builtins
import contextlib
import os
import shutil
import string
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sympy
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sympy.parsing import sympy_parser

from pmrules.api import open_workspace
from pmrules.errors import PmrulesError
from pmrules.formula import parse_formula
from pmrules.io.tables import read_table
from pmrules.io.yamlfile import load_yaml
from pmrules.plugins import get_plugin_manager
from pmrules.workspace import load_workspace

BASE = Path(__file__).parent / "bad_inputs" / "_base"
EXAMPLES = int(os.environ.get("PMRULES_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])


class Evaluated(AssertionError):
    """Raised if fuzzed text reaches eval/exec or sympy's string parsers."""


def _refuse(name: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise Evaluated(f"{name} was called with {args[:1]!r}")

    return refuse


def _refuse_text(name: str, original: Any) -> Any:
    def guarded(value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            raise Evaluated(f"{name} was called on the text {value!r}")
        return original(value, *args, **kwargs)

    return guarded


@contextlib.contextmanager
def no_evaluation() -> Iterator[None]:
    """eval/exec/sympify of text and sympy's text parsers raise for the duration."""
    with pytest.MonkeyPatch.context() as patch:
        # imports exec compiled module code; text is what a formula would arrive as
        patch.setattr(builtins, "eval", _refuse_text("eval", builtins.eval))
        patch.setattr(builtins, "exec", _refuse_text("exec", builtins.exec))
        patch.setattr(sympy_parser, "parse_expr", _refuse("parse_expr"))
        patch.setattr(sympy_parser, "eval_expr", _refuse("eval_expr"))
        patch.setattr(sympy, "parse_expr", _refuse("parse_expr"), raising=False)
        patch.setattr(sympy, "sympify", _refuse_text("sympify", sympy.sympify))
        module = sys.modules["sympy.core.sympify"]  # the attribute sympy.core.sympify is the function
        patch.setattr(module, "sympify", _refuse_text("sympify", module.sympify))
        yield


def only_pmrules_errors(call: Any, *args: Any, **kwargs: Any) -> Any:
    with no_evaluation():
        try:
            return call(*args, **kwargs)
        except PmrulesError as exc:
            assert exc.lines() and all(isinstance(line, str) and line for line in exc.lines())
            return exc


# -- formulas -------------------------------------------------------------------------------------
GRAMMAR = ["revenue", "costs", "units_out", "x", "1", "0", "2.5", "1e3", "0.0001", "+", "-", "*", "/", "**",
           "(", ")", ",", "<", "<=", ">", ">=", "==", "!=", "and", "or", "True", "Min", "Max", "Abs", "Piecewise",
           "log", "exp", "sqrt", "floor", "ceiling", " ", "\n"]
HOSTILE = ["__import__", "'os'", ".system", "__class__", ".__base__", "__subclasses__", "()", "[0]", "lambda:",
           "eval", "exec", "open", "'x'", "f'{1}'", "9**9**9", "**99999", "1" * 40, "1e999", "nan", "inf", "#",
           "\\", ":=", "if", "else", "not", "~", "//", "%", "@", "...", "{", "}", "[", "]", ";", "\u2212", "\x00",
           "yield", "await", "b''", "0x1F", "1_000", "1j", "pi", "E", "I", "oo", "zoo", "(" * 40, ")" * 40]
formulas = st.one_of(
    st.lists(st.sampled_from(GRAMMAR + HOSTILE), max_size=40).map("".join),
    st.lists(st.sampled_from(GRAMMAR), max_size=60).map(" ".join),
    st.text(max_size=200),
    st.text(alphabet=string.printable, max_size=300),
)


@FUZZ
@given(formulas)
@example("__import__('os').system('touch PWNED')")
@example("().__class__.__base__.__subclasses__()")
@example("9**9**9**9")
@example("exp(exp(exp(20)))")
@example("Piecewise((1, exp(exp(exp(20))) < 1), (0, True))")
@example("(" * 1000 + "x" + ")" * 1000)
@example("-" * 5000 + "x")
@example("x" + "**2" * 50)
@example("factorial(10**8)")
@example("1/0")
@example("sqrt(-1)")
@example("log(0)")
@example("x < 1")
@example("Min()")
@example("Piecewise()")
@example("Piecewise((1, True), (2, True))")
@example("floor(1e30) ** 16")
@example("Max(" * 29 + "x" + ")" * 29)
@example("x\n# comment")
def test_fuzz_formula_parser_raises_only_pmrules_errors(text: str) -> None:
    result = only_pmrules_errors(parse_formula, text)
    if not isinstance(result, PmrulesError):
        assert isinstance(result, sympy.Expr)
        assert {str(s) for s in result.free_symbols} <= set(text.replace("(", " ").replace(")", " ").split()) | {
            s for s in (str(x) for x in result.free_symbols) if s in text}


# -- YAML -----------------------------------------------------------------------------------------
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
                    st.dates(), st.sampled_from(["1,200", "10%", "0x10", "1e999", "~", "no", "2026-02-30"]))
keys = st.one_of(st.sampled_from(["version", "workspace", "centers", "kpis", "id", "formula", "parent", "owner",
                                  "weight", "plans", "data", "employees", "<<"]), st.text(max_size=12))
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                          st.dictionaries(keys, inner, max_size=5)), max_leaves=40)
YAML_BITS = ["- ", ": ", "{", "}", "[", "]", "&a ", "*a", "!!python/object:os.system", "!tag ", "'", '"', "#",
             "\n", "  ", "\t", "---\n", "...\n", "? ", "|\n  ", ">\n  ", "%YAML 1.1\n", "<<: *a", "\ufeff", "\x00"]
yaml_texts = st.one_of(
    documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.lists(st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=8)), max_size=50).map("".join),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


@contextlib.contextmanager
def workspace_copy() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        ws = Path(folder) / "ws"
        shutil.copytree(BASE, ws)
        yield ws


@FUZZ
@given(yaml_texts)
@example("a: &a [1]\nb: *a\n")
@example("[" * 5000 + "]" * 5000)
@example("!!python/object/apply:os.system ['touch PWNED']")
@example("a: !!binary aGVsbG8=\n")
@example("? [1, 2]\n: x\n")
@example("a: 1\na: 2\n")
@example("a: 1\n---\nb: 2\n")
@example("x: 9" + "9" * 100 + "\n")
def test_fuzz_yaml_loader_raises_only_pmrules_errors(text: str) -> None:
    with workspace_copy() as ws:
        path = ws / "doc.yaml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        only_pmrules_errors(load_yaml, path)
        (ws / "pmrules.yaml").write_bytes(path.read_bytes())
        only_pmrules_errors(load_workspace, ws)


MANIFEST = yaml.safe_load((BASE / "pmrules.yaml").read_text())


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = [p for p in _paths(MANIFEST) if p]


def _mutate(paths_and_values: list[tuple[tuple[Any, ...], Any]]) -> dict[str, Any]:
    document = yaml.safe_load((BASE / "pmrules.yaml").read_text())
    for path, value in paths_and_values:
        node = document
        for part in path[:-1]:
            if not isinstance(node, dict | list):
                break
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            if isinstance(node, dict) or (isinstance(node, list) and isinstance(path[-1], int)
                                          and path[-1] < len(node)):
                node[path[-1]] = value
    return document


mutations = st.lists(st.tuples(st.sampled_from(PATHS), st.one_of(documents, formulas)), min_size=1, max_size=4)


@FUZZ
@given(mutations)
@example([(("kpis", 0, "formula"), "__import__('os').system('touch PWNED')")])
@example([(("centers", 1, "parent"), "ops")])
@example([(("scorecards", 0, "owner"), None)])
@example([(("plans", 0, "individual_ratings"), {"x": 1})])
@example([(("rounding", "quantum"), "0")])
@example([(("period_end",), "2026-02-30")])
@example([(("data", "employees"), "/etc/passwd")])
@example([(("kpis", 0, "formula"), "margin"), (("kpis", 2, "formula"), "throughput")])
@example([(("rulesets",), ["../x.yaml"])])
def test_fuzz_mutated_manifest_opens_or_raises_pmrules_errors(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    with workspace_copy() as ws:
        (ws / "pmrules.yaml").write_text(yaml.safe_dump(_mutate(changes), allow_unicode=True))
        only_pmrules_errors(open_workspace, ws, get_plugin_manager(entry_points=False))


# -- CSV ------------------------------------------------------------------------------------------
cells = st.one_of(st.text(max_size=12), st.sampled_from(["", '"', '""', ",", "\n", "\r\n", "1,200", "12O", "10%",
                                                         "1e999", "NaN", "-0", "2026-02-30", "E1", "ops", "corp",
                                                         "staff", "\ufeff", " ", "=1+1", "0.15", "100000"]))
EMPLOYEE_HEADER = ["employee_id", "name", "center", "plan", "base_salary", "target_bonus_pct", "start_date",
                   "end_date", "individual_rating"]
headers = st.one_of(st.just(EMPLOYEE_HEADER), st.lists(st.one_of(st.sampled_from(EMPLOYEE_HEADER), cells),
                                                       max_size=10))
rows = st.lists(st.lists(cells, max_size=11), max_size=8)


def _csv(header: list[str], body: list[list[str]], quote: bool) -> str:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if quote else text
    return "\n".join(",".join(cell(c) for c in row) for row in [header, *body]) + "\n"


@FUZZ
@given(headers, rows, st.booleans(), st.sampled_from(["employees.csv", "actuals.csv"]))
@example(EMPLOYEE_HEADER, [["E1", "A", "corp", "staff", "1", "0.1", "", "", "3"]] * 2, False, "employees.csv")
@example(["entity", "input", "value"], [["corp", "units_out", "1e999"]], False, "actuals.csv")
@example(["entity", "input", "value"], [["corp", "", "1"]], True, "actuals.csv")
@example(["entity", "units_out", "units_out"], [["corp", "1", "2"]], False, "actuals.csv")
@example(EMPLOYEE_HEADER, [["E1", "A", "corp", "staff", "1", "0.1", "2026-01-01", "", "99999999999"]], False,
         "employees.csv")
def test_fuzz_csv_tables_raise_only_pmrules_errors(header: list[str], body: list[list[str]], quote: bool,
                                                   name: str) -> None:
    with workspace_copy() as ws:
        (ws / name).write_text(_csv(header, body, quote), encoding="utf-8", errors="surrogatepass")
        only_pmrules_errors(read_table, ws / name)
        only_pmrules_errors(open_workspace, ws, get_plugin_manager(entry_points=False))
