"""Plugin hooks end to end: formula functions, plugin commands, and faults named through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import click
import pytest
import sympy
from click.testing import CliRunner

from pmrules import hookimpl
from pmrules.catalog import build_catalog
from pmrules.cli.plugin_cmds import add_plugin_commands
from pmrules.errors import FormulaError, PluginError
from pmrules.formula import FormulaFunction, compile_exact, compile_numpy, parse_formula
from pmrules.plugins import get_plugin_manager


def plugin(name: str, **hooks: object) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook, value in hooks.items():
        setattr(module, hook, hookimpl(value if callable(value) else (lambda value=value: value)))
    return module


def manager(**plugins: types.ModuleType):
    return get_plugin_manager(entry_points=False, plugins=plugins)


# -- register_functions --------------------------------------------------------------------------
def test_default_functions_clamp_and_safe_div_inline_and_compile():
    catalog = build_catalog(manager())
    assert catalog.function_sources["clamp"] == catalog.function_sources["safe_div"] == "builtin-functions"
    expr = parse_formula("clamp(safe_div(revenue, cogs, 0), 0, 2)", functions=catalog.functions)
    assert {str(s) for s in expr.free_symbols} == {"cogs", "revenue"}
    exact = compile_exact(expr, ["cogs", "revenue"])
    assert exact(0, 5) == 0 and exact(4, 5) == sympy.Rational(5, 4) and exact(1, 5) == 2
    assert list(compile_numpy(expr, ["cogs", "revenue"])([0.0, 4.0, 1.0], [5.0, 5.0, 5.0])) == [0.0, 1.25, 2.0]


def test_plugin_function_from_text_keeps_inputs_and_categories_visible():
    acme = plugin("acme",
                  register_functions=[{"name": "margin_of", "params": ["rev", "cost"], "body": "(rev - cost) / rev"}],
                  register_kpis=[{"id": "shop_margin", "name": "Shop margin", "formula": "margin_of(revenue, cogs)",
                                  "direction": "higher", "perspective": "financial"}])
    entry = build_catalog(manager(acme=acme)).kpis["shop_margin"]
    assert entry.inputs == ("cogs", "revenue")
    assert entry.financial_categories == ("cost", "revenue")
    assert entry.scorable_by == ("profit", "investment")


def test_plugin_function_as_formulafunction_object():
    double = FormulaFunction("double", ("x",), body=2 * sympy.Symbol("x"))
    acme = plugin("acme", register_functions=[double])
    catalog = build_catalog(manager(acme=acme))
    assert catalog.function_sources["double"] == "acme"
    assert parse_formula("double(revenue)", functions=catalog.functions) == 2 * sympy.Symbol("revenue")


def test_function_clashing_with_a_builtin_names_both():
    acme = plugin("acme", register_functions=[{"name": "clamp", "params": ["x"], "body": "x"}])
    with pytest.raises(PluginError) as caught:
        build_catalog(manager(acme=acme))
    assert str(caught.value).startswith(
        "formula function 'clamp' is defined by both plugin 'builtin-functions' and plugin 'acme'")
    sympy_clash = plugin("acme", register_functions=[{"name": "Min", "params": ["x"], "body": "x"}])
    with pytest.raises(PluginError, match="'Min' is defined by both a pmrules built-in and plugin 'acme'"):
        build_catalog(manager(acme=sympy_clash))


def test_function_clashing_between_two_plugins_names_both():
    spec = [{"name": "ratio", "params": ["a", "b"], "body": "a / b"}]
    with pytest.raises(PluginError, match="'ratio' is defined by both plugin 'one' and plugin 'two'"):
        build_catalog(manager(one=plugin("one", register_functions=spec), two=plugin("two", register_functions=spec)))


@pytest.mark.parametrize(("spec", "message"), [
    ({"name": "evil", "params": ["x"], "body": "__import__('os').system('true')"}, "does not parse"),
    ({"name": "evil", "params": ["x"], "body": "x.real"}, "attribute access"),
    ({"name": "free", "params": ["x"], "body": "x + revenue"}, "uses revenue, which are not parameters"),
    ({"name": "bad", "params": ["x"], "body": "x", "kind": "python"}, "unknown key(s) kind"),
    ({"name": "bad", "params": "x", "body": "x"}, "params a list of names"),
    ("clamp", "expected a FormulaFunction or a dict"),
])
def test_malformed_functions_are_named_and_never_executed(spec, message):
    acme = plugin("acme", register_functions=[spec])
    with pytest.raises(PluginError) as caught:
        build_catalog(manager(acme=acme))
    assert "plugin 'acme' returned a malformed function" in str(caught.value)
    assert message in str(caught.value)


def test_formulas_call_only_registered_functions():
    catalog = build_catalog(manager())
    with pytest.raises(FormulaError, match="calls to 'eval' are not allowed"):
        parse_formula("eval(revenue)", functions=catalog.functions)


# -- register_commands ---------------------------------------------------------------------------
def _hello_commands(cli: click.Group) -> None:
    @cli.command()
    @click.argument("who")
    def hello(who: str) -> None:
        """Say hello."""
        click.echo(f"hello {who}")


def test_register_commands_adds_a_command():
    group = click.Group("pmrules", commands={"kpis": click.Command("kpis")})
    added = add_plugin_commands(group, manager(greet=plugin("greet", register_commands=_hello_commands)))
    assert added == ["hello"]
    assert CliRunner().invoke(group, ["hello", "world"]).output == "hello world\n"


def test_register_commands_cannot_replace_a_pmrules_command(capsys):
    original = click.Command("kpis")
    group = click.Group("pmrules", commands={"kpis": original})

    def takeover(cli: click.Group) -> None:
        cli.add_command(click.Command("kpis"))

    assert add_plugin_commands(group, manager(rogue=plugin("rogue", register_commands=takeover))) == []
    assert group.commands["kpis"] is original
    assert "plugin 'rogue' adds the command 'kpis', which already exists" in capsys.readouterr().err


def test_register_commands_that_raises_is_reported_not_fatal(capsys):
    def broken(cli: click.Group) -> None:
        raise RuntimeError("no click today")

    group = click.Group("pmrules")
    assert add_plugin_commands(group, manager(broken=plugin("broken", register_commands=broken))) == []
    assert ("warning: plugin commands not loaded: plugin 'broken' raised in register_commands(): "
            "RuntimeError: no click today") in capsys.readouterr().err


# -- faults through the real CLI, with a real entry point ----------------------------------------
def install_fake(site: Path, source: str, name: str = "fake") -> Path:
    """A module plus a *.dist-info with entry_points.txt: importlib.metadata finds it on PYTHONPATH."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"pmrules_{name}.py").write_text(textwrap.dedent(source))
    info = site / f"pmrules_{name}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pmrules-{name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[pmrules]\n{name} = pmrules_{name}\n")
    return site


