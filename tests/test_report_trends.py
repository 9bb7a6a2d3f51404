"""A plan year's report draws each scorecard line's trend: a sparkline of the periods' own values and the
year-to-date values (inline SVG with its values as title text); a single-period workspace's report has none.

The values are the golden plan year's, worked by hand in tests/workspaces/plan-year/EXPECTED.md
(period conversion 0.36, 0.10, 0.50, 0.22; year to date 36/100, 46/200, 96/300, 140/500).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pmrules.api import open_workspace
from pmrules.report import render_report
from pmrules.report.svg import sparkline
from tests.test_report_browser import CHROMIUM, FLAGS, _require_browser

REPO = Path(__file__).resolve().parents[1]
PLAN_YEAR = REPO / "tests" / "workspaces" / "plan-year"
TITLE = ("conversion of corp by period: Q1 0.36, Q2 0.1, Q3 0.5, Q4 0.22; "
         "year to date: Q1 0.36, Q2 0.23, Q3 0.32, Q4 0.28")


def page(directory: Path) -> str:
    opened = open_workspace(directory)
    return render_report(opened.workspace, opened.catalog)


def test_a_plan_year_line_has_its_sparkline_with_the_values_as_title() -> None:
    html = page(PLAN_YEAR)
    sparks = re.findall(r'<svg class="spark".*?</svg>', html)
    assert len(sparks) == 1  # one scorecard line
    spark = sparks[0]
    assert f'aria-label="{TITLE}"' in spark and f"<title>{TITLE}</title>" in spark and 'role="img"' in spark
    assert spark.count("<circle") == 4 and spark.count("<polyline") == 1  # 4 periods, one YTD line
    assert "<script" not in spark and "http" not in spark.replace("http://www.w3.org/2000/svg", "")
    assert "<i>0.28</i>" in html  # the line's value is the year's, the last YTD point


def test_a_single_period_workspace_has_no_sparkline() -> None:
    assert 'class="spark"' not in page(REPO / "examples" / "northwind-bank")


def test_a_period_without_a_value_leaves_a_gap() -> None:
    svg = sparkline([(1.0, 1.0), (None, None), (3.0, 2.0), (2.0, 2.5)], "x")
    assert svg.count("<circle") == 1 + 3  # a lone YTD point, then the three own values
    assert re.findall(r'points="([^"]*)"', svg) == ["32.0,11.0 46.0,7.5"]  # Q3-Q4: YTD 2, 2.5 on 1..3
    flat = sparkline([(1.0, 1.0), (1.0, 1.0)], "flat")
    assert 'cy="11.0"' in flat  # all equal: drawn across the middle


def test_the_sparkline_renders_in_a_browser(tmp_path: Path) -> None:
    _require_browser()
    report = tmp_path / "plan-year.html"
    report.write_text(page(PLAN_YEAR), encoding="utf-8")
    done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           report.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.count('class="spark"') == 1 and TITLE in done.stdout
