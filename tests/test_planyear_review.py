"""`pmrules review`: each scorecard line for the period and year to date, RAG and trend (plan-year workspace)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pmrules.cli import cli
from pmrules.planyear.review import rag, sparkline
from pmrules.rational import Fraction

PLAN_YEAR = Path(__file__).resolve().parent / "workspaces" / "plan-year"


def test_review_of_q4_by_hand() -> None:
    result = CliRunner().invoke(cli, ["review", str(PLAN_YEAR), "--period", "Q4", "--format", "json"],
                                env={"PMRULES_LOAD_PLUGINS": ""})
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)["scorecards"][0]["lines"][0]
    # YTD 140/500 = 0.28: between threshold 0.2 and target 0.3, so amber; Q4 0.22 after Q3 0.50 is worse.
    assert (line["period"], line["ytd"], line["rag"], line["trend"]) == ("0.22", "0.28", "amber", "worse")
    assert line["periods"] == {"Q1": "0.36", "Q2": "0.1", "Q3": "0.5", "Q4": "0.22"}
    assert line["sparkline"] == "▅▁█▃"  # (v - 0.1) / 0.4 x 7, rounded down: 4, 0, 7, 2
    table = CliRunner().invoke(cli, ["review", str(PLAN_YEAR), "--period", "Q3"], env={"PMRULES_LOAD_PLUGINS": ""})
    assert table.exit_code == 0 and "green" in table.output and "better" in table.output


def test_rag_is_mirrored_for_lower_is_better() -> None:
    assert rag(Fraction(25), Fraction(50), Fraction(30), "lower") == "green"
    assert rag(Fraction(40), Fraction(50), Fraction(30), "lower") == "amber"
    assert rag(Fraction(51), Fraction(50), Fraction(30), "lower") == "red"
    assert rag(None, Fraction(50), Fraction(30), "lower") == "n/a"
    assert sparkline([None, Fraction(1), Fraction(1)]) == " ▁▁"
