"""The `pmrules` command: a click group whose commands live in one module each, imported when used.

`import pmrules.cli` loads click and little else, so `--version` and `--help` stay fast: a command's
module (and sympy, numpy, pyarrow behind it) is imported when that command runs, and plugins are
loaded when a command, the command list or a plugin's command needs them.
"""

from __future__ import annotations

import gc
import importlib
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from pmrules import __version__
from pmrules.errors import PmrulesError
from pmrules.io.inputs import ALLOW_ENV
from pmrules.io.inputs import allow_outside_links as outside_links
from pmrules.safetext import printable

if TYPE_CHECKING:
    import pluggy

EXIT_INVALID = 2
GC_THRESHOLD = 200_000
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in pmrules, not in the user's input
EXIT_SIGNAL = 128  # + the signal number: 130 for Ctrl-C (SIGINT), 143 for SIGTERM


class Interrupted(KeyboardInterrupt):
    """SIGTERM turned into an exception, so `finally` blocks (temp-file cleanup) run before exit."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


class Builtin(NamedTuple):
    module: str
    summary: str  # the first paragraph of the command's docstring, for `pmrules --help` without importing it


BUILTIN_COMMANDS = {
    "approve": Builtin("pmrules.cli.signoff_cmds", "Approve a reviewed run for payroll; an approved run is final "
                       "(its period is not committed again)."),
    "audit": Builtin("pmrules.cli.audit_cmds", "Check a workspace with its rule sets before any money moves."),
    "diff": Builtin("pmrules.cli.planyear_cmds", "Why did a payout change between two runs: employees, then the "
                    "inputs, KPIs, factors and rows behind it."),
    "export": Builtin("pmrules.cli.signoff_cmds", "Write the payroll file of an approved run and mark the run paid, "
                      "in one ledger transaction."),
    "history": Builtin("pmrules.cli.planyear_cmds", "One employee's runs and payments in the ledger, oldest first."),
    "kpis": Builtin("pmrules.cli.catalog_cmds",
                    "List every KPI: built-in, from plugins and (with DIRECTORY) the workspace's own."),
    "lock": Builtin("pmrules.cli.planyear_cmds",
                    "Close a period: its committed payments become final and a rerun of it is refused."),
    "new-plugin": Builtin("pmrules.cli.plugin_cmds",
                          "Create pmrules-NAME/ in DIRECTORY (default: here): a plugin package ready to install."),
    "payout": Builtin("pmrules.cli.payout_cmds", "Compute every bonus of a workspace, exact to the cent."),
    "plugins": Builtin("pmrules.cli.catalog_cmds",
                       "List installed plugins and what each adds (KPIs, inputs, rule sets)."),
    "report": Builtin("pmrules.cli.report_cmds", "Write one self-contained HTML page: strategy, cascade, "
                      "controllability, findings, payouts."),
    "runs": Builtin("pmrules.cli.planyear_cmds",
                    "List the runs a workspace's ledger records: id, period, status, sign-off, total, created, by."),
    "reject": Builtin("pmrules.cli.signoff_cmds", "Send a reviewed or approved run back to draft, with the reason; "
                      "its period may then be committed again."),
    "review": Builtin("pmrules.cli.planyear_cmds",
                      "Each scorecard for the period and year to date, with RAG and the trend across periods."),
    "rules": Builtin("pmrules.cli.audit_cmds", "List every rule in force with its severity, rule set and source."),
    "schema": Builtin("pmrules.cli.catalog_cmds", "Print the JSON Schema of pmrules.yaml (or of a rule-set file), "
                      "for editors and CI validation."),
    "signoff": Builtin("pmrules.cli.signoff_cmds",
                       "Sign off a committed run: draft -> reviewed -> approved (then `export` pays it)."),
    "sensitivity": Builtin("pmrules.cli.report_cmds",
                           "Which inputs move one employee's bonus, and by how much per 1% change."),
    "statements": Builtin("pmrules.cli.statement_cmds", "Write one statement per employee, HTML and PDF: measures, "
                          "scores, gates, bonus, paid before."),
    "suggest": Builtin("pmrules.cli.report_cmds",
                       "KPIs from every installed library a centre may be scored on and that feed its parent."),
    "test": Builtin("pmrules.cli.test_cmds", "Run the plan's scenario tests: change inputs in memory, expect bonuses "
                    "and findings."),
    "validate": Builtin("pmrules.cli.catalog_cmds",
                        "Load and cross-check a workspace and its rule sets without auditing or paying it."),
    "whatif": Builtin("pmrules.cli.report_cmds",
                      "Pay the workspace again with some actuals changed, and show what moved."),
}
PLUGIN_MANAGER = "pmrules.plugin_manager"


def plugin_manager(ctx: click.Context | None = None) -> pluggy.PluginManager:
    """The running command's plugin manager: built the first time something asks, then shared."""
    root = (ctx or click.get_current_context()).find_root()
    if PLUGIN_MANAGER not in root.meta:
        from pmrules.plugins import get_plugin_manager

        root.meta[PLUGIN_MANAGER] = get_plugin_manager()
    manager: pluggy.PluginManager = root.meta[PLUGIN_MANAGER]
    return manager


