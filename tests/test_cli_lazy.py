"""`import pmrules.cli` loads nothing heavy; commands and plugins are loaded when a command needs them."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest

from pmrules import hookimpl
from pmrules.cli import BUILTIN_COMMANDS, LazyGroup, cli
from pmrules.cli.plugin_cmds import add_plugin_commands
from pmrules.plugins import get_plugin_manager

HEAVY = ("sympy", "numpy", "pyarrow", "pydantic", "rich", "pmrules.plugins", "pmrules.catalog", "pmrules.cli.payout_cmds",
         "sqlalchemy")


def run(code: str, *args: str, site: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    if site is not None:
        environment["PYTHONPATH"] = str(site)
    if "PMRULES_LOAD_PLUGINS" not in env:
        environment.pop("PMRULES_LOAD_PLUGINS", None)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=environment,
                          timeout=120)


def install_fake(site: Path, source: str, name: str = "fake") -> Path:
    """A module plus a *.dist-info with entry_points.txt: importlib.metadata finds it on PYTHONPATH."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"pmrules_{name}.py").write_text(textwrap.dedent(source))
    info = site / f"pmrules_{name}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pmrules-{name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[pmrules]\n{name} = pmrules_{name}\n")
    return site


def test_importing_the_cli_loads_no_heavy_module_and_no_plugin() -> None:
    result = run(f"import sys, pmrules.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_version_and_help_do_not_import_commands() -> None:
    code = ("import sys\nfrom pmrules.cli import cli\ntry:\n    cli()\nfinally:\n"
            f"    print(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    version = run(code, "--version")
    assert version.returncode == 0 and version.stdout == "pmrules, version 0.1.0\n"
    assert version.stderr.strip() == ""
    listing = run(code, "--help")
    assert listing.returncode == 0 and "payout       Compute every bonus" in listing.stdout
    assert not {"sympy", "numpy", "pyarrow", "pmrules.cli.payout_cmds"} & set(listing.stderr.split())


@pytest.mark.parametrize("name", sorted(BUILTIN_COMMANDS))
def test_builtin_summary_is_the_first_paragraph_of_the_command_help(name: str) -> None:
    importlib.import_module(BUILTIN_COMMANDS[name].module)
    command = cli.commands[name]
    assert BUILTIN_COMMANDS[name].summary == inspect.cleandoc(command.help or "").split("\n\n")[0]


def test_an_installed_plugin_command_is_listed_by_help_but_version_never_loads_plugins(tmp_path: Path) -> None:
    site = install_fake(tmp_path / "site", """
        import click
        import pmrules

        @pmrules.hookimpl
        def register_commands(cli):
            @cli.command()
            def fake_hello():
                \"\"\"Say hello from a plugin.\"\"\"
                click.echo("hello from fake")
        """)
    listing = run("from pmrules.cli import cli; cli()", "--help", site=site)
    assert listing.returncode == 0 and "fake-hello   Say hello from a plugin." in listing.stdout, listing.stderr
    broken = install_fake(tmp_path / "broken", "raise RuntimeError('half-installed')")
    version = run("from pmrules.cli import cli; cli()", "--version", site=broken)
    assert version.returncode == 0 and version.stderr == ""


def test_a_plugin_cannot_take_the_name_of_a_builtin_not_yet_imported(capsys: pytest.CaptureFixture[str]) -> None:
    group = LazyGroup("pmrules")

    def takeover(cli: click.Group) -> None:
        cli.add_command(click.Command("payout"))

    module = type(sys)("rogue")
    module.register_commands = hookimpl(takeover)  # type: ignore[attr-defined]
    assert add_plugin_commands(group, get_plugin_manager(entry_points=False, plugins={"rogue": module})) == []
    assert "plugin 'rogue' adds the command 'payout', which already exists" in capsys.readouterr().err


def test_sqlalchemy_is_imported_only_when_a_ledger_is_used() -> None:
    result = run("import sys, pmrules.cli.planyear_cmds, pmrules.cli.payout_cmds; print('sqlalchemy' in sys.modules)")
    assert result.stdout.strip() == "False", result.stderr
