"""Ghost employees (issue 18, class 1): one written form per id, look-alikes refused or warned about.

Ids (employees, centres, plans, owners, actuals entities) and names (KPIs, inputs) are normalised
(NFKC, trimmed) where they are read, then must use a small ASCII alphabet; the fast and the row
reader of employees.csv agree; the ASCII look-alikes that remain (`O`/`0`, `l`/`1`) are a warning.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from pmrules import ids
from pmrules.api import open_workspace
from pmrules.audit import run_audit
from pmrules.errors import PmrulesError
from pmrules.io.tables import read_table
from pmrules.workspace import load_workspace
from pmrules.workspace.employees import EmployeeTable, read_employees_fast
from pmrules.workspace.tables import read_employees
from tests.test_fuzz import EXAMPLES

BASE = Path(__file__).parent / "bad_inputs" / "_base"
ROW = "{id},Morgan Hale,ops,staff,90000,0.10,,,3\n"


# -- the rules, unit by unit -------------------------------------------------------------------------
@pytest.mark.parametrize(("written", "normal"), [
    ("E001", "E001"), (" E001 ", "E001"), ("E001\u00a0", "E001"), ("\u3000E001", "E001"),
    ("\uff25\uff10\uff10\uff11", "E001"), ("E00\uff11", "E001"), ("\U0001d404001", "E001"), ("\u2130001", "E001"),
    ("E00\u00b9", "E001"), ("north-1.a_b", "north-1.a_b"),
])
def test_compatibility_forms_and_spaces_around_are_normalised(written: str, normal: str) -> None:
    assert ids.checked(written, "employee_id") == normal


@pytest.mark.parametrize(("written", "named"), [
    ("\u0415001", "U+0415 CYRILLIC CAPITAL LETTER IE"), ("\u0395001", "U+0395 GREEK CAPITAL LETTER EPSILON"),
    ("E0\u200b01", "U+200B ZERO WIDTH SPACE"), ("E0\u200d01", "U+200D ZERO WIDTH JOINER"),
    ("E0\u206001", "U+2060 WORD JOINER"), ("E\ufeff001", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("\u202eE001", "U+202E RIGHT-TO-LEFT OVERRIDE"), ("E\u2066001", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("E\u200e001", "U+200E LEFT-TO-RIGHT MARK"), ("E\u00ad001", "U+00AD SOFT HYPHEN"),
    ("E\u0301001", "U+0301 COMBINING ACUTE ACCENT"), ("\u00c9001", "U+00C9 LATIN CAPITAL LETTER E WITH ACUTE"),
    ("E0\u00a001", "U+00A0 NO-BREAK SPACE"), ("E0 01", "U+0020 SPACE"), ("E0\x0001", "U+0000 NULL"),
    ("E0\x1b01", "U+001B ESCAPE"), ("E0,01", "U+002C COMMA"), ("E0/01", "U+002F SOLIDUS"),
    ("E\u04c001", "U+04C0 CYRILLIC LETTER PALOCHKA"), ("E00\u01c0", "U+01C0 LATIN LETTER DENTAL CLICK"),
])
def test_a_character_outside_the_alphabet_is_refused_and_named(written: str, named: str) -> None:
    with pytest.raises(ids.IdError) as caught:
        ids.checked(written, "employee_id")
    assert str(caught.value).startswith("employee_id '") and str(caught.value).endswith(f"contains {named}")
    assert caught.value.hint.startswith("an id uses only the letters A-Z and a-z")


@pytest.mark.parametrize(("written", "message"), [
    ("-E1", "starts with U+002D HYPHEN-MINUS"), ("_E1", "starts with U+005F LOW LINE"),
    (".E1", "starts with U+002E FULL STOP"), ("E" * 101, "is 101 characters long, more than 100"),
])
def test_how_an_id_may_start_and_how_long_it_may_be(written: str, message: str) -> None:
    with pytest.raises(ids.IdError, match=re.escape(message)):
        ids.checked(written, "employee_id")


def test_kpi_and_input_names_use_the_formula_alphabet() -> None:
    assert ids.checked("\uff52evenue", name=True) == "revenue"
    for bad, named in (("units-out", "U+002D HYPHEN-MINUS"), ("r\u0435venue", "U+0435 CYRILLIC SMALL LETTER IE"),
                       ("1st", None)):
        with pytest.raises(ids.IdError) as caught:
            ids.checked(bad, name=True)
        assert named is None or named in str(caught.value)
        assert "a KPI or input name uses only" in caught.value.hint


def test_the_skeleton_folds_what_reads_alike_and_nothing_else() -> None:
    assert len({ids.skeleton(v) for v in ("E001", "EOO1", "e0o1", "EO01", "E00l", "E00I", "E00|")}) == 1
    assert ids.skeleton("north_1") == ids.skeleton("north-1") == ids.skeleton("north.l")
    assert len({ids.skeleton(v) for v in ("E001", "E002", "F001", "E0001", "E01")}) == 5


# -- both readers of employees.csv agree ----------------------------------------------------------------
def _employees(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "employees.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["employee_id", "name", "center", "plan", "base_salary", "target_bonus_pct"])
        writer.writerows(rows)
    return path


def _slow(path: Path) -> EmployeeTable | PmrulesError:
    try:
        return EmployeeTable.from_employees(str(path), read_employees(read_table(path, str(path))))
    except PmrulesError as exc:
        return exc


def _columns(table: EmployeeTable) -> list[list[str]]:
    return [table.ids.to_pylist(), table.names.to_pylist(), table.centers.to_pylist(), table.plans.to_pylist()]


CELLS = st.text(st.sampled_from(["E", "1", "o", " ", "\u00a0", "\t", "\u2003", "\u0415", "\uff25", "\u200b", "-",
                                 "\u0301", "\ufeff", "\x1c", "\x85", "a"]), min_size=0, max_size=5)


@settings(max_examples=EXAMPLES, deadline=None)
@given(rows=st.lists(st.tuples(CELLS, CELLS, st.sampled_from(["ops", "ops ", " ops", "\uff4fps", "\u043eps"])),
                     min_size=1, max_size=4))
@example(rows=[("E001", "Ann", "ops"), ("E001 ", "Bea", "ops")])  # the issue's trailing space
@example(rows=[("E001", "Ann ", "ops")])
@example(rows=[("E001", "\u2003Ann\x85", "ops")])
def test_fast_and_row_reader_agree(tmp_path_factory: pytest.TempPathFactory,
                                   rows: list[tuple[str, str, str]]) -> None:
    path = _employees(tmp_path_factory.mktemp("emp"),
                      [[i, name, center, "staff", "100", "0.1"] for i, name, center in rows])
    slow = _slow(path)
    fast = read_employees_fast(path, str(path))
    if fast is not None:
        assert not isinstance(slow, PmrulesError), slow
        assert _columns(fast) == _columns(slow)
        assert all(ids.problem(value) is None for value in fast.id_list())


def test_the_issue_reproduction_is_refused_by_both_readers(tmp_path: Path) -> None:
    path = _employees(tmp_path, [["E001", "Ann", "corp", "staff", "100", "0.1"],
                                 ["E001 ", "Morgan Hale", "corp", "staff", "420000.00", "0.40"]])
    assert read_employees_fast(path, str(path)) is None
    error = _slow(path)
    assert isinstance(error, PmrulesError)
    assert str(error) == f"{path}:3: duplicate employee_id 'E001' (first defined on line 2)"


# -- fuzz: every Unicode look-alike of an existing id is refused (or normalised to it, then refused) ------
CONFUSABLE = {
    "E": ["\u0415", "\u0395", "\uff25", "\U0001d404", "\u2130", "\u1d31", "\u2c88"],
    "1": ["\uff11", "\u00b9", "\U0001d7cf", "\u04c0", "\u01c0", "\u2160", "\u0661", "\u06f1", "\u2460"],
}
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f", "\u202a", "\u202b",
             "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u034f", "\u180e", "\u0301",
             "\u0308", "\u00a0", "\u2007", "\u202f", "\u3000", " ", "\t"]


@st.composite
def lookalikes(draw: st.DrawFn, original: str = "E1") -> str:
    chars = [draw(st.sampled_from([c, *CONFUSABLE.get(c, [])])) for c in original]
    for _ in range(draw(st.integers(0, 3))):
        chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from(INVISIBLE)))
    text = "".join(chars)
    form = draw(st.sampled_from(["NFC", "NFD", "NFKC", "NFKD", None]))
    return unicodedata.normalize(form, text) if form else text


def _with_row(tmp: Path, employee_id: str) -> Path:
    ws = tmp / "ws"
    shutil.copytree(BASE, ws)
    _select_integrity(ws)
    with (ws / "employees.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([employee_id, "Morgan Hale", "ops", "staff", "90000",
                                                          "0.10", "", "", "3"])
    return ws


@settings(max_examples=EXAMPLES, deadline=None)
@given(candidate=lookalikes())
@example(candidate="E1 ")
@example(candidate="\uff25\uff11")
@example(candidate="\u04151")
@example(candidate="E\u20601")
@example(candidate="E\u2160")
def test_every_lookalike_of_an_employee_id_is_refused(tmp_path_factory: pytest.TempPathFactory,
                                                      candidate: str) -> None:
    assume(candidate != "E1")
    ws = _with_row(tmp_path_factory.mktemp("ghost"), candidate)
    normal = unicodedata.normalize("NFKC", candidate).strip()
    if normal != "E1" and ids.problem(normal) is None:
        # NFKC made it another ASCII id (Roman numeral Ⅰ -> I): loaded, and the audit warns it reads as E1
        assert ids.skeleton(normal) == ids.skeleton("E1")
        assert _audit(ws) and "E1 (" in _audit(ws)[0]
        return
    with pytest.raises(PmrulesError) as caught:
        load_workspace(ws)
    text = str(caught.value)
    assert "employees.csv:5" in text and ("line 2" in text or "contains U+" in text), text


@settings(max_examples=EXAMPLES, deadline=None)
@given(candidate=lookalikes("ops"))
@example(candidate="\uff4f\uff50\uff53")
@example(candidate="\u043eps")
def test_every_lookalike_of_a_centre_id_in_yaml_is_refused(tmp_path_factory: pytest.TempPathFactory,
                                                           candidate: str) -> None:
    assume(candidate != "ops")
    ws = tmp_path_factory.mktemp("ghost") / "ws"
    shutil.copytree(BASE, ws)
    manifest = (ws / "pmrules.yaml").read_text()
    extra = f"  - {{id: {json.dumps(candidate, ensure_ascii=False)}, name: Shadow, type: cost, parent: corp}}\n"
    manifest = manifest.replace("\nscorecards:", extra + "\nscorecards:")
    (ws / "pmrules.yaml").write_text(manifest, encoding="utf-8")
    with pytest.raises(PmrulesError) as caught:
        load_workspace(ws)
    assert "pmrules.yaml:" in str(caught.value)


# -- the look-alikes that remain: an audit warning ----------------------------------------------------------
def _select_integrity(ws: Path) -> None:
    manifest = ws / "pmrules.yaml"
    text = manifest.read_text()
    assert "rulesets: [alignment, compensation, controllability]" in text
    manifest.write_text(text.replace("rulesets: [alignment, compensation, controllability]",
                                     "rulesets: [alignment, compensation, controllability, integrity]"))


def test_the_rule_runs_only_where_selected(tmp_path: Path) -> None:
    """A version-1 workspace that lists its rule sets audits exactly as before; without the key it runs."""
    ws = _with_row(tmp_path, "EI")
    assert _audit(ws)
    manifest = ws / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace(", integrity]", "]"))
    assert _audit(ws) == []
    manifest.write_text(manifest.read_text().replace("rulesets: [alignment, compensation, controllability]\n", ""))
    assert _audit(ws)


def _audit(ws: Path) -> list[str]:
    opened = open_workspace(ws)
    return [f"{f.location}|{f.message}" for f in run_audit(opened.workspace, opened.catalog).findings
            if f.rule == "integrity.lookalike-ids"]


@pytest.mark.parametrize(("written", "other"), [("EI", "E1"), ("El", "E1"), ("e1", "E1"), ("E|", None)])
def test_ascii_lookalike_employee_ids_are_a_warning(tmp_path: Path, written: str, other: str | None) -> None:
    if other is None:  # '|' is outside the id alphabet: refused before the audit
        with pytest.raises(PmrulesError, match="U\\+007C VERTICAL LINE"):
            load_workspace(_with_row(tmp_path, written))
        return
    found = _audit(_with_row(tmp_path, written))
    assert len(found) == 1
    location, message = found[0].split("|", 1)
    assert location.endswith("employees.csv:5")
    assert message.startswith(f"owner ids look alike: {other} (") and f", {written} (" in message


def test_a_centre_and_an_employee_that_look_alike_are_a_warning(tmp_path: Path) -> None:
    found = _audit(_with_row(tmp_path, "OPS"))
    assert len(found) == 1 and "owner ids look alike: ops (" in found[0] and "OPS (" in found[0]


def test_plans_and_kpis_that_look_alike_are_warnings(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(BASE, ws)
    _select_integrity(ws)
    manifest = (ws / "pmrules.yaml").read_text()
    manifest = manifest.replace("\ndata:", "  - id: Staff\n    components: {unit: 1.0}\n"
                                "    curve: {threshold: 0.5, target: 1.0, maximum: 2.0}\n\ndata:")
    manifest = manifest.replace("  costs: {category: cost, unit: USD}\n",
                                "  costs: {category: cost, unit: USD}\n  c0sts: {category: cost, unit: USD}\n")
    (ws / "pmrules.yaml").write_text(manifest)
    found = _audit(ws)
    assert any(m.split("|")[1].startswith("plan ids look alike: staff (") and "Staff (" in m for m in found)
    assert any(m.split("|")[1].startswith("kpi ids look alike: costs (") and "c0sts (" in m for m in found)


def test_distinct_ids_are_quiet(tmp_path: Path) -> None:
    assert _audit(_with_row(tmp_path, "E9")) == []


def test_a_million_ids_are_folded_column_wise() -> None:
    import time

    import pyarrow as pa

    from pmrules.audit.facts.lookalike import _groups

    values = pa.array([f"E{i:07d}" for i in range(1_000_000)] + ["EOOOOOO1"], pa.string())
    start = time.perf_counter()
    groups = _groups(values)
    assert groups == [[1, 1_000_000]]
    assert time.perf_counter() - start < 10


def test_read_back_neutral_csv_quoting_for_reference() -> None:
    # A sanity check of the csv module the round-trip tests rely on.
    assert next(csv.reader(io.StringIO('"a,b"\n', newline=""))) == ["a,b"]
