"""The hooks a pmrules plugin may implement; built-ins use the same ones."""

import pluggy

hookspec = pluggy.HookspecMarker("pmrules")
hookimpl = pluggy.HookimplMarker("pmrules")


@hookspec
def register_kpis():  # type: ignore[no-untyped-def]
    """Return an iterable of KPI definitions (dicts with the fields of a workspace `kpis` item)."""


@hookspec
def register_inputs():  # type: ignore[no-untyped-def]
    """Return {input name: {"category": ..., "unit": ...}}; a workspace's own `inputs` win."""


@hookspec
def register_rulesets():  # type: ignore[no-untyped-def]
    """Return an iterable of paths to rule-set YAML files."""


@hookspec
def register_functions():  # type: ignore[no-untyped-def]
    """Return an iterable of FormulaFunction objects or {"name", "params", "body"} dicts formulas may call."""


@hookspec
def register_commands(cli):  # type: ignore[no-untyped-def]
    """Add click commands to the `pmrules` group `cli`, e.g. with `@cli.command()`."""


@hookspec
def register_output_formats():  # type: ignore[no-untyped-def]
    """Return an iterable of pmrules.output_formats.OutputFormat objects (or dicts of their fields) for `payout --format`."""
