"""`pmrules statements`: one HTML statement per employee, its figures, its privacy, its locale, its folder.

HTML only here (`--no-pdf`); the browser and the PDFs are tested in test_statements_browser.py. Every
expected amount of the plan year was computed by hand in tests/workspaces/plan-year/EXPECTED.md; those
of the example are `pmrules payout examples/northwind-bank` (README).
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmrules.api import open_workspace
from pmrules.cli import cli
from pmrules.io.staged import staged_folder
from pmrules.payout import Period, compute_payouts
from pmrules.statements import Change, Formats, Renderer, StatementBuilder, parse_locale
from pmrules.statements.write import file_stems
from tests.ledger_support import restate_q1

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "northwind-bank"
PLAN_YEAR = REPO / "tests" / "workspaces" / "plan-year"
NBSP = "\u00a0"


def pmrules(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env={"PMRULES_LOAD_PLUGINS": "", **(env or {})})


def text_of(html: str) -> str:
    """What a reader sees: tags removed, entities decoded, spaces (and no-break spaces) collapsed."""
    body = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).replace(NBSP, " ").split())


def employees_of(ws: Path) -> dict[str, str]:
    opened = open_workspace(ws)
    return {e.employee_id: e.name for e in opened.workspace.employees}


def assert_names_nobody_else(folder: Path, people: dict[str, str]) -> None:
    for employee_id in people:
        page = (folder / f"{employee_id}.html").read_text(encoding="utf-8")
        shown = text_of(page) + " " + page
        assert people[employee_id] in shown
        for other, name in people.items():
            if other == employee_id:
                continue
            assert not re.search(rf"(?<![\w.-]){re.escape(other)}(?![\w.-])", shown), (employee_id, other)
            assert name not in shown, (employee_id, name)


@pytest.fixture(scope="module")
def example_statements(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "statements"
    result = pmrules("statements", str(EXAMPLE), "--no-pdf", "--output", str(out),
                     env={"PMRULES_LOAD_PLUGINS": "banking"})
    assert result.exit_code == 0, result.output
    assert "wrote 16 statement(s) (HTML) to" in result.stderr
    return out


def test_example_one_statement_per_employee_with_the_payout_amounts(example_statements: Path) -> None:
    index = json.loads((example_statements / "statements.json").read_text())
    amounts = {s["employee_id"]: s["amount"] for s in index["statements"]}
    assert len(amounts) == 16 and sorted(p.name for p in example_statements.iterdir()) == sorted(
        [*(f"{e}.html" for e in amounts), "statements.json"])
    # README's payout table: E001 203,280.00, E013 4,912.22
    assert amounts["E001"] == "203280.00" and amounts["E013"] == "4912.22"
    e013 = text_of((example_statements / "E013.html").read_text(encoding="utf-8"))
    assert "Your bonus $4,912.22" in e013
    assert "291 of 365 days (employed Mar 16, 2026 – Dec 31, 2026)" in e013  # proration 0.7973
    for shown in ("Base salary $61,500.00", "Target bonus 8%", "Service calls per week", "Threshold", "Maximum",
                  "Combined score 1.2523", "Cap 1.8 (not reached)", "Individual rating 4"):
        assert shown in e013, shown
    assert "Adjustments and discretion" not in e013  # nothing manual: the section is absent
    e011 = text_of((example_statements / "E011.html").read_text(encoding="utf-8"))
    assert "Individual your own scorecard 0.2 1.3829" in e011  # README: individual 1.3829, bonus 22,636.47
    assert "Appointments per week appointments you 27 20 25 30 1.4 0.5" in e011
    assert "Your bonus $22,636.47" in e011


def test_a_statement_names_no_other_employee(example_statements: Path) -> None:
    assert_names_nobody_else(example_statements, employees_of(EXAMPLE))


def test_html_is_safe_escaped_no_script_no_external_resource(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    employees = ws / "employees.csv"
    hostile = '<script>alert(1)</script><img src="http://evil.example/x.png">'
    employees.write_text(employees.read_text().replace("Lena Fischer", hostile.replace('"', '""').join('""')))
    out = tmp_path / "out"
    result = pmrules("statements", str(ws), "--no-pdf", "--employee", "E013", "--output", str(out),
                     env={"PMRULES_LOAD_PLUGINS": "banking"})
    assert result.exit_code == 0, result.output
    page = (out / "E013.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page, flags=re.I)
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page
    assert [p.name for p in out.iterdir() if p.suffix == ".html"] == ["E013.html"]


def test_locale_formats_money_and_dates_without_changing_them() -> None:
    opened = open_workspace(EXAMPLE)
    ws = opened.workspace
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)
    s = StatementBuilder(ws, opened.catalog, run).statement(ws.employees.position("E013") or 0)
    german = text_of(Renderer(Formats(parse_locale("de_DE"))).page(s))
    assert "4.912,22 $" in german and "16.03.2026" in german and "61.500,00 $" in german
    assert 'lang="de-DE"' in Renderer(Formats(parse_locale("de-DE"))).page(s)
    american = Formats(parse_locale("en_US"))
    assert american.money(Decimal("1234.567"), "EUR") == "€1,234.567"  # a 0.001 quantum keeps its third place
    assert american.money(Decimal("1234"), "JPY") == "¥1,234"
    assert Formats(parse_locale("fr_FR")).money(Decimal("-1281.16"), "EUR").replace("\u202f", " ").replace(
        NBSP, " ") == "-1 281,16 €"


def test_letter_paper_and_a4() -> None:
    opened = open_workspace(EXAMPLE)
    ws = opened.workspace
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)
    s = StatementBuilder(ws, opened.catalog, run).statement(0)
    assert "@page{size:letter;" in Renderer(Formats(parse_locale("en_US")), "letter").page(s)
    assert "@page{size:A4;" in Renderer(Formats(parse_locale("en_US")), "a4").page(s)


def test_adjustments_and_discretion_section_from_the_generic_changes() -> None:
    opened = open_workspace(EXAMPLE)
    ws = opened.workspace
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)
    s = StatementBuilder(ws, opened.catalog, run).statement(ws.employees.position("E013") or 0)
    s.changes = [Change("adjustment", "KPI Cross-sell ratio of Harbor St. Branch", Decimal("0.2"), Decimal("0.215"),
                        "one-off <merger> effect removed", approved_by="CFO", source="adjustments.csv:2"),
                 Change("discretion", "bonus", Decimal("4500.00"), Decimal("4912.22"), "exceptional client work",
                        approved_by="Head of HR", source="discretion.csv:3", money=True)]
    page = Renderer(Formats(parse_locale("en_US"))).page(s)
    shown = text_of(page)
    assert "Adjustments and discretion" in shown
    assert "adjustment KPI Cross-sell ratio of Harbor St. Branch 0.2 0.215 one-off <merger> effect removed CFO " \
           "adjustments.csv:2" in shown
    assert "discretion bonus $4,500.00 $4,912.22 exceptional client work Head of HR discretion.csv:3" in shown
    assert "&lt;merger&gt;" in page


def test_unpaid_statement_says_why() -> None:
    opened = open_workspace(EXAMPLE)
    run = compute_payouts(opened.workspace, opened.catalog, Period.of(opened.workspace.manifest),
                          opened.workspace.employees)
    builder = StatementBuilder(opened.workspace, opened.catalog, run)
    paid = builder.statement(0)
    paid.status, paid.reasons = "unpaid", ["unit component: 'x' has no scorecard"]
    shown = text_of(Renderer(Formats(parse_locale("en_US"))).page(paid))
    assert "No bonus this period unit component: 'x' has no scorecard" in shown


# -- the golden plan year -------------------------------------------------------------------------



@pytest.fixture(scope="module")
def plan_year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Q1 (won 40) committed and locked, Q1 restated to 36, Q2 and Q3 committed: EXPECTED.md's year up to Q4."""
    root = tmp_path_factory.mktemp("plan-year")
    ws = root / "plan-year"
    shutil.copytree(PLAN_YEAR, ws)
    url = f"sqlite:///{root / 'ledger.db'}"
    restate_q1(ws, "40")
    for args in (["payout", str(ws), "--period", "Q1", "--commit", "--by", "ana"], ["lock", str(ws), "--period", "Q1"]):
        assert pmrules(*args, "--ledger", url).exit_code == 0
    restate_q1(ws, "36")
    for period in ("Q2", "Q3"):
        assert pmrules("payout", str(ws), "--period", period, "--commit", "--by", "ana", "--ledger", url).exit_code == 0
    return ws, url


