"""The `pmrules` command: a click group whose commands live in one module each."""

from __future__ import annotations

import gc
import signal
import sys
import threading
from typing import Any

import click

from pmrules import __version__
from pmrules.errors import PmrulesError
from pmrules.io.inputs import ALLOW_ENV
from pmrules.io.inputs import allow_outside_links as outside_links
from pmrules.safetext import printable

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


class PmrulesGroup(click.Group):
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


def _register() -> None:
    from pmrules.cli import (  # noqa: F401  (commands attach to `cli`)
        audit_cmds,
        catalog_cmds,
        payout_cmds,
        plugin_cmds,
        report_cmds,
    )

    plugin_cmds.add_plugin_commands(cli)


try:
    _register()
except KeyboardInterrupt:  # Ctrl-C while the commands' modules import (sympy takes a moment): nothing ran yet
    sys.stderr.write("interrupted\n")
    raise SystemExit(EXIT_SIGNAL + signal.SIGINT) from None
