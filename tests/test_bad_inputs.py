"""The bad-input corpus: every broken or hostile workspace ends as `file:line: message` and exit 2.

Each folder of `tests/bad_inputs/` (except `_base`) is one case: the files it holds are laid over
a copy of `_base` (a small valid workspace), then `expect.yaml` says what to run and what the
user must see. Cases whose input is binary, huge or built from a library (XLSX, oversized files)
name a `setup:` function below that writes it into the temporary copy.

expect.yaml keys:
  command:  argv after `pmrules`; the workspace folder is inserted after the command name.
            `OUT` is a file in an empty folder outside the workspace, `WS/<path>` a file inside it.
  exit:     the exit code.
  messages: fragments that must all appear in stderr (the `file:line` and what to fix).
  stdout:   fragments that must appear in stdout (an audit's findings).
  absent:   fragments that must not appear anywhere in the output.
  remove:   files of `_base` to delete from the copy.
  setup:    name of a function below that prepares the copy (and may monkeypatch limits).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from pmrules.cli import cli

CORPUS = Path(__file__).parent / "bad_inputs"
BASE = CORPUS / "_base"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))


# -- setups: inputs that are binary, generated or need a smaller limit ----------------------------
def _xlsx(path: Path, rows: list[list[Any]], *, title: str = "Sheet1") -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return book


def _employee_rows() -> list[list[Any]]:
    text = (BASE / "employees.csv").read_text().splitlines()
    return [line.split(",") for line in text]


def _use_xlsx_employees(ws: Path) -> Path:
    manifest = ws / "pmrules.yaml"
    manifest.write_text(manifest.read_text().replace("employees: employees.csv", "employees: employees.xlsx"))
    return ws / "employees.xlsx"


def xlsx_formula_cell(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _employee_rows()
    rows[2][4] = "=B2*1000"  # E2's base_salary, row 3 of the sheet
    _xlsx(_use_xlsx_employees(ws), rows)


def xlsx_merged_cells(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _use_xlsx_employees(ws)
    book = _xlsx(path, _employee_rows())
    book.active.merge_cells("B2:C2")
    book.save(path)


def xlsx_missing_sheet(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook whose only worksheet part was deleted (a truncated download, a broken export)."""
    path = _use_xlsx_employees(ws)
    _xlsx(path, _employee_rows())
    broken = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                target.writestr(item, source.read(item.filename))
    broken.replace(path)


