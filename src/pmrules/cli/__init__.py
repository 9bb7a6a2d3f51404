"""The `pmrules` command: a click group whose commands live in one module each."""

from __future__ import annotations

import sys
from typing import Any

import click

from pmrules import __version__
from pmrules.errors import PmrulesError

EXIT_INVALID = 2


class PmrulesGroup(click.Group):
    """Turns every PmrulesError into `file:line: message (hint)` lines on stderr and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PmrulesError as exc:
            if ctx.meta.get("pmrules.debug"):
                raise
            for line in exc.lines():
                click.echo(f"error: {line}", err=True)
            sys.exit(EXIT_INVALID)


@click.group(cls=PmrulesGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmrules")
@click.option("--debug", is_flag=True, help="Show Python tracebacks instead of short error lines.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """pmrules audits and pays a responsibility-accounting workspace.

    A workspace is a folder with pmrules.yaml, employees.csv and actuals.csv
    (see `pmrules schema`). Typical session:

    \b
        pmrules validate examples/northwind-bank
        pmrules audit examples/northwind-bank
        pmrules payout examples/northwind-bank --format csv --output bonuses.csv

    Exit codes: 0 ok, 1 findings or unpaid employees, 2 invalid input.
    """
    ctx.meta["pmrules.debug"] = debug


def _register() -> None:
    from pmrules.cli import audit_cmds, catalog_cmds, payout_cmds, plugin_cmds, report_cmds  # noqa: F401  (commands attach to `cli`)

    plugin_cmds.add_plugin_commands(cli)


_register()
