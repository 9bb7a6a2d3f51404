"""The plugin manager factory: hookspecs, then third-party entry points, then the built-in defaults."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

import pluggy

from pmrules import hookspecs
from pmrules.errors import PluginError, PmrulesError, did_you_mean, raise_all

ENTRY_POINT_GROUP = "pmrules"
LOAD_PLUGINS_ENV = "PMRULES_LOAD_PLUGINS"
DEFAULT_PLUGINS = {
    "builtin": "pmrules.defaults.kpis",
    "builtin-rulesets": "pmrules.defaults.rulesets",
    "builtin-functions": "pmrules.defaults.functions",
}


@dataclass(frozen=True)
class PluginInfo:
    """What `pmrules plugins` shows about one registered plugin."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False


def get_plugin_manager(
    *, entry_points: bool = True, plugins: Mapping[str, object] | None = None
) -> pluggy.PluginManager:
    """A fresh manager; nothing is loaded at import time, so tests can build their own.

    `plugins` ({name: module}) are registered as if installed, before the hook names are checked.
    """
    pm = pluggy.PluginManager("pmrules")
    pm.add_hookspecs(hookspecs)
    if entry_points:
        _load_entry_points(pm)
    for name, plugin in (plugins or {}).items():
        if name in DEFAULT_PLUGINS:
            raise PluginError(f"plugin name '{name}' is reserved for pmrules' own defaults", plugin=name)
        _register(pm, plugin, name)
    for name, module in DEFAULT_PLUGINS.items():
        pm.register(importlib.import_module(module), name=name)
    _check_hook_names(pm)
    return pm


def _check_hook_names(pm: pluggy.PluginManager) -> None:
    """pluggy's check_pending, with one line per misspelt hook that names the plugin and the hook."""
    specs = {name for name, caller in vars(pm.hook).items()
             if isinstance(caller, pluggy.HookCaller) and caller.has_spec()}
    errors: list[PmrulesError] = []
    for name, caller in sorted(vars(pm.hook).items()):
        if not isinstance(caller, pluggy.HookCaller) or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if impl.hookwrapper or impl.wrapper or impl.optionalhook:
                continue
            plugin = pm.get_name(impl.plugin) or "?"
            errors.append(PluginError(
                f"plugin '{plugin}' implements a hook pmrules does not define: {name}()",
                hint=did_you_mean(name, specs) or f"pmrules' hooks: {', '.join(sorted(specs))} (docs/plugins.md)",
                plugin=plugin))
    raise_all(errors)
    pm.check_pending()


def _allowed_names() -> set[str] | None:
    """None means every installed plugin; an empty set means none (PMRULES_LOAD_PLUGINS="")."""
    value = os.environ.get(LOAD_PLUGINS_ENV)
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    allowed = _allowed_names()
    found = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    if allowed:
        missing = sorted(allowed - set(found))
        if missing:
            raise PluginError(
                f"{LOAD_PLUGINS_ENV} names plugin(s) that are not installed: {', '.join(missing)}",
                hint=f"installed: {', '.join(sorted(found)) or 'none'}",
            )
    for name, ep in sorted(found.items()):
        if allowed is not None and name not in allowed:
            continue
        if name in DEFAULT_PLUGINS:
            raise PluginError(f"plugin name '{name}' is reserved for pmrules' own defaults", plugin=name)
        try:
            module = ep.load()
        except (KeyboardInterrupt, MemoryError):
            raise
        except BaseException as exc:  # a third-party import can fail in any way (SystemExit too); name it and stop
            raise PluginError(
                f"plugin '{name}' ({ep.value}) failed to import: {type(exc).__name__}: {exc}",
                hint=f"fix or uninstall it, or leave it out with {LOAD_PLUGINS_ENV}",
                plugin=name,
            ) from exc
        _register(pm, module, name)


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    """pluggy checks a known hook's arguments at registration; name the plugin when they are wrong."""
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        detail = "; ".join(str(exc).splitlines()[1:]) or str(exc)
        raise PluginError(f"plugin '{name}' implements a hook with the wrong arguments: {detail}",
                          hint="compare the signature with docs/plugins.md", plugin=name) from exc


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Every registered plugin with its distribution and version, built-ins first."""
    dists: dict[str, tuple[str | None, str | None]] = {}
    for dist_plugin, dist in pm.list_plugin_distinfo():
        dists[pm.get_name(dist_plugin) or ""] = (str(dist.project_name), str(dist.version))
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.dist is not None and ep.name not in dists:
            dists[ep.name] = (ep.dist.name, ep.dist.version)
    infos = []
    for name, plugin in pm.list_name_plugin():
        module = getattr(plugin, "__name__", type(plugin).__name__)
        distribution, version = dists.get(name, (None, None))
        builtin = name in DEFAULT_PLUGINS
        if builtin:
            distribution, version = "pmrules", importlib.metadata.version("pmrules")
        infos.append(PluginInfo(name, module, distribution, version, builtin))
    return sorted(infos, key=lambda info: (not info.builtin, info.name))


def call_with_source(pm: pluggy.PluginManager, hook_name: str, **kwargs: object) -> list[tuple[str, object]]:
    """Call every implementation of a hook, recording which plugin returned what."""
    results = []
    for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):
        name, value = call_impl(pm, impl, hook_name, **kwargs)
        if value is not None:
            results.append((name, value))
    return results


def call_impl(pm: pluggy.PluginManager, impl: pluggy.HookImpl, hook_name: str, **kwargs: object) -> tuple[str, object]:
    """Call one plugin's implementation through `guarded`, so whatever it raises names the plugin."""
    name = pm.get_name(impl.plugin) or "?"
    arguments = {arg: kwargs[arg] for arg in impl.argnames}
    return name, guarded(name, f"{hook_name}()", lambda: impl.function(**arguments))


T = TypeVar("T")


def guarded(plugin: str, what: str, function: Callable[..., T], *args: object,
            keep: tuple[type[BaseException], ...] = (), **kwargs: object) -> T:
    """The one way pmrules calls plugin code: every hook, writer and command goes through here.

    Anything the plugin raises becomes one PluginError naming it and `what` was called (exit 2):
    any Exception, and the BaseExceptions a plugin has no business raising at pmrules
    (SystemExit, GeneratorExit, custom BaseException subclasses), which would otherwise print a
    traceback or end the command silently. An iterator it returns (a generator hook) is drained
    here, so a failure part-way is caught too. Ctrl-C and SIGTERM (KeyboardInterrupt) still
    interrupt, MemoryError keeps its own message, and `keep` lists what passes through as raised
    (an output writer's own PmrulesError, a plugin command's click exit).
    """
    try:
        value = function(*args, **kwargs)
        if isinstance(value, Iterator):
            value = list(value)  # type: ignore[assignment]
        return value
    except (KeyboardInterrupt, MemoryError):
        raise
    except keep:
        raise
    except BaseException as exc:
        raise PluginError(
            f"plugin '{plugin}' raised in {what}: {type(exc).__name__}: {exc}",
            hint=f"fix the plugin, or leave it out with {LOAD_PLUGINS_ENV}",
            plugin=plugin,
        ) from exc