def xlsx_not_a_workbook(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(BASE / "employees.csv", _use_xlsx_employees(ws))


def xlsx_valid(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _xlsx(_use_xlsx_employees(ws), _employee_rows())


def yaml_oversized(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pmrules.io.yamlfile.MAX_YAML_BYTES", 10_000)
    with (ws / "pmrules.yaml").open("a") as handle:
        handle.write("# padding\n" * 2_000)


def yaml_too_many_nodes(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pmrules.io.yamlfile.MAX_YAML_NODES", 500)
    with (ws / "pmrules.yaml").open("a") as handle:
        handle.write("padding: [" + ", ".join(["1"] * 1_000) + "]\n")


def yaml_deep_nesting(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with (ws / "pmrules.yaml").open("a") as handle:
        handle.write("deep: " + "[" * 10_000 + "]" * 10_000 + "\n")


def yaml_deep_block_nesting(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with (ws / "pmrules.yaml").open("a") as handle:
        handle.write("deep:\n" + "".join("  " * level + f"k{level}:\n" for level in range(1, 101)) + "  " * 101 + "v: 1\n")


def yaml_deep_flow_nesting_within_parser_limit(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with (ws / "pmrules.yaml").open("a") as handle:
        handle.write("deep: " + "[" * 65 + "]" * 65 + "\n")


def csv_oversized(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pmrules.io.tables.MAX_TABLE_BYTES", 5_000)
    with (ws / "actuals.csv").open("a") as handle:
        for i in range(500):
            handle.write(f"ops,pad_{i},1\n")


def employees_oversized(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pmrules.io.tables.MAX_TABLE_BYTES", 5_000)
    with (ws / "employees.csv").open("a") as handle:
        for i in range(100, 300):
            handle.write(f"E{i},Pad {i},ops,staff,50000,0.10,,,3\n")


def formula_too_long(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = ws / "pmrules.yaml"
    long = " + ".join(["units_out"] * 400)
    manifest.write_text(manifest.read_text().replace("formula: units_out,", f"formula: {long},"))


def formula_too_many_terms(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = ws / "pmrules.yaml"
    many = "+".join(["1"] * 600)
    manifest.write_text(manifest.read_text().replace("formula: units_out,", f"formula: units_out+{many},"))


def ruleset_oversized(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pmrules.rules.language.MAX_RULESET_BYTES", 8_000)  # above every built-in set
    with (ws / "rulesets" / "local.yaml").open("a") as handle:
        handle.write("# padding\n" * 1_000)


# links and special files (issue 18, class 2): built here, never committed, so a checkout cannot
# follow them; whatever they point at must not reach the output
SHADOW_LINE = "root:$6$s3cr3t$hash:19000:0:99999:7:::\n"


def _outside(ws: Path, name: str, text: str) -> Path:
    folder = ws.parent / "outside"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def _link(path: Path, target: Path | str) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)


def link_actuals_proc_environ(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc on this system")
    monkeypatch.setenv("PMRULES_ALLOW_OUTSIDE_LINKS", "1")  # /proc is refused even then
    _link(ws / "actuals.csv", "/proc/self/environ")


def link_employees_outside(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _link(ws / "employees.csv", _outside(ws, "shadow", SHADOW_LINE))


def link_employees_outside_allowed(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMRULES_ALLOW_OUTSIDE_LINKS", "1")
    _link(ws / "employees.csv", _outside(ws, "employees.csv", (BASE / "employees.csv").read_text()))


def link_manifest_outside(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _link(ws / "pmrules.yaml", _outside(ws, "pmrules.yaml", (BASE / "pmrules.yaml").read_text()))


def _list_rulesets(ws: Path, entries: str) -> None:
    manifest = ws / "pmrules.yaml"
    text = manifest.read_text()
    manifest.write_text(text.replace("rulesets: [alignment, compensation, controllability]", f"rulesets: [{entries}]"))


def link_ruleset_outside(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _list_rulesets(ws, "alignment, rulesets/local.yaml")
    (ws / "rulesets").mkdir()
    _link(ws / "rulesets" / "local.yaml", _outside(ws, "shadow", SHADOW_LINE))


def link_rulesets_folder_outside(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _list_rulesets(ws, "alignment, rulesets/local.yaml")
    _outside(ws, "local.yaml", SHADOW_LINE)
    _link(ws / "rulesets", ws.parent / "outside")


def link_ruleset_listed_outside(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _list_rulesets(ws, "alignment, mine.yaml")
    _link(ws / "mine.yaml", _outside(ws, "shadow", SHADOW_LINE))


def link_inside_accepted(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (ws / "data").mkdir()
    (ws / "actuals.csv").rename(ws / "data" / "actuals.csv")
    _link(ws / "actuals.csv", Path("data") / "actuals.csv")


def link_actuals_device(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _link(ws / "actuals.csv", "/dev/zero")


def link_actuals_dev_stdin(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMRULES_ALLOW_OUTSIDE_LINKS", "1")
    _link(ws / "actuals.csv", "/dev/stdin")


def link_loop(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _link(ws / "actuals.csv", "actuals.csv")


def fifo_employees(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (ws / "employees.csv").unlink()
    os.mkfifo(ws / "employees.csv")


def fifo_manifest(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (ws / "pmrules.yaml").unlink()
    os.mkfifo(ws / "pmrules.yaml")


# outputs onto inputs and special files (issue 18, class 5)
def output_fifo(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(ws / "pipe.csv")


def output_link_to_input(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _link(ws / "link.csv", "employees.csv")


def output_hardlink_to_input(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.link(ws / "employees.csv", ws / "hard.csv")


def output_manifest_is_folder(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (ws / "res.csv.manifest.json").mkdir()


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def big_components(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _replace(ws / "pmrules.yaml", "{corporate: 0.2, unit: 0.6, individual: 0.2}", "{corporate: 200, unit: 600, individual: 200}")


def center_chain(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = "".join(f"  - {{id: c{i}, name: C{i}, type: cost, parent: {f'c{i - 1}' if i else 'ops'}}}\n"
                    for i in range(10_000))
    _replace(ws / "pmrules.yaml", "\nscorecards:\n", chain + "\nscorecards:\n")


def center_cycle_long(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cycle = "".join(f"  - {{id: y{i}, name: Y{i}, type: cost, parent: y{(i + 1) % 5_000}}}\n" for i in range(5_000))
    _replace(ws / "pmrules.yaml", "\nscorecards:\n", cycle + "\nscorecards:\n")


def _kpis(ws: Path, kpis: list[tuple[str, str]], scored: str) -> None:
    text = "".join(f"  - {{id: {k}, name: {k}, formula: {f}, direction: higher, perspective: internal}}\n"
                   for k, f in kpis)
    _replace(ws / "pmrules.yaml", "\ncenters:\n", text + "\ncenters:\n")
    _replace(ws / "pmrules.yaml", "{kpi: throughput, weight: 0.5,", f"{{kpi: {scored}, weight: 0.5,")


def kpi_chained_powers(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _kpis(ws, [(f"p{i}", f"{f'p{i - 1}' if i else 'units_out'} ** 16") for i in range(7)], "p6")


def kpi_chain_deep(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _kpis(ws, [(f"q{i}", f"{f'q{i - 1}' if i else 'units_out'} + 1") for i in range(1_000)], "q999")


def kpi_diamonds(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kpis = [("d0", "units_out")]
    for i in range(1, 16):
        kpis += [(f"a{i}", f"d{i - 1} + 1"), (f"b{i}", f"d{i - 1} - 1"), (f"d{i}", f"(a{i} + b{i}) / 2")]
    _kpis(ws, kpis, "d15")


def long_center_name(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _replace(ws / "pmrules.yaml", "name: Corp,", "name: " + "C" * 1_000_000 + ",")


SETUPS: dict[str, Callable[[Path, pytest.MonkeyPatch], None]] = {
    f.__name__: f for f in (
        xlsx_formula_cell, xlsx_merged_cells, xlsx_missing_sheet, xlsx_not_a_workbook, xlsx_valid,
        yaml_oversized, yaml_too_many_nodes, yaml_deep_nesting, yaml_deep_block_nesting,
        yaml_deep_flow_nesting_within_parser_limit, csv_oversized, employees_oversized, formula_too_long,
        formula_too_many_terms, ruleset_oversized,
        link_actuals_proc_environ, link_employees_outside, link_employees_outside_allowed, link_manifest_outside,
        link_ruleset_outside, link_rulesets_folder_outside, link_ruleset_listed_outside, link_inside_accepted,
        link_actuals_device, link_actuals_dev_stdin, link_loop, fifo_employees, fifo_manifest,
        output_fifo, output_link_to_input, output_hardlink_to_input, output_manifest_is_folder,
        big_components, center_chain, center_cycle_long, kpi_chained_powers,
        kpi_chain_deep, kpi_diamonds, long_center_name,
    )
}


# -- the runner -----------------------------------------------------------------------------------
def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _prepare(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, Any]]:
    source = CORPUS / case
    expect = yaml.safe_load((source / "expect.yaml").read_text())
    ws = tmp_path / case
    shutil.copytree(BASE, ws)
    for name in expect.get("remove", []):
        (ws / name).unlink()
    for path in source.rglob("*"):
        if path.is_file() and path.name != "expect.yaml":
            target = ws / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    if "setup" in expect:
        SETUPS[expect["setup"]](ws, monkeypatch)
    return ws, expect


def _argv(expect: dict[str, Any], ws: Path, out: Path) -> list[str]:
    command = [str(part) for part in expect["command"]]
    argv = [command[0], str(ws)]
    for part in command[1:]:
        if part == "OUT":
            part = str(out)
        elif part.startswith("WS/"):
            part = str(ws / part[3:])
        argv.append(part)
    return argv


def test_corpus_is_big_enough():
    assert len(CASES) >= 45, CASES
    for case in CASES:
        assert (CORPUS / case / "expect.yaml").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMRULES_LOAD_PLUGINS", "")
    ws, expect = _prepare(case, tmp_path, monkeypatch)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "result"
    before = _tree_digest(ws)

    result = CliRunner().invoke(cli, _argv(expect, ws, out))

    shown = f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.exit_code == expect["exit"], shown
    for fragment in expect.get("messages", []):
        assert str(fragment) in result.stderr, f"missing {fragment!r}\n{shown}"
    for fragment in expect.get("stdout", []):
        assert str(fragment) in result.stdout, f"missing {fragment!r} in stdout\n{shown}"
    for fragment in expect.get("absent", []):
        assert str(fragment) not in result.stdout + result.stderr, f"unexpected {fragment!r}\n{shown}"
    if "stderr_lines" in expect:
        assert len(result.stderr.strip().splitlines()) == expect["stderr_lines"], shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert "internal error" not in result.stderr, shown
    if result.exit_code == 2:
        assert result.stderr.strip(), shown
        for line in result.stderr.strip().splitlines():
            assert not line.startswith("  File "), shown
        assert list(out_dir.iterdir()) == [], "an output was written despite invalid input"
    assert _tree_digest(ws) == before, "the workspace was modified"
    assert not (tmp_path / "PWNED").exists() and not (ws / "PWNED").exists(), "a hostile input ran code"


# -- a hostile formula from a plugin (a real entry point, in a subprocess) ------------------------
HOSTILE_PLUGIN_FORMULAS = {
    "code": "__import__('os').system('touch PWNED')",
    "dunder": "revenue.__class__.__base__.__subclasses__()",
    "exponent": "revenue ** 9 ** 9 ** 9",
    "nesting": "(" * 300 + "revenue" + ")" * 300,
    "long": "+".join(["revenue"] * 1_000),
}


def install_fake(site: Path, source: str, name: str = "fake") -> Path:
    """A module plus a *.dist-info with entry_points.txt: importlib.metadata finds it on PYTHONPATH."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"pmrules_{name}.py").write_text(source)
    info = site / f"pmrules_{name}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pmrules-{name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[pmrules]\n{name} = pmrules_{name}\n")
    return site


def run_cli(site: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(site), **env}
    return subprocess.run([sys.executable, "-c", "from pmrules.cli import cli; cli()", *args], cwd=cwd,
                          capture_output=True, text=True, env=environment, timeout=120)


HEADER = "import pmrules\n"


@pytest.mark.parametrize("kind", sorted(HOSTILE_PLUGIN_FORMULAS))
def test_hostile_plugin_formula_is_refused_naming_the_plugin(kind: str, tmp_path: Path) -> None:
    formula = HOSTILE_PLUGIN_FORMULAS[kind]
    site = install_fake(tmp_path / "site", HEADER + (
        "@pmrules.hookimpl\ndef register_kpis():\n"
        f"    return [{{'id': 'evil', 'name': 'Evil', 'formula': {formula!r}, 'direction': 'higher',"
        " 'perspective': 'financial'}]\n"))
    ws = tmp_path / "ws"
    shutil.copytree(BASE, ws)
    result = run_cli(site, "validate", str(ws), cwd=tmp_path, PMRULES_LOAD_PLUGINS="fake")
    assert result.returncode == 2, result.stderr
    assert "'fake'" in result.stderr and "evil" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("PWNED"))


# -- one error path: a bug is one line and exit 70; --debug shows the traceback --------------------
def _explode(*args: Any, **kwargs: Any) -> None:
    raise ZeroDivisionError("a bug\nover two lines")


def test_unexpected_exception_is_one_line_internal_error_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pmrules.cli.catalog_cmds.open_workspace", _explode)
    result = CliRunner().invoke(cli, ["validate", str(BASE)])
    assert result.exit_code == 70, result.output
    assert result.stderr == ("error: internal error: ZeroDivisionError: a bug over two lines (this is a bug in "
                             "pmrules; rerun with --debug and report it)\n")
    debug = CliRunner().invoke(cli, ["--debug", "validate", str(BASE)])
    assert isinstance(debug.exception, ZeroDivisionError)  # the traceback is Python's own


def test_invalid_input_with_debug_shows_the_traceback(tmp_path: Path) -> None:
    from pmrules.errors import PmrulesError

    result = CliRunner().invoke(cli, ["--debug", "validate", str(tmp_path)])
    assert isinstance(result.exception, PmrulesError)


def test_ctrl_c_is_interrupted_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("pmrules.cli.catalog_cmds.open_workspace", interrupt)
    result = CliRunner().invoke(cli, ["validate", str(BASE)])
    assert result.exit_code == 130 and result.stderr == "interrupted\n"
