"""The library entry point: a workspace folder in, models and an analysed catalog out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pluggy

from pmrules.catalog import Catalog, build_catalog
from pmrules.errors import raise_all
from pmrules.plugins import get_plugin_manager
from pmrules.rollup import check_rollup
from pmrules.workspace import Workspace, load_workspace
from pmrules.workspace.adjustments import adjust_workspace


@dataclass
class Opened:
    workspace: Workspace
    catalog: Catalog
    plugin_manager: pluggy.PluginManager


def open_workspace(directory: str | Path, pm: pluggy.PluginManager | None = None) -> Opened:
    """Load, validate and cross-check a workspace; raises PmrulesError with every problem found."""
    manager = pm or get_plugin_manager()
    workspace = load_workspace(directory)
    catalog = build_catalog(manager, workspace)
    adjust_workspace(workspace, catalog.inputs)  # adjustments.csv, before any KPI, roll-up or accumulation
    if workspace.period_actuals is not None:  # plugins may say how their inputs accumulate
        from pmrules.planyear.accumulate import accumulate, check_accumulate, methods, same_methods

        raise_all(check_accumulate(workspace.manifest, catalog.inputs, workspace.locate))
        how = methods(workspace.manifest, {n: e.definition for n, e in catalog.inputs.items()})
        if workspace.adjustments or not same_methods(how, methods(workspace.manifest)):  # else load's accumulation stands
            workspace.actuals = accumulate(workspace.period_actuals, list(workspace.period_actuals), how)
        if workspace.raw_period_actuals is not None:
            workspace.raw_actuals = accumulate(workspace.raw_period_actuals, list(workspace.raw_period_actuals), how)
    raise_all(check_rollup(workspace, catalog))
    return Opened(workspace, catalog, manager)