def amounts(folder: Path) -> dict[str, str]:
    return {s["employee_id"]: s["amount"] for s in json.loads((folder / "statements.json").read_text())["statements"]}


def test_plan_year_q4_statements_pay_the_true_up_and_list_what_was_paid_before(plan_year: tuple[Path, str],
                                                                               tmp_path: Path) -> None:
    ws, url = plan_year
    out = tmp_path / "q4"
    result = pmrules("statements", str(ws), "--period", "Q4", "--no-pdf", "--output", str(out), "--ledger", url)
    assert result.exit_code == 0, result.output
    # EXPECTED.md, Q4: 9,000.00 earned; A1-A3 and J1 pay 2,268.49, Y1 9,000.00
    assert amounts(out) == {"A1": "2268.49", "A2": "2268.49", "A3": "2268.49", "J1": "2268.49", "Y1": "9000.00"}
    a2 = text_of((out / "A2.html").read_text(encoding="utf-8"))
    # A2 (forgive): Q1 3,698.63; Q2 0.00 with 1,281.16 forgiven; Q3 4,314.04; net 3,698.63 - 1,281.16 + 4,314.04
    assert "Paid before in plan year FY2026 Period Run Paid Forgiven Q1 1 $3,698.63 – Q2 2 $0.00 $1,281.16 " \
           "Q3 3 $4,314.04 – Total paid $8,012.67" in a2
    assert "Paid before (net of forgiven) $6,731.51 Due this period $2,268.49 Paid for Q4 $2,268.49" in a2
    assert "Earned year to date $9,000.00 Share due by now all of it (year end)" in a2
    assert "Lead conversion ratio Corp 0.28 0.2 0.3 0.4 0.9 1" in a2  # YTD 140 / 500
    a3 = text_of((out / "A3.html").read_text(encoding="utf-8"))
    assert "Q2 2 -$1,281.16 –" in a3  # recovered: a negative payment
    j1 = text_of((out / "J1.html").read_text(encoding="utf-8"))
    assert "Q1 1 $0.00 – Q2 2 $0.00 – Q3 3 $2,268.50 – Total paid $2,268.50" in j1
    assert "184 of 365 days of the plan year so far (employed Jul 1, 2026 – Dec 31, 2026)" in j1
    assert_names_nobody_else(out, employees_of(ws))