class LazyGroup(click.Group):
    """Built-in commands known by name and imported when called; plugin commands added on first need.

    Plugins are loaded for a name that is not built in, and for the command list (`--help`,
    completion), never for `--version` or a built-in command.
    """

    lazy_commands = BUILTIN_COMMANDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plugins_loaded = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            importlib.import_module(self.lazy_commands[cmd_name].module)
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name not in self.lazy_commands and not self.plugins_loaded:
            self.load_plugin_commands(ctx)
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_plugin_commands(ctx)
        return sorted({*self.commands, *self.lazy_commands})

    def load_plugin_commands(self, ctx: click.Context) -> None:
        if self.plugins_loaded:
            return
        self.plugins_loaded = True
        from pmrules.cli.plugin_cmds import add_plugin_commands

        try:
            manager = plugin_manager(ctx)
        except PmrulesError as exc:
            for line in exc.lines():
                click.echo(f"warning: plugin commands not loaded: {line}", err=True)
            return
        add_plugin_commands(self, manager)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, with built-in commands summarised from BUILTIN_COMMANDS instead of imported."""
        commands = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                command = click.Command(name, help=self.lazy_commands[name].summary)
            if not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])


class PmrulesGroup(LazyGroup):
    """Turns every PmrulesError into `file:line: message (hint)` lines on stderr and exit 2.

    An interruption (Ctrl-C, SIGTERM) unwinds normally, so no temp file is left and no output is
    half-written, then exits 128 + the signal number. Any other exception is a bug: one line and
    exit 70 (the traceback with --debug).
    """

    def invoke(self, ctx: click.Context) -> Any:
        previous = _install_sigterm()
        try:
            return super().invoke(ctx)
        except PmrulesError as exc:
            if ctx.meta.get("pmrules.debug"):
                raise
            for line in exc.lines():
                click.echo(f"error: {printable(line)}", err=True)
            sys.exit(EXIT_INVALID)
        except KeyboardInterrupt as exc:
            signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
            click.echo("interrupted", err=True)
            sys.exit(EXIT_SIGNAL + signum)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except MemoryError:
            if ctx.meta.get("pmrules.debug"):
                raise
            click.echo("error: out of memory: the input is too large for this machine's memory "
                       "(split the workforce into several workspaces, or run on a larger machine)", err=True)
            sys.exit(EXIT_INVALID)
        except Exception as exc:
            if ctx.meta.get("pmrules.debug"):
                raise
            message = printable(" ".join(str(exc).split())[:500])
            click.echo(f"error: internal error: {type(exc).__name__}: {message} (this is a bug in pmrules; "
                       "rerun with --debug and report it)", err=True)
            sys.exit(EXIT_INTERNAL)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _install_sigterm() -> Any:
    """Route SIGTERM through `_raise_interrupted`; returns the handler to restore (None if not possible)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        return signal.signal(signal.SIGTERM, _raise_interrupted)
    except (ValueError, OSError):
        return None


@click.group(cls=PmrulesGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmrules")
@click.option("--debug", is_flag=True, help="Show Python tracebacks instead of short error lines.")
@click.option("--allow-outside-links", is_flag=True, envvar=ALLOW_ENV,
              help=f"Follow symbolic links from the workspace to files outside it (or {ALLOW_ENV}=1).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, allow_outside_links: bool) -> None:
    """pmrules audits and pays a responsibility-accounting workspace.

    A workspace is a folder with pmrules.yaml, employees.csv and actuals.csv
    (see `pmrules schema`). Typical session:

    \b
        pmrules validate examples/northwind-bank
        pmrules audit examples/northwind-bank
        pmrules payout examples/northwind-bank --format csv --output bonuses.csv

    Exit codes: 0 ok, 1 findings or unpaid employees, 2 invalid input, 70 internal error,
    130/143 interrupted (Ctrl-C / SIGTERM).
    """
    ctx.meta["pmrules.debug"] = debug
    ctx.with_resource(outside_links(allow_outside_links))
    # A run builds many long-lived objects and few cycles; frequent cyclic collections walked them all
    # again and again (a third of a 1M-employee payout). Collect rarely instead.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 50, 1000)



def main() -> None:
    """The `pmrules` console command: the click group, then quiet during interpreter shutdown.

    Once the command has finished (its output complete or cleanly abandoned), a Ctrl-C or SIGTERM
    that lands while Python shuts down would print a traceback from `threading._shutdown`; there is
    nothing left to interrupt, so late signals are ignored.
    """
    try:
        cli()
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
