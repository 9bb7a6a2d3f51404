"""The HTML report: content, escaping of untrusted workspace text, determinism, controllability marks, CLI."""

from __future__ import annotations

import re
import shutil
from fractions import Fraction
from pathlib import Path

from click.testing import CliRunner

from pmrules.api import open_workspace
from pmrules.catalog import Catalog
from pmrules.cli import cli
from pmrules.report import attainment, build_report_data, render_report
from pmrules.workspace import Workspace

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"


def _open(directory: Path) -> tuple[Workspace, Catalog]:
    opened = open_workspace(directory)
    return opened.workspace, opened.catalog


def _copy(tmp_path: Path, replacements: list[tuple[str, str]] = (), append: str = "") -> Path:  # type: ignore[assignment]
    target = tmp_path / "ws"
    shutil.copytree(EXAMPLE, target)
    manifest = target / "pmrules.yaml"
    text = manifest.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    manifest.write_text(text + append)
    return target


def test_attainment_colours_and_mirror() -> None:
    t, g = Fraction("0.85"), Fraction("0.90")
    assert attainment(Fraction("0.80"), t, g, "higher") == "red"
    assert attainment(Fraction("0.85"), t, g, "higher") == "amber"
    assert attainment(Fraction("0.90"), t, g, "higher") == "green"
    # lower is better: threshold 0.03 > target 0
    assert attainment(Fraction("0.04"), Fraction("0.03"), Fraction(0), "lower") == "red"
    assert attainment(Fraction("0.01"), Fraction("0.03"), Fraction(0), "lower") == "amber"
    assert attainment(Fraction("-0.01"), Fraction("0.03"), Fraction(0), "lower") == "green"
    assert attainment(None, t, g, "higher") == "none"


def test_report_shows_every_part_and_is_self_contained() -> None:
    html = render_report(*_open(EXAMPLE))
    for part in ('id="strategy"', 'id="cascade"', 'id="matrix"', 'id="findings"', 'id="payouts"', 'id="q"',
                 "Retain 90% of existing clients", "@media print", "<svg", "<details class=n"):
        assert part in html, part
    # no network: nothing is fetched from anywhere
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@import" not in html and "url(" not in html
    # the cascade: every centre, harbor's lines link to north's, it's cost_variance is amber (0.0213 in (0, 0.03))
    for center in ("corp", "north", "harbor", "mill", "south", "bay", "sales", "hr", "it"):
        assert f'id="c-{center}"' in html
    assert 'href="#l-north-1">operating_margin</a>' in html
    assert 'href="#obj-retain-clients"' in html
    assert re.search(r'<li id="l-it-1" class=a><b>cost_variance</b>', html)
    assert re.search(r'<li id="l-corp-1" class=g><b>roi</b>', html)
    # histograms per plan and per centre, and one payout curve per plan
    assert html.count('aria-label="bonuses of plan') == 3
    assert html.count('aria-label="payout curve of') == 3
    assert html.count('aria-label="bonuses in centre') == 9


def test_report_is_deterministic() -> None:
    assert render_report(*_open(EXAMPLE)) == render_report(*_open(EXAMPLE))


def test_untrusted_text_is_escaped(tmp_path: Path) -> None:
    evil = "<script>alert('x')</script> & \"Co\""
    ws = _copy(tmp_path, [("name: Mill Road Branch,", f"name: '{evil.replace(chr(39), chr(39) * 2)}',"),
                          ('statement: "Retain 90% of existing clients"', 'statement: "<img src=x onerror=alert(1)>"')])
    html = render_report(*_open(ws))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Co&quot;" in html
    assert html.count("<script>") == 1  # ours only


def test_controllability_violation_is_marked(tmp_path: Path) -> None:
    ws = _copy(tmp_path, [("- {kpi: operating_margin, weight: 0.5, threshold: 0.25, target: 0.30, maximum: 0.35, "
                           "supports: roi}", "- {kpi: roi, weight: 0.5, threshold: 0.10, target: 0.12, maximum: 0.15, "
                           "supports: roi}")])
    opened = open_workspace(ws)
    data = build_report_data(opened.workspace, opened.catalog)
    assert any(f.rule.startswith("controllability.") and f.subject == "north / roi" for f in data.audit.findings)
    cell = data.matrix["north"]["investment"]
    assert cell.violations == ("roi",) and not cell.controls
    assert data.matrix["corp"]["investment"].violations == () and data.matrix["corp"]["investment"].controls
    html = render_report(opened.workspace, opened.catalog)
    assert "<td class=bad>✗ roi</td>" in html
    assert "controllability.profit-centre-investment-kpi" in html  # the finding, with its location
    assert re.search(r"<code>[^<]*pmrules\.yaml:\d+</code>", html)


def test_pool_is_drawn_against_the_total(tmp_path: Path) -> None:
    ws = _copy(tmp_path, append='\npool: {amount: "400000.00"}\n')
    html = render_report(*_open(ws))
    assert 'aria-label="total against the pool"' in html
    assert "USD 400,000.00" in html and "450,075.77" in html


def test_cli_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", str(EXAMPLE), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = CliRunner().invoke(cli, ["report", str(EXAMPLE), "--output", str(tmp_path / "report.txt")])
    assert bad.exit_code == 2 and "the report is HTML" in bad.output
    assert not (tmp_path / "report.txt").exists()