def test_plan_year_committed_run_renders_its_stored_amounts(plan_year: tuple[Path, str], tmp_path: Path) -> None:
    ws, url = plan_year
    out = tmp_path / "run2"
    result = pmrules("statements", str(ws), "--run", "2", "--no-pdf", "--output", str(out), "--ledger", url,
                     "--locale", "de_DE")
    assert result.exit_code == 0, result.output
    # EXPECTED.md, Q2: due -1,281.16 for every quarterly plan; A3 recovers it, the others pay 0.00
    assert amounts(out) == {"A1": "0.00", "A2": "0.00", "A3": "-1281.16", "J1": "0.00", "Y1": "0.00"}
    a1 = text_of((out / "A1.html").read_text(encoding="utf-8"))
    assert "run 2 (Q2, committed)" in a1 and "by ana" in a1
    assert "Verdient" not in a1  # labels stay English; numbers and dates follow the locale
    assert "Earned year to date 3.223,29 $ Share due by now 75% Due by now 2.417,47 $" in a1
    assert "Paid before (net of forgiven) 3.698,63 $ Due this period -1.281,16 $ Carried forward 1.281,16 $" in a1
    assert "Lead conversion ratio Corp 0,23 0,2 0,3 0,4 0,65 1" in a1  # YTD 46 / 200, factor 0.65
    assert "Q1 1 3.698,63 $ – Total paid 3.698,63 $" in a1
    assert "negative true-up: 1281.16 carried forward" in a1


