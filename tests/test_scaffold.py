"""`pmrules new-plugin`: the generated package's own tests pass as generated (run without pip install)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

from click.testing import CliRunner

from pmrules.cli import cli
from pmrules.scaffold import scaffold_plugin
from pmrules.testing import validate_plugin


def test_new_plugin_writes_an_installable_package(tmp_path):
    result = CliRunner().invoke(cli, ["new-plugin", "retail", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "pmrules-retail"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == ["README.md", "pyproject.toml", "src/pmrules_retail/__init__.py",
                     "src/pmrules_retail/rulesets/retail.yaml", "tests/test_retail_plugin.py"]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "pmrules-retail"
    assert project["project"]["entry-points"]["pmrules"] == {"retail": "pmrules_retail"}
    assert "pmrules" in project["project"]["dependencies"]


def test_generated_tests_pass(tmp_path):
    root = scaffold_plugin("retail", tmp_path)
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
                            capture_output=True, text=True, env=env, cwd=root, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_generated_plugin_validates_in_process(tmp_path, monkeypatch):
    root = scaffold_plugin("shop_floor", tmp_path)
    monkeypatch.syspath_prepend(str(root / "src"))
    report = validate_plugin("pmrules_shop_floor")
    assert report.name == "shop_floor"
    assert report.kpis == ["shop_floor_hit_rate"] and report.rulesets == ["shop_floor"]


def test_new_plugin_refuses_bad_names_and_existing_folders(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(cli, ["new-plugin", "Retail-KPIs", str(tmp_path)])
    assert bad.exit_code == 2 and "plugin name 'Retail-KPIs' must be lower-case letters" in bad.output
    assert runner.invoke(cli, ["new-plugin", "retail", str(tmp_path)]).exit_code == 0
    again = runner.invoke(cli, ["new-plugin", "retail", str(tmp_path)])
    assert again.exit_code == 2 and "already exists and is not empty" in again.output
