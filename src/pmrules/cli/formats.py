"""`pmrules payout --format`: its choices, help and writers come from the output-format registry.

The registry is read from the running command's plugin manager when click first needs the choices
(parsing or `--help`), so a plugin's format is offered like pmrules' own and nothing loads at import.
"""

from __future__ import annotations

from typing import Any

import click

from pmrules.cli import plugin_manager
from pmrules.errors import PmrulesError
from pmrules.output_formats import OutputFormat, output_formats

FORMATS = "pmrules.output_formats"


def registered_formats(ctx: click.Context | None = None) -> dict[str, OutputFormat]:
    """The formats of the running command, by name, in the order --help lists them."""
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is None:
        from pmrules.plugins import get_plugin_manager

        return output_formats(get_plugin_manager())
    root = ctx.find_root()
    if FORMATS not in root.meta:
        try:
            manager = plugin_manager(root)
        except PmrulesError:
            # A plugin that does not load is reported when the command builds its catalog, with the
            # message it always had; until then the choices are those of pmrules and working plugins.
            from pmrules.plugins import get_plugin_manager

            manager = get_plugin_manager(entry_points=False)
        root.meta[FORMATS] = output_formats(manager)
    formats: dict[str, OutputFormat] = root.meta[FORMATS]
    return formats


def describe(formats: dict[str, OutputFormat]) -> str:
    return "; ".join(f"{f.name}: {f.description or 'from plugin ' + repr(f.source)}"
                     + (" (needs --output)" if f.binary else "") for f in formats.values()) + "."


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """A click Choice whose names are the registered formats, looked up when click asks."""

    def __init__(self) -> None:
        super().__init__((), case_sensitive=True)

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return tuple(registered_formats())

    @choices.setter
    def choices(self, value: Any) -> None:
        pass  # click's __init__ assigns the (empty) static list; the registry is the only source


class FormatOption(click.Option):
    """--format whose help lists every registered format with its one-line description."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = describe(registered_formats(ctx))
        return super().get_help_record(ctx)


payout_format_option = click.option(
    "--format", "fmt", cls=FormatOption, type=FormatChoice(), default="table", show_default=True,
)
