"""Meta-tests in datasette's manner: every hook is documented with its exact signature, and tested."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from pmrules import hookspecs

REPO = Path(__file__).resolve().parents[1]
HOOKS = sorted(name for name, fn in vars(hookspecs).items() if hasattr(fn, "pmrules_spec"))


def signature(name: str) -> str:
    params = inspect.signature(getattr(hookspecs, name)).parameters
    return f"{name}({', '.join(params)})"


def test_there_are_hooks():
    assert {"register_kpis", "register_inputs", "register_rulesets", "register_functions",
            "register_commands", "register_output_formats"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_one_line_docstring(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert doc and "\n" not in doc


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_with_its_exact_signature(hook):
    guide = (REPO / "docs" / "plugins.md").read_text()
    assert f"### `{signature(hook)}`\n" in guide


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_used_by_some_test(hook):
    here = Path(__file__).resolve()
    tests = [p for p in (REPO / "tests").rglob("test_*.py") if p.resolve() != here]
    assert any(hook in p.read_text() for p in tests), f"no test under tests/ mentions {hook}"