def run_cli(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(site), **env}
    if "PMRULES_LOAD_PLUGINS" not in env:
        environment.pop("PMRULES_LOAD_PLUGINS", None)
    return subprocess.run([sys.executable, "-c", "from pmrules.cli import cli; cli()", *args],
                          capture_output=True, text=True, env=environment, timeout=120)


HEADER = "import pmrules\n"
FAULTS = {
    "import": ("raise RuntimeError('half-installed')",
               "error: plugin 'fake' (pmrules_fake) failed to import: RuntimeError: half-installed"),
    "raises": (HEADER + "@pmrules.hookimpl\ndef register_kpis():\n    return 1 / 0\n",
               "error: plugin 'fake' raised in register_kpis(): ZeroDivisionError: division by zero"),
    "malformed": (HEADER + "@pmrules.hookimpl\ndef register_kpis():\n"
                  "    return [{'id': 'fake_kpi', 'name': 'Fake', 'direction': 'higher', 'perspective': 'internal'}]\n",
                  "error: plugin 'fake' returned a malformed KPI 'fake_kpi': formula: Field required"),
    "category": (HEADER + "@pmrules.hookimpl\ndef register_inputs():\n    return {'fake_input': {'unit': 'count'}}\n",
                 "error: plugin 'fake' declares input 'fake_input' badly: Field required"),
    "hookname": (HEADER + "@pmrules.hookimpl\ndef register_kpi():\n    return []\n",
                 "error: plugin 'fake' implements a hook pmrules does not define: register_kpi() "
                 "(did you mean 'register_kpis'?)"),
    "arguments": (HEADER + "@pmrules.hookimpl\ndef register_commands(group):\n    pass\n",
                  "error: plugin 'fake' implements a hook with the wrong arguments"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_plugin_fault_is_exit_2_naming_plugin_and_item(tmp_path, fault):
    source, message = FAULTS[fault]
    site = install_fake(tmp_path / "site", source)
    result = run_cli(site, "kpis")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    help_text = run_cli(site, "--help")  # a broken plugin never breaks --help
    assert help_text.returncode == 0 and "Commands:" in help_text.stdout
    assert "warning: plugin commands not loaded" in help_text.stderr or fault in ("malformed", "category", "raises")


def test_load_plugins_env_switches_a_broken_plugin_off(tmp_path):
    site = install_fake(tmp_path / "site", FAULTS["import"][0])
    assert run_cli(site, "kpis").returncode == 2
    off = run_cli(site, "plugins", "--format", "json", PMRULES_LOAD_PLUGINS="")
    assert off.returncode == 0 and '"fake"' not in off.stdout and off.stderr == ""


def test_load_plugins_env_naming_a_missing_plugin_is_exit_2(tmp_path):
    result = run_cli(tmp_path, "kpis", PMRULES_LOAD_PLUGINS="nope")
    assert result.returncode == 2
    assert "error: PMRULES_LOAD_PLUGINS names plugin(s) that are not installed: nope" in result.stderr


def test_installed_plugin_command_runs_and_plugin_is_listed(tmp_path):
    site = install_fake(tmp_path / "site", HEADER + textwrap.dedent("""
        import click

        @pmrules.hookimpl
        def register_commands(cli):
            @cli.command()
            def fake_hello():
                \"\"\"Say hello from a plugin.\"\"\"
                click.echo("hello from fake")
        """))
    result = run_cli(site, "fake-hello", PMRULES_LOAD_PLUGINS="fake")
    assert result.returncode == 0 and result.stdout == "hello from fake\n", result.stderr
    listed = run_cli(site, "plugins", "--format", "json", PMRULES_LOAD_PLUGINS="fake")
    assert '"name": "fake"' in listed.stdout and '"distribution": "pmrules-fake"' in listed.stdout
