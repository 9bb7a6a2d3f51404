"""register_output_formats: the registry behind `pmrules payout --format`, and a throwaway plugin's format end to end."""

from __future__ import annotations

import json
import shutil
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import pmrules.plugins
from pmrules import hookimpl
from pmrules.cli import cli
from pmrules.errors import PluginError
from pmrules.output_formats import OutputFormat, output_formats, write_output
from pmrules.plugins import get_plugin_manager

WORKSPACES = Path(__file__).resolve().parent / "workspaces"


def format_plugin(name: str, *formats: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.register_output_formats = hookimpl(lambda: list(formats))  # type: ignore[attr-defined]
    return module


def fancy(run: Any, currency: str) -> str:
    return f"fancy: {len(run.employees)} employees paid in {currency}\n"


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[types.ModuleType], None]]:
    """Make the CLI's plugin managers hold the built-ins plus the given throwaway plugins, for one test."""
    real = get_plugin_manager
    plugins: dict[str, object] = {}
    monkeypatch.setattr(pmrules.plugins, "get_plugin_manager",
                        lambda **_: real(entry_points=False, plugins=plugins))
    try:
        yield lambda module: plugins.__setitem__(module.__name__, module)
    finally:
        plugins.clear()


def test_builtin_formats_come_through_the_hook_in_help_order(pm: Any) -> None:
    formats = output_formats(pm)
    assert list(formats) == ["table", "csv", "json", "xlsx", "csv-raw"]
    assert {f.source for f in formats.values()} == {"builtin"}
    assert [f.name for f in formats.values() if f.binary] == ["xlsx"]


def test_a_plugin_format_is_offered_and_used_by_payout(installed: Callable[..., None], tmp_path: Path) -> None:
    installed(format_plugin("fancy_plugin", OutputFormat("fancy", fancy, "a summary line for chat")))
    help_text = CliRunner().invoke(cli, ["payout", "--help"])
    assert help_text.exit_code == 0, help_text.output
    assert "[table|csv|json|xlsx|csv-raw|fancy]" in help_text.output
    assert "fancy: a summary line for chat" in " ".join(help_text.output.split())

    workspace = shutil.copytree(WORKSPACES / "curve-segments", tmp_path / "ws")
    target = tmp_path / "out.fancy"
    result = CliRunner().invoke(cli, ["payout", str(workspace), "--format", "fancy", "--output", str(target)])
    assert result.exit_code in (0, 1), result.output
    assert target.read_text().startswith("fancy: ") and "employees paid in" in target.read_text()
    manifest = json.loads((tmp_path / "out.fancy.manifest.json").read_text())
    assert manifest["options"]["format"] == "fancy"


def test_a_binary_plugin_format_needs_output(installed: Callable[..., None], tmp_path: Path) -> None:
    installed(format_plugin("parquet_plugin", {"name": "parquet", "write": lambda run: b"PAR1",
                                               "binary": True, "extension": ".parquet"}))
    workspace = shutil.copytree(WORKSPACES / "curve-segments", tmp_path / "ws")
    result = CliRunner().invoke(cli, ["payout", str(workspace), "--format", "parquet"])
    assert result.exit_code == 2
    assert "--format parquet needs --output FILE.parquet" in result.output


def test_a_duplicate_format_name_is_an_error_naming_both_plugins() -> None:
    rogue = format_plugin("rogue", OutputFormat("csv", fancy))
    with pytest.raises(PluginError, match="output format 'csv' is registered by both plugin 'builtin' and plugin 'rogue'"):
        output_formats(get_plugin_manager(entry_points=False, plugins={"rogue": rogue}))


def test_a_duplicate_format_name_stops_payout_with_exit_2(installed: Callable[..., None], tmp_path: Path) -> None:
    installed(format_plugin("rogue", OutputFormat("json", fancy)))
    result = CliRunner().invoke(cli, ["payout", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 2
    assert "error: output format 'json' is registered by both plugin 'builtin' and plugin 'rogue'" in result.output


@pytest.mark.parametrize(("item", "message"), [
    ({"name": "x"}, "malformed output format 'x': needs 'name' and 'write'"),
    ({"name": "x", "write": fancy, "colour": "red"}, "malformed output format 'x': unknown key(s) colour"),
    (OutputFormat("Bad Name", fancy), "malformed output format 'Bad Name'"),
    ("csv", "returned str from register_output_formats(); expected OutputFormat objects or dicts"),
])
def test_malformed_formats_name_the_plugin(item: object, message: str) -> None:
    broken = format_plugin("broken", item)
    with pytest.raises(PluginError, match="plugin 'broken'") as caught:
        output_formats(get_plugin_manager(entry_points=False, plugins={"broken": broken}))
    assert message in str(caught.value)


def test_writer_gets_only_the_arguments_it_names_and_its_errors_name_the_plugin() -> None:
    seen: list[object] = []
    fmt = OutputFormat("seen", lambda currency: seen.append(currency) or "ok", source="p")
    assert write_output(fmt, run=None, workspace=None, currency="EUR", audit={}) == b"ok"
    assert seen == ["EUR"]
    with pytest.raises(PluginError, match="plugin 'p' output format 'odd' asks for colour"):
        write_output(OutputFormat("odd", lambda colour: "", source="p"), run=None)
    with pytest.raises(PluginError, match="plugin 'p' raised in output format 'boom': ZeroDivisionError"):
        write_output(OutputFormat("boom", lambda run: 1 / 0, source="p"), run=None)
