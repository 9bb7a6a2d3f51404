"""Mutation testing of the money path: does some test fail when the code that decides money is wrong?

Not part of the test suite and needs no extra tool. For each function listed in TARGETS it makes
one mutant per site (an arithmetic or comparison operator swapped, a constant nudged, a boolean
flipped, `and`/`or` swapped, a `min`/`max` swapped), writes it into a scratch copy of `src/`, and
runs the money tests against it (PYTHONPATH puts the copy first). A mutant is *killed* when a test
fails or the run times out, *survives* when all pass. Budget: about 15-20 minutes on two cores.

    .venv/bin/python tools/mutate.py                 # every target, 2 workers
    .venv/bin/python tools/mutate.py --only exact.py --list   # the mutants, without running them
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# file (under src/pmrules) -> functions (Class.method or function) that decide money
TARGETS: dict[str, list[str]] = {
    "payout/exact.py": ["exact"],
    "payout/rounding.py": ["units_to_decimal", "exact_units", "round_to_quantum", "round_units", "allocate_pool"],
    "payout/period.py": ["Period.days", "Period.clip", "Period.days_employed"],
    "payout/compute.py": ["Group.combined", "Group.capped", "Group.multiplier", "Group.multiplier_float",
                          "PayoutRun.bonus_at", "PayoutRun.exact_bonus_at", "PayoutRun.total"],
    "payout/units.py": ["bonus_units", "_units_by_plan"],
    "payout/steps.py": ["exact_bonus", "target_amount"],
    "payout/curve.py": ["line_factor"],
    "payout/scores.py": ["score_card", "check_gate"],
    "payout/limits.py": ["check_bonus_range"],
    "formula/compile.py": ["_sqrt", "_pow_half", "_floor", "_ceil", "_Emitter.emit"],
    "catalog/controllability.py": ["financial", "scorable_by", "uncontrolled"],
}
TESTS = ["tests/test_payout_boundaries.py", "tests/test_payout_rounding.py", "tests/test_payout_period.py", "tests/test_payout_golden.py", "tests/test_payout_properties.py",
         "tests/test_worked_example.py", "tests/test_formula_compile.py", "tests/test_catalog.py",
         "tests/test_audit_rules.py"]
SWAPS: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.And: ast.Or, ast.Or: ast.And, ast.In: ast.NotIn, ast.NotIn: ast.In,
}


@dataclass
class Mutant:
    file: str
    function: str
    line: int
    what: str
    source: str


def _functions(tree: ast.Module) -> dict[str, ast.AST]:
    found: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    found[f"{node.name}.{item.name}"] = item
    return found


def _sites(function: ast.AST) -> list[tuple[ast.AST, str]]:
    sites: list[tuple[ast.AST, str]] = []
    for node in ast.walk(function):
        if node is function or isinstance(node, (ast.arguments, ast.arg)):
            continue
        if isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in SWAPS:
            sites.append((node, f"{type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}"))
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in SWAPS:
            sites.append((node, f"{type(node.ops[0]).__name__} -> {SWAPS[type(node.ops[0])].__name__}"))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not isinstance(node.value, bool):
            sites.append((node, f"{node.value!r} -> {node.value!r} + 1"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            sites.append((node, f"{node.value} -> {not node.value}"))
        elif isinstance(node, ast.Name) and node.id in ("min", "max") and isinstance(node.ctx, ast.Load):
            sites.append((node, f"{node.id} -> {'max' if node.id == 'min' else 'min'}"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            sites.append((node, f"drop {type(node.op).__name__}"))
    return sites


def _apply(node: ast.AST) -> ast.AST | None:
    """Mutate `node` in place (or return its replacement)."""
    if isinstance(node, (ast.BinOp, ast.BoolOp)):
        node.op = SWAPS[type(node.op)]()
    elif isinstance(node, ast.Compare):
        node.ops[0] = SWAPS[type(node.ops[0])]()
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        node.value = not node.value
    elif isinstance(node, ast.Constant):
        node.value = node.value + 1
    elif isinstance(node, ast.Name):
        node.id = "max" if node.id == "min" else "min"
    elif isinstance(node, ast.UnaryOp):
        return node.operand
    return None


def mutants(only: str | None = None) -> list[Mutant]:
    out: list[Mutant] = []
    for file, names in TARGETS.items():
        if only and only not in file:
            continue
        text = (ROOT / "src/pmrules" / file).read_text()
        tree = ast.parse(text)
        functions = _functions(tree)
        for name in names:
            count = len(_sites(functions[name]))
            for k in range(count):
                copy_tree = copy.deepcopy(tree)
                node, what = _sites(_functions(copy_tree)[name])[k]
                line = getattr(node, "lineno", 0)
                replacement = _apply(node)
                if replacement is not None:
                    for parent in ast.walk(_functions(copy_tree)[name]):
                        for field, value in ast.iter_fields(parent):
                            if value is node:
                                setattr(parent, field, replacement)
                            elif isinstance(value, list):
                                value[:] = [replacement if v is node else v for v in value]
                out.append(Mutant(file, name, line, what, ast.unparse(copy_tree)))
    return out


def run(mutant: Mutant, scratch: Path, timeout: float) -> str:
    target = scratch / "src/pmrules" / mutant.file
    original = (ROOT / "src/pmrules" / mutant.file).read_text()
    target.write_text(mutant.source)
    try:
        env = {**os.environ, "PYTHONPATH": str(scratch / "src"), "PMRULES_FUZZ_EXAMPLES": "40",
               "PYTHONDONTWRITEBYTECODE": "1"}
        result = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
                                cwd=ROOT, env=env, capture_output=True, timeout=timeout)
        return "survived" if result.returncode == 0 else "killed"
    except subprocess.TimeoutExpired:
        return "killed (timeout)"
    finally:
        target.write_text(original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="mutate only files whose path contains this")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    todo = mutants(args.only)
    if args.list:
        for m in todo:
            print(f"{m.file}:{m.line} {m.function}: {m.what}")
        print(f"{len(todo)} mutants")
        return
    scratches = []
    for _ in range(args.workers):
        scratch = Path(tempfile.mkdtemp(prefix="pmrules-mutate-"))
        shutil.copytree(ROOT / "src", scratch / "src")
        scratches.append(scratch)
    free = list(scratches)
    started = time.monotonic()

    def one(m: Mutant) -> tuple[Mutant, str]:
        scratch = free.pop()
        try:
            return m, run(m, scratch, args.timeout)
        finally:
            free.append(scratch)

    survivors = []
    with ThreadPoolExecutor(args.workers) as pool:
        for i, (m, outcome) in enumerate(pool.map(one, todo), start=1):
            print(f"[{i}/{len(todo)} {time.monotonic() - started:6.0f}s] {outcome:16} {m.file}:{m.line} {m.function}: "
                  f"{m.what}", flush=True)
            if outcome == "survived":
                survivors.append(m)
    for scratch in scratches:
        shutil.rmtree(scratch)
    print(f"\n{len(todo) - len(survivors)} killed, {len(survivors)} survived, {time.monotonic() - started:.0f} s")
    for m in survivors:
        print(f"SURVIVED {m.file}:{m.line} {m.function}: {m.what}")


if __name__ == "__main__":
    main()
