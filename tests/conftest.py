"""Shared fixtures: a fresh plugin manager per test, throwaway plugins, workspace builders."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from pmrules import hookimpl
from pmrules.plugins import get_plugin_manager

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "northwind-bank"
SHARED = REPO.parent / "shared"


@pytest.fixture
def pm() -> pluggy.PluginManager:
    """A plugin manager with the built-ins only (no installed third-party plugins)."""
    return get_plugin_manager(entry_points=False)


def make_plugin(name: str, *, kpis: list[dict[str, Any]] | None = None,
                inputs: dict[str, dict[str, Any]] | None = None,
                rulesets: list[Path] | None = None) -> types.ModuleType:
    """A throwaway plugin module implementing the hooks it is given data for."""
    module = types.ModuleType(name)
    if kpis is not None:
        module.register_kpis = hookimpl(lambda: kpis)  # type: ignore[attr-defined]
    if inputs is not None:
        module.register_inputs = hookimpl(lambda: inputs)  # type: ignore[attr-defined]
    if rulesets is not None:
        module.register_rulesets = hookimpl(lambda: rulesets)  # type: ignore[attr-defined]
    return module


@pytest.fixture
def register(pm: pluggy.PluginManager) -> Iterator[Callable[..., types.ModuleType]]:
    """Register throwaway plugins on `pm` for one test; unregistered in `finally`."""
    added: list[types.ModuleType] = []

    def add(name: str, **hooks: Any) -> types.ModuleType:
        module = make_plugin(name, **hooks)
        pm.register(module, name=name)
        added.append(module)
        return module

    try:
        yield add
    finally:
        for module in added:
            pm.unregister(module)