def test_whole_year_statement_of_a_plan_year_lists_the_committed_runs(plan_year: tuple[Path, str],
                                                                      tmp_path: Path) -> None:
    ws, url = plan_year
    out = tmp_path / "year"
    result = pmrules("statements", str(ws), "--employee", "A1", "--no-pdf", "--output", str(out), "--ledger", url)
    assert result.exit_code == 0, result.output
    assert amounts(out) == {"A1": "9000.00"}  # expected.csv: the whole year's bonus
    a1 = text_of((out / "A1.html").read_text(encoding="utf-8"))
    assert "Q1 1 $3,698.63 – Q2 2 $0.00 – Q3 3 $3,032.88 – Total paid $6,731.51" in a1


def test_run_and_period_must_agree(plan_year: tuple[Path, str], tmp_path: Path) -> None:
    ws, url = plan_year
    result = pmrules("statements", str(ws), "--run", "2", "--period", "Q3", "--no-pdf", "--output",
                     str(tmp_path / "x"), "--ledger", url)
    assert result.exit_code == 2 and "--run 2 paid period Q2, not Q3" in result.stderr
    assert not (tmp_path / "x").exists()
    missing = pmrules("statements", str(ws), "--run", "99", "--no-pdf", "--output", str(tmp_path / "x"), "--ledger", url)
    assert missing.exit_code == 2 and "no run 99" in missing.stderr


# -- the output folder ----------------------------------------------------------------------------


def test_missing_chromium_is_exit_2_with_the_fix_and_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = pmrules("statements", str(EXAMPLE), "--output", str(out),
                     env={"PATH": str(tmp_path), "PMRULES_LOAD_PLUGINS": "banking", "PMRULES_CHROMIUM": ""})
    assert result.exit_code == 2
    assert "PDF statements need Chromium" in result.stderr and "--no-pdf" in result.stderr
    assert "apt-get install chromium" in result.stderr
    assert not out.exists()


