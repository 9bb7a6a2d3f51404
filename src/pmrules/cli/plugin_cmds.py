"""`pmrules new-plugin`, and the commands plugins add through `register_commands(cli)`."""

from __future__ import annotations

import functools
from pathlib import Path

import click
import pluggy

from pmrules.cli import cli
from pmrules.errors import PluginError, PmrulesError
from pmrules.plugins import call_impl, get_plugin_manager, guarded
from pmrules.safetext import printable


@cli.command("new-plugin")
@click.argument("name")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def new_plugin(name: str, directory: Path) -> None:
    """Create pmrules-NAME/ in DIRECTORY (default: here): a plugin package ready to install.

    It has one example KPI, its inputs, a rule set, a README and tests that use
    pmrules.testing; they pass right after installing it:

    \b
        pmrules new-plugin retail
        pip install -e pmrules-retail && python -m pytest pmrules-retail/tests
    """
    from pmrules.scaffold import scaffold_plugin

    target = scaffold_plugin(name, directory)
    click.echo(f"created {target}; next: pip install -e {target} && pmrules plugins")


def add_plugin_commands(group: click.Group, pm: pluggy.PluginManager | None = None) -> list[str]:
    """Let each plugin add commands to `group`; a broken plugin is reported on stderr, never fatal here.

    Each plugin registers into a scratch group first, so one that reuses a command name is named
    and skipped instead of silently replacing a pmrules command. Returns the names added.
    """
    try:
        manager = pm or get_plugin_manager()
        added: list[str] = []
        taken = {*group.commands, *getattr(group, "lazy_commands", ())}  # built-ins not imported yet count too
        for source, scratch in _each_plugin(manager):
            for name, command in scratch.commands.items():
                if name in taken:
                    raise PluginError(f"plugin '{source}' adds the command '{name}', which already exists",
                                      hint="rename the plugin's command", plugin=source)
                group.add_command(_guard_command(command, source), name)
                taken.add(name)
                added.append(name)
        return added
    except PmrulesError as exc:
        for line in exc.lines():
            click.echo(printable(f"warning: plugin commands not loaded: {line}"), err=True)
        return []


def _each_plugin(pm: pluggy.PluginManager) -> list[tuple[str, click.Group]]:
    found = []
    for impl in reversed(pm.hook.register_commands.get_hookimpls()):
        scratch = click.Group()
        name, _ = call_impl(pm, impl, "register_commands", cli=scratch)
        found.append((name, scratch))
    return found


# What a command may raise on purpose: click's exits and usage errors, sys.exit(n), pmrules' own errors.
COMMAND_EXITS = (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit,
                 PmrulesError)


def _guard_command(command: click.Command, source: str) -> click.Command:
    """Run a plugin command's callback (and its subcommands') through `guarded`, naming the plugin on a crash."""
    callback = command.callback
    if callback is not None:
        name = command.name or "?"

        def run(*args: object, **kwargs: object) -> object:
            return guarded(source, f"command '{name}'", callback, *args, keep=COMMAND_EXITS, **kwargs)

        command.callback = functools.update_wrapper(run, callback)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _guard_command(sub, source)
    return command
