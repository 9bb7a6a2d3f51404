"""Every pattern in docs/plan-patterns.md loads, audits without errors and pays what its text says.

The convention (documented at the top of that page): a `## ` section holds one ```yaml block that is a
complete pmrules.yaml (it starts with `version:`) and ```csv <file> blocks: employees.csv and
actuals.csv, optionally expected.csv (`employee_id,bonus`, computed by hand) and a line
`Total: **USD x**` after the files (the total paid). Sections added later by anyone are picked up here
without changes.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from pmrules.api import open_workspace
from pmrules.audit import resolve_rulesets, run_audit
from pmrules.payout import Period, compute_payouts
from pmrules.plugins import get_plugin_manager

DOC = Path(__file__).resolve().parents[1] / "docs" / "plan-patterns.md"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.M | re.S)
TOTAL = re.compile(r"^Total: \*\*([A-Z]{3}) ([\d,]+(?:\.\d+)?)\*\*", re.M)


def patterns() -> dict[str, dict[str, str]]:
    """section title -> {file name: text} for every section with a complete pmrules.yaml."""
    found: dict[str, dict[str, str]] = {}
    for section in re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.M)[1:]:
        title = section.splitlines()[0].strip()
        files: dict[str, str] = {}
        for info, body in FENCE.findall(section):
            words = info.split()
            if words[:1] == ["yaml"] and re.match(r"version:", body):
                assert "pmrules.yaml" not in files, f"{title}: two complete pmrules.yaml blocks"
                files["pmrules.yaml"] = body
            elif words[:1] == ["csv"] and len(words) == 2:
                files[words[1]] = body
        totals = TOTAL.findall(FENCE.sub("", section))
        assert len(totals) <= 1, f"{title}: more than one Total line"
        if totals:
            files["total"] = totals[0][1].replace(",", "")
            files["currency"] = totals[0][0]
        if "pmrules.yaml" in files:
            found[title] = files
    return found


PATTERNS = patterns()


def test_the_cookbook_has_the_patterns_it_promises() -> None:
    assert {"Team factor x individual modifier", "Whole-percent rounding, awards to $100",
            "Target amounts", "Level blend in a formula: (0.75 x division + 0.25 x company) x individual",
            "Company / segment / unit blend", "Per-measure curves and cliffs", "A bonus-only plan"} <= set(PATTERNS)
    for title, files in PATTERNS.items():
        assert {"employees.csv", "actuals.csv"} <= set(files), title
        assert "expected.csv" in files or "total" in files, f"{title}: states neither bonuses nor a total"


@pytest.mark.parametrize("title", sorted(PATTERNS))
def test_pattern_loads_audits_and_pays(title: str, tmp_path: Path) -> None:
    files = PATTERNS[title]
    for name, text in files.items():
        if name.endswith((".yaml", ".csv")):
            (tmp_path / name).write_text(text, encoding="utf-8")
    opened = open_workspace(tmp_path, get_plugin_manager(entry_points=False))
    ws = opened.workspace
    audit = run_audit(ws, opened.catalog, resolve_rulesets(ws, opened.catalog))
    assert not audit.errors, [f.message for f in audit.errors]
    assert not [f for f in audit.findings if f.rule == "compensation.weights-unused"], title
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)
    assert not run.unpaid, [(p.employee.employee_id, p.reasons) for p in run.unpaid]
    if "expected.csv" in PATTERNS[title]:
        expected = {row["employee_id"]: Decimal(row["bonus"])
                    for row in csv.DictReader(io.StringIO(PATTERNS[title]["expected.csv"]))}
        assert {p.employee.employee_id: p.bonus for p in run.employees} == expected
    if "total" in files:
        assert files["currency"] == ws.manifest.currency, title
        assert run.total == Decimal(files["total"]), title
