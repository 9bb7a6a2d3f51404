"""The audit at scale: alike scorecard lines share one engine fact, yet every line keeps its own finding."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from pmrules.api import open_workspace
from pmrules.audit import run_audit
from pmrules.testing import minimal_manifest, write_workspace

CENTRES = 240
COST_KPI = "revenue_growth"  # reads revenue: a finding on every cost centre that is scored on it


def _workspace(directory: Path, rulesets: list[str] | None = None) -> Path:
    centres: list[dict[str, Any]] = [{"id": "corp", "name": "Corp", "type": "investment"}]
    cards: list[dict[str, Any]] = [{"owner": "corp", "kpis": [
        {"kpi": "retention_rate", "weight": 1.0, "threshold": 0.8, "target": 0.9, "maximum": 1.0,
         "supports": "strategy:retain"}]}]
    for i in range(CENTRES):
        kind = "cost" if i % 3 else "profit"  # two in three are cost centres
        centres.append({"id": f"c{i:03d}", "name": f"Unit {i}", "type": kind, "parent": "corp"})
        cards.append({"owner": f"c{i:03d}", "kpis": [
            {"kpi": COST_KPI, "weight": 0.5, "threshold": 0.01, "target": 0.05, "maximum": 0.09,
             "supports": "retention_rate"},
            {"kpi": "retention_rate", "weight": 0.5, "threshold": 0.8, "target": 0.9, "maximum": 1.0,
             "supports": "retention_rate"}]})
    manifest = minimal_manifest(
        rulesets=rulesets if rulesets is not None else ["controllability", "alignment", "compensation"],
        centers=centres, scorecards=cards,
        plans=[{"id": "staff", "components": {"corporate": 0.5, "unit": 0.5},
                "curve": {"threshold": 0.5, "target": 1.0, "maximum": 2.0}}])
    staff = [{"employee_id": f"E{i}", "name": f"Person {i}", "center": f"c{i % CENTRES:03d}", "plan": "staff",
              "base_salary": "50000.00", "target_bonus_pct": "0.10"} for i in range(600)]
    return write_workspace(directory, manifest, employees=staff)


def test_every_alike_line_keeps_its_own_finding(tmp_path: Path, pm: Any) -> None:
    ws = _workspace(tmp_path / "ws")
    opened = open_workspace(ws, pm=pm)
    result = run_audit(opened.workspace, opened.catalog)
    found = [f for f in result.findings if f.rule == "controllability.cost-centre-revenue-kpi"]
    cost_centres = [f"c{i:03d}" for i in range(CENTRES) if i % 3]
    # one finding per cost centre: none lost to a shared engine fact, none invented
    assert [f.subject for f in found] == [f"{c} / {COST_KPI}" for c in cost_centres]
    assert len({f.location for f in found}) == len(cost_centres)
    text = (ws / "pmrules.yaml").read_text().splitlines()
    for finding in found:  # each points at its own line of pmrules.yaml, and its message names its own owner
        owner = finding.subject.split(" / ")[0]
        line = int(finding.location.rsplit(":", 1)[1])
        assert COST_KPI in text[line - 1]
        assert finding.message.startswith(f"{owner} (cost centre)")
    assert result.findings == run_audit(opened.workspace, opened.catalog).findings


def test_only_the_facts_the_rules_read_are_built(tmp_path: Path, pm: Any) -> None:
    ws = _workspace(tmp_path / "ws", rulesets=["rulesets/centres.yaml"])
    (ws / "rulesets").mkdir()
    (ws / "rulesets" / "centres.yaml").write_text(textwrap.dedent("""\
        ruleset: centres
        rules:
          - id: centres.leaf
            title: A centre without children
            severity: info
            fact: center
            when:
              children: {eq: 0}
            message: "{id} has no child centres"
        """))
    opened = open_workspace(ws, pm=pm)
    result = run_audit(opened.workspace, opened.catalog)
    assert result.built == CENTRES + 1  # centres only: no line, scorecard or employee facts
    # the summary still counts every fact the workspace has: strategy, objective, centres, scorecards,
    # lines, the plan and the employee groups (one per centre: same plan, no rating)
    assert result.facts == 1 + 1 + (CENTRES + 1) + (CENTRES + 1) + (2 * CENTRES + 1) + 1 + CENTRES
    assert len(result.findings) == CENTRES