def test_rerun_replaces_its_own_folder_and_refuses_a_foreign_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["statements", str(PLAN_YEAR), "--no-pdf", "--output", str(out)]
    assert pmrules(*args).exit_code == 0
    (out / "stale.html").write_text("old")
    assert pmrules(*args, "--employee", "A1").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["A1.html", "statements.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left behind
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep")
    refused = pmrules("statements", str(PLAN_YEAR), "--no-pdf", "--output", str(foreign))
    assert refused.exit_code == 2 and "is a folder with other files in it" in refused.stderr
    assert [p.name for p in foreign.iterdir()] == ["mine.txt"]


def test_an_interrupted_write_leaves_the_previous_folder(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "statements.json").write_text("{}")
    with pytest.raises(KeyboardInterrupt), staged_folder(target) as folder:
        (folder / "A1.html").write_text("half")
        raise KeyboardInterrupt
    assert [p.name for p in target.iterdir()] == ["statements.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_file_names_are_the_safe_ids_and_case_clashes_get_a_hash() -> None:
    stems = file_stems(["E001", "a1", "A1"])
    assert stems["E001"] == "E001"
    assert stems["a1"].startswith("a1-") and stems["A1"].startswith("A1-") and stems["a1"] != stems["A1"]
    assert file_stems(["../x"])["../x"].startswith("employee-")


GOLDEN = sorted(p.parent for p in (REPO / "tests" / "workspaces").glob("*/expected.csv"))


@pytest.mark.parametrize("ws", GOLDEN, ids=[p.name for p in GOLDEN])
def test_every_golden_workspace_statement_shows_the_hand_computed_bonus(ws: Path) -> None:
    """Each golden workspace's expected.csv (computed by hand, see its EXPECTED.md) is what its statements show."""
    import csv

    expected: dict[str, dict[str, str]] = {}
    for row in csv.DictReader((ws / "expected.csv").open(encoding="utf-8")):
        seen = expected.get(row["employee_id"])
        if seen is not None and row["status"] == "paid":  # an effective-dated employee: one statement, the sum
            row = {**row, "bonus": str(Decimal(seen["bonus"]) + Decimal(row["bonus"]))}
        expected[row["employee_id"]] = row
    opened = open_workspace(ws)
    w = opened.workspace
    run = compute_payouts(w, opened.catalog, Period.of(w.manifest), w.employees)
    renderer = Renderer(Formats(parse_locale("en_US")))
    for s in StatementBuilder(w, opened.catalog, run).statements():
        row = expected[s.employee_id]
        assert s.status == row["status"], s.employee_id
        page = text_of(renderer.page(s))
        if row["status"] == "paid":
            assert s.amount == Decimal(row["bonus"]), s.employee_id
            assert renderer.f.money(Decimal(row["bonus"]), s.currency).replace(NBSP, " ") in page
            assert ("(then scaled to the pool)" in page) == s.pooled
        else:
            assert "No bonus this period" in page
            assert all(word in page for word in row["reason_contains"].split()), s.employee_id


def test_a_browser_that_dies_is_exit_2_and_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = pmrules("statements", str(PLAN_YEAR), "--output", str(out), env={"PMRULES_CHROMIUM": "/bin/false"})
    assert result.exit_code == 2, result.output
    assert "error: Chromium (/bin/false)" in result.stderr and "pass --no-pdf for HTML only" in result.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == []
    not_there = pmrules("statements", str(PLAN_YEAR), "--output", str(out),
                        env={"PMRULES_CHROMIUM": str(tmp_path / "chromium")})
    assert not_there.exit_code == 2 and "which is not an executable file" in not_there.stderr


def test_manual_changes_appear_on_the_statement_with_reason_approver_and_source() -> None:
    """tests/workspaces/manual-changes (EXPECTED.md): E2's costs adjusted and safety factor overridden to 0;
    tests/workspaces/transfer-discretion: E1 moved centre on 1 July and got +500 discretion (9,399 in all)."""
    renderer = Renderer(Formats(parse_locale("en_US")))
    pages = {}
    for name in ("manual-changes", "transfer-discretion"):
        opened = open_workspace(REPO / "tests" / "workspaces" / name)
        w = opened.workspace
        run = compute_payouts(w, opened.catalog, Period.of(w.manifest), w.employees)
        for s in StatementBuilder(w, opened.catalog, run).statements():
            pages[(name, s.employee_id)] = (s, text_of(renderer.page(s)))
    s, page = pages[("manual-changes", "E2")]
    kinds = [(c.kind, c.subject) for c in s.changes]
    assert ("adjustment", "costs of Plant") in kinds or any(k == "adjustment" and "costs" in sub for k, sub in kinds)
    assert any(k == "override" and "safety" in sub for k, sub in kinds)
    assert "Restructuring cost reclassified to corporate" in page and "adjustments.csv:3" in page
    assert "Fatality at the plant" in page and "pmrules.yaml:59" in page
    s, page = pages[("transfer-discretion", "E1")]
    assert s.amount == Decimal("9399.00")
    assert [c.kind for c in s.changes] == ["segment", "segment", "discretion"]
    assert "Ran the finance year-end close after the transfer" in page and "discretion.csv:2" in page
    assert sum(1 for key in pages if key == ("transfer-discretion", "E1")) == 1
    s, page = pages[("transfer-discretion", "E5")]
    assert s.changes == [] and "Adjustments and discretion" not in page


def test_an_effective_dated_employee_gets_one_statement_file_with_the_sum(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = pmrules("statements", str(REPO / "tests" / "workspaces" / "transfer-discretion"), "--output", str(out),
                     "--no-pdf")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.html")) == ["E1.html", "E2.html", "E3.html", "E4.html", "E5.html"]
    page = text_of((out / "E1.html").read_text(encoding="utf-8"))
    assert "the exact sum of 2 segments with discretion, rounded once = $9,399.00" in page
    assert "employees.csv:2" in page and "employees.csv:4" in page and str(REPO) not in page
