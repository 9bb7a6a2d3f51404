"""Every call into plugin code goes through `plugins.guarded` (issue 18, class 8).

Whatever a plugin raises, at load, in a hook, in a generator hook part-way, in an output writer or
in its own command, ends as one `error: plugin 'NAME' raised in ...` line and exit 2 with nothing
written; only Ctrl-C (KeyboardInterrupt) still interrupts, with exit 130.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from pmrules.errors import PluginError
from pmrules.output_formats import OutputFormat, write_output
from pmrules.plugins import guarded
from tests.test_plugins import install_fake, run_cli

WORKSPACE = Path(__file__).resolve().parent / "workspaces" / "rounding-half-up"
HEADER = "import pmrules\n\nclass Odd(BaseException):\n    pass\n\n"
KPI = "{'id': 'fake_kpi', 'name': 'Fake', 'formula': 'revenue', 'direction': 'higher', 'perspective': 'internal'}"

# What the plugin does in register_kpis -> what `pmrules kpis` must say.
HOOK_FAULTS = {
    "base-exception": ("raise Odd('not an Exception')", "raised in register_kpis(): Odd: not an Exception"),
    "system-exit-0": ("raise SystemExit(0)", "raised in register_kpis(): SystemExit: 0"),
    "system-exit-3": ("import sys; sys.exit(3)", "raised in register_kpis(): SystemExit: 3"),
    "generator-exit": ("raise GeneratorExit('odd')", "raised in register_kpis(): GeneratorExit: odd"),
    "generator-part-way": (f"yield {KPI}\n    raise ValueError('row 2 is broken')",
                           "raised in register_kpis(): ValueError: row 2 is broken"),
    "generator-base-exception": (f"yield {KPI}\n    raise Odd('mid-way')", "raised in register_kpis(): Odd: mid-way"),
    "generator-system-exit": (f"yield {KPI}\n    raise SystemExit(0)", "raised in register_kpis(): SystemExit: 0"),
}


def _source(body: str, hook: str = "register_kpis") -> str:
    return HEADER + f"@pmrules.hookimpl\ndef {hook}():\n    {body}\n"


@pytest.mark.parametrize("fault", sorted(HOOK_FAULTS))
def test_a_hook_raising_anything_is_exit_2_naming_the_plugin(tmp_path: Path, fault: str) -> None:
    body, message = HOOK_FAULTS[fault]
    site = install_fake(tmp_path / "site", _source(body))
    result = run_cli(site, "kpis")
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert f"error: plugin 'fake' {message} (fix the plugin, or leave it out with PMRULES_LOAD_PLUGINS)" \
        in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("hook", ["register_inputs", "register_rulesets", "register_functions",
                                  "register_output_formats"])
def test_every_hook_is_guarded_the_same_way(tmp_path: Path, hook: str) -> None:
    site = install_fake(tmp_path / "site", _source("raise SystemExit(0)", hook))
    out = tmp_path / "out.csv"
    result = run_cli(site, "payout", str(WORKSPACE), "--format", "csv", "--output", str(out))
    assert result.returncode == 2, result.stderr
    assert f"error: plugin 'fake' raised in {hook}(): SystemExit: 0" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


@pytest.mark.parametrize("raised", ["SystemExit(0)", "Odd('writer')", "RuntimeError('writer')"])
def test_an_output_writer_raising_anything_writes_nothing(tmp_path: Path, raised: str) -> None:
    site = install_fake(tmp_path / "site", HEADER + textwrap.dedent(f"""
        from pmrules.output_formats import OutputFormat

        def write(run):
            raise {raised}

        @pmrules.hookimpl
        def register_output_formats():
            return [OutputFormat("fake", write, "a broken format")]
        """))
    ws = tmp_path / "ws"
    shutil.copytree(WORKSPACE, ws)
    out = tmp_path / "out.txt"
    result = run_cli(site, "payout", str(ws), "--format", "fake", "--output", str(out))
    assert result.returncode == 2, result.stderr
    assert "error: plugin 'fake' raised in output format 'fake': " in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
    assert not list(tmp_path.glob("out.txt*")) and not list(tmp_path.glob(".out.txt*"))


def test_register_commands_raising_a_base_exception_is_a_warning_and_pmrules_runs(tmp_path: Path) -> None:
    site = install_fake(tmp_path / "site", HEADER + "@pmrules.hookimpl\ndef register_commands(cli):\n"
                        "    raise SystemExit(0)\n")
    result = run_cli(site, "--help")
    assert result.returncode == 0, result.stderr
    assert ("warning: plugin commands not loaded: plugin 'fake' raised in register_commands(): SystemExit: 0"
            in result.stderr)
    assert "Commands:" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize("raised", ["RuntimeError('boom')", "Odd('boom')"])
def test_a_plugin_command_that_crashes_names_the_plugin(tmp_path: Path, raised: str) -> None:
    site = install_fake(tmp_path / "site", HEADER + textwrap.dedent(f"""
        import click

        @pmrules.hookimpl
        def register_commands(cli):
            @cli.command()
            def fake_crash():
                \"\"\"Crash.\"\"\"
                raise {raised}
        """))
    result = run_cli(site, "fake-crash", PMRULES_LOAD_PLUGINS="fake")
    assert result.returncode == 2, result.stderr
    assert "error: plugin 'fake' raised in command 'fake-crash': " in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_a_plugin_command_may_still_exit_on_purpose(tmp_path: Path) -> None:
    site = install_fake(tmp_path / "site", HEADER + textwrap.dedent("""
        import sys, click

        @pmrules.hookimpl
        def register_commands(cli):
            @cli.command()
            def fake_exit():
                \"\"\"Exit 3 on purpose.\"\"\"
                click.echo("done")
                sys.exit(3)
        """))
    result = run_cli(site, "fake-exit", PMRULES_LOAD_PLUGINS="fake")
    assert (result.returncode, result.stdout, result.stderr) == (3, "done\n", "")


@pytest.mark.parametrize("where", ["hook", "generator"])
def test_ctrl_c_inside_a_plugin_still_interrupts(tmp_path: Path, where: str) -> None:
    body = "raise KeyboardInterrupt" if where == "hook" else f"yield {KPI}\n    raise KeyboardInterrupt"
    site = install_fake(tmp_path / "site", _source(body))
    result = run_cli(site, "kpis")
    assert result.returncode == 130, result.stderr
    assert result.stderr == "interrupted\n"


def test_guarded_drains_generators_and_keeps_what_it_is_told() -> None:
    def gen():  # type: ignore[no-untyped-def]
        yield 1
        raise SystemExit(0)

    with pytest.raises(PluginError, match="plugin 'p' raised in hook\\(\\): SystemExit: 0"):
        guarded("p", "hook()", gen)
    assert guarded("p", "hook()", lambda: iter([1, 2])) == [1, 2]
    with pytest.raises(MemoryError):
        guarded("p", "hook()", lambda: (_ for _ in ()).throw(MemoryError()))
    with pytest.raises(PluginError, match="returned list; expected str or bytes"):
        write_output(OutputFormat("lst", lambda run: ["a"], source="p"), run=None)
